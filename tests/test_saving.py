"""Issue 14, defects 1-3: training never destroys a good model, and saves fail before training, not after.

Most tests interrupt :func:`lh.train_and_save` in-process on a tiny synthetic dataset (a
KeyboardInterrupt raised where Ctrl-C would land); one sends a real SIGINT to the ``train``
command and checks the exit code 130 and the message.
"""
import errno
import os
import re
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest
import torch

import lenet_helpers as lh
from lenet_helpers.training import loop as training
from lenet_helpers.training import runs as saving
from lenet_helpers.data.mnist import MNISTTensors
from lenet_helpers.training.runs import TrainingInterrupted
from lenet_helpers.training.runs import SaveError
from lenet_helpers.training.checkpoint import HISTORY_COLUMNS, save_checkpoint
from lenet_helpers.training.checkpoint import save_history
from lenet_helpers.settings import REFERENCE_DIR
from test_training import synthetic


@pytest.fixture
def data():
    return MNISTTensors(synthetic(96), synthetic(32, 1), synthetic(32, 2))


@pytest.fixture
def good(tmp_path, data):
    """A 'good' checkpoint and history already in place (2 epochs), and their bytes."""
    ckpt, csv = tmp_path / "model.pt", tmp_path / "history.csv"
    lh.train_and_save(epochs=2, checkpoint=ckpt, history_csv=csv, device="cpu", data=data, progress=False)
    return ckpt, csv, ckpt.read_bytes(), csv.read_bytes()


def interrupt_in_epoch(monkeypatch, epoch):
    """Make the ``epoch``-th training pass raise KeyboardInterrupt half-way, as Ctrl-C would."""
    real = training.train_epoch
    calls = {"n": 0}

    def train_epoch(model, batches, optimizer, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == epoch:
            for i, (x, y) in enumerate(batches):  # move the weights part-way, then stop
                loss = torch.nn.functional.cross_entropy(model(x), y)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                if i == 1:
                    raise KeyboardInterrupt
        return real(model, batches, optimizer, *args, **kwargs)

    monkeypatch.setattr(training, "train_epoch", train_epoch)


def no_temp_files(folder):
    return [p.name for p in folder.iterdir() if p.name.startswith(".")]


@pytest.mark.parametrize("epoch", [1, 2])
def test_ctrl_c_keeps_the_good_checkpoint(tmp_path, data, good, monkeypatch, epoch):
    ckpt, csv, ckpt_bytes, csv_bytes = good
    interrupt_in_epoch(monkeypatch, epoch)
    with pytest.raises(TrainingInterrupted, match="nothing saved.*trained 2 epochs.*unchanged") as info:
        lh.train_and_save(epochs=3, checkpoint=ckpt, history_csv=csv, device="cpu", data=data, progress=False)
    if epoch == 1:
        assert "before the first epoch ended" in str(info.value)
    else:
        assert "--save-partial" in str(info.value)
    assert ckpt.read_bytes() == ckpt_bytes and csv.read_bytes() == csv_bytes
    assert no_temp_files(tmp_path) == []


def test_save_partial_saves_the_last_completed_epoch(tmp_path, data, good, monkeypatch):
    ckpt, csv, _, _ = good
    interrupt_in_epoch(monkeypatch, 3)
    with pytest.raises(TrainingInterrupted, match="saved the 2 completed epoch"):
        lh.train_and_save(epochs=5, seed=1, checkpoint=ckpt, history_csv=csv, device="cpu", data=data,
                          progress=False, save_partial=True)
    model, meta = lh.load_checkpoint(ckpt)
    assert meta["epochs"] == 2 and meta["interrupted"] is True and meta["epochs_planned"] == 5 and meta["seed"] == 1
    # The weights are those of the end of epoch 2: they measure what the metadata records.
    _, valid_acc = lh.evaluate(model, data.valid)
    assert valid_acc == pytest.approx(meta["valid_acc"], abs=1e-6)
    assert lh.load_history(csv)["epoch"].tolist() == [1, 2]


def test_interrupted_history_is_not_saved_by_accident(tmp_path, data, monkeypatch):
    interrupt_in_epoch(monkeypatch, 2)
    model = lh.LeNet5()
    history = lh.train(model, data, epochs=3, device="cpu", progress=False)
    assert history.attrs["interrupted"] and len(history) == 1
    _, acc = lh.evaluate(model, data.valid)
    assert acc == pytest.approx(history["valid_acc"].iloc[-1], abs=1e-6)  # back to epoch 1's weights
    with pytest.raises(lh.SaveError, match="interrupted after 1 completed epoch"):
        lh.save_training_run(model, history, tmp_path / "m.pt", tmp_path / "m.csv")  # notebook 04's call
    assert not (tmp_path / "m.pt").exists() and not (tmp_path / "m.csv").exists()
    ckpt, _ = lh.save_training_run(model, history, tmp_path / "m.pt", tmp_path / "m.csv", partial=True)
    assert lh.load_checkpoint(ckpt)[1]["interrupted"]


# --- 2: checkpoint and history as one unit ------------------------------------------------------

def test_history_that_cannot_be_written_leaves_both_old_files(tmp_path, data, good, monkeypatch):
    ckpt, csv, ckpt_bytes, csv_bytes = good
    real_replace = os.replace

    def replace(src, dst):
        if str(dst) == str(csv):
            raise OSError(errno.EIO, "Input/output error")
        return real_replace(src, dst)

    monkeypatch.setattr(saving.os, "replace", replace)
    with pytest.raises(SaveError, match="were not saved .*old files are unchanged"):
        lh.train_and_save(epochs=1, checkpoint=ckpt, history_csv=csv, device="cpu", data=data, progress=False)
    assert ckpt.read_bytes() == ckpt_bytes and csv.read_bytes() == csv_bytes
    assert no_temp_files(tmp_path) == []


def test_stale_temp_files_of_a_killed_save_are_removed(tmp_path, data, good):
    ckpt, csv, _, _ = good
    stale = [tmp_path / ".model.pt.k9x_2ab.tmp", tmp_path / "..model.pt.5c1d.tmp.abc12345.tmp",
             tmp_path / ".history.csv.zz11.tmp"]
    for p in stale:
        p.write_bytes(b"half written")
    other = tmp_path / ".someone_else.tmp"
    other.write_text("not ours")
    lh.train_and_save(epochs=1, checkpoint=ckpt, history_csv=csv, device="cpu", data=data, progress=False)
    assert no_temp_files(tmp_path) == [other.name]


def test_history_out_of_step_is_rebuilt_from_the_checkpoint(tmp_path, good, capsys, monkeypatch):
    ckpt, csv, _, _ = good
    save_history(lh.load_history(csv).iloc[:1], csv)  # as if killed between the two renames
    monkeypatch.setattr("lenet_helpers.training.reference.checkpoint_path", lambda: ckpt)
    monkeypatch.setattr("lenet_helpers.training.reference.history_path", lambda: csv)
    _, history, meta = lh.load_trained_model(device="cpu")
    assert len(history) == meta["epochs"] == 2 and "rebuilt it from the checkpoint" in capsys.readouterr().out
    assert len(lh.load_history(csv)) == 2
    assert csv.read_text().splitlines()[1].startswith("1,")  # epoch 1 as train wrote it, not 1.0


# --- 3: destinations checked before training ----------------------------------------------------

def test_bad_destinations_fail_before_training(tmp_path, data, monkeypatch):
    def must_not_train(*args, **kwargs):
        raise AssertionError("training started")

    monkeypatch.setattr("lenet_helpers.training.runs.train", must_not_train)
    a_file = tmp_path / "file"
    a_file.write_text("x")
    cases = [
        (dict(checkpoint=tmp_path), "is a folder: give a file name for the checkpoint"),
        (dict(history_csv=tmp_path), "is a folder: give a file name for the history"),
        (dict(checkpoint=a_file / "m.pt"), "is a file, not a folder"),
    ]
    for kwargs, message in cases:
        kwargs = {"checkpoint": tmp_path / "m.pt", "history_csv": tmp_path / "h.csv", **kwargs}
        with pytest.raises(SaveError, match=message):
            lh.train_and_save(epochs=1, device="cpu", data=data, **kwargs)
    real_mkstemp = saving.tempfile.mkstemp

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(saving.tempfile, "mkstemp", read_only)
    with pytest.raises(SaveError, match="cannot be written \\(Read-only file system\\); choose another place"):
        lh.train_and_save(epochs=1, checkpoint=tmp_path / "m.pt", device="cpu", data=data)
    monkeypatch.setattr(saving.tempfile, "mkstemp", real_mkstemp)
    monkeypatch.setattr(saving.shutil, "disk_usage", lambda p: type("U", (), {"free": 12_000})())
    with pytest.raises(SaveError, match="only 0.0 MB free .* needed; free some space"):
        lh.train_and_save(epochs=1, checkpoint=tmp_path / "m.pt", device="cpu", data=data)
    assert no_temp_files(tmp_path) == []


def test_rules_that_refuse_the_save_are_checked_before_training(tmp_path, data, monkeypatch):
    """One file for both, or the shipped reference model's folder: refused before a minute of training is spent."""
    monkeypatch.setattr("lenet_helpers.training.runs.train", lambda *a, **k: pytest.fail("training started"))
    with pytest.raises(SaveError, match="must be two different files"):
        lh.train_and_save(epochs=1, checkpoint=tmp_path / "x.pt", history_csv=tmp_path / "x.pt", device="cpu", data=data)
    with pytest.raises(SaveError, match="holds the reference model shipped with lenet_helpers: no training run"):
        lh.train_and_save(epochs=1, checkpoint=REFERENCE_DIR / "mine.pt", device="cpu", data=data)
    assert not (REFERENCE_DIR / "mine.pt").exists() and not (REFERENCE_DIR / "mine_history.csv").exists()


def test_where_a_run_is_saved_when_not_told(tmp_path, data, monkeypatch):
    """LeNet-5 to the series' model, another network beside it (not over notebook 10's), a lone checkpoint with
    its own history."""
    monkeypatch.setenv("LENET_ARTIFACTS_DIR", str(tmp_path))
    assert saving.run_paths() == (tmp_path / "lenet5_mnist.pt", tmp_path / "training_history.csv")
    assert saving.run_paths("small_cnn") == (tmp_path / "small_cnn.pt", tmp_path / "small_cnn_history.csv")
    assert saving.run_paths("mlp", tmp_path / "x.pt") == (tmp_path / "x.pt", tmp_path / "x_history.csv")
    lh.train_and_save(epochs=1, device="cpu", data=data, progress=False)  # your LeNet-5
    mine = (tmp_path / "lenet5_mnist.pt").read_bytes(), (tmp_path / "training_history.csv").read_bytes()
    lh.train_and_save("lenet5_modern", epochs=1, device="cpu", data=data, progress=False)  # another network
    assert lh.load_checkpoint(tmp_path / "lenet5_modern.pt")[1]["architecture"] == "lenet5_modern"
    assert (tmp_path / "lenet5_modern_history.csv").is_file() and not (tmp_path / "models").exists()
    lh.train_and_save(epochs=1, checkpoint=tmp_path / "other.pt", device="cpu", data=data, progress=False)
    assert (tmp_path / "other_history.csv").is_file()
    assert ((tmp_path / "lenet5_mnist.pt").read_bytes(), (tmp_path / "training_history.csv").read_bytes()) == mine


def test_paths_are_shown_as_a_student_finds_them(tmp_path, monkeypatch):
    monkeypatch.delenv("LENET_ARTIFACTS_DIR", raising=False)
    assert lh.settings.display_path(lh.settings.REPO_ROOT / "artifacts" / "lenet5_mnist.pt") == "artifacts/lenet5_mnist.pt"
    monkeypatch.setenv("LENET_ARTIFACTS_DIR", str(tmp_path))
    assert lh.settings.display_path(tmp_path / "lenet5_mnist.pt") == "$LENET_ARTIFACTS_DIR/lenet5_mnist.pt"
    assert lh.settings.display_path("/elsewhere/m.pt") == "/elsewhere/m.pt"


def cli(*args, **kwargs):
    return subprocess.run([sys.executable, "-m", "lenet_helpers", *map(str, args)], capture_output=True, text=True,
                          timeout=300, **kwargs)


def test_train_command_refuses_a_folder_in_seconds(tmp_path):
    start = time.perf_counter()
    result = cli("train", "--checkpoint", tmp_path)
    assert result.returncode == 1 and "Epoch" not in result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("train: error: ") and "is a folder" in lines[0]
    assert time.perf_counter() - start < 60  # the import of torch; no data loaded, no training


def test_sigint_during_training_exits_130_and_keeps_the_model(tmp_path, mnist):
    ckpt, csv = tmp_path / "m.pt", tmp_path / "h.csv"
    model = lh.LeNet5()
    save_checkpoint(ckpt, model, pd.DataFrame({c: [1.0] for c in HISTORY_COLUMNS}), test_acc=42.0)
    before = ckpt.read_bytes()
    proc = subprocess.Popen([sys.executable, "-m", "lenet_helpers", "train", "--epochs", "50", "--subset", "3000",
                             "--checkpoint", str(ckpt), "--history", str(csv)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, "TQDM_DISABLE": "1"},
                            # Ctrl-C as in a terminal: a job started in the background by a non-interactive shell
                            # (a CI script, `nohup ... &`) inherits SIGINT ignored, and Python then keeps ignoring it.
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    for line in proc.stdout:  # wait for the first epoch's log line, then press Ctrl-C in epoch 2
        if re.search(r"Epoch: 1\b", line):
            break
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and re.match(r"train: error: interrupted \(Ctrl-C\): stopped after \d completed epoch", lines[0])
    assert "trained 1 epoch," in lines[0] and "unchanged" in lines[0] and "--save-partial" in lines[0]
    assert ckpt.read_bytes() == before and not csv.exists()
    assert no_temp_files(tmp_path) == []
