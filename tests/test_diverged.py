"""Issue 22: a diverged or worse training run never silently replaces the good model; non-finite settings refused."""
import math
import subprocess
import sys

import pandas as pd
import pytest
import torch

import lenet_helpers as lh
from lenet_helpers.data.mnist import MNISTTensors
from lenet_helpers.settings import REFERENCE_DIR
from lenet_helpers.training import loop
from lenet_helpers.training.config import SettingError
from test_training import synthetic

BAD_SETTINGS = [("lr", math.inf), ("lr", math.nan), ("lr", 0.0), ("lr", -1e-3), ("momentum", math.nan),
                ("momentum", 1.0), ("weight_decay", -1e-4), ("weight_decay", math.inf), ("label_smoothing", 1.0),
                ("label_smoothing", math.nan)]


@pytest.fixture
def data():
    return MNISTTensors(synthetic(96), synthetic(32, 1), synthetic(32, 2))


def nan_data():
    """Training digits whose second batch holds a NaN pixel: the loss becomes NaN there."""
    train = synthetic(96)
    train.tensors[0][40, 0, 0, 0] = math.nan
    return MNISTTensors(train, synthetic(32, 1), synthetic(32, 2))


@pytest.mark.parametrize("name,value", BAD_SETTINGS)
def test_bad_settings_are_refused_before_any_work(name, value, monkeypatch):
    monkeypatch.setattr(loop, "mnist_tensors", lambda *a, **k: pytest.fail("data loaded before the check"))
    with pytest.raises(SettingError, match=f"^{name} must be a finite number .*got") as info:
        lh.train(lh.LeNet5(), **{name: value})
    assert info.value.name == name and "\n" not in str(info.value)


@pytest.mark.parametrize("flag,value", [("--lr", "inf"), ("--lr", "nan"), ("--momentum", "nan"),
                                        ("--weight-decay", "-1"), ("--label-smoothing", "1.5")])
def test_cli_refuses_non_finite_settings_in_one_line(tmp_path, flag, value):
    env = {"LENET_ARTIFACTS_DIR": str(tmp_path / "art"), "PATH": "/usr/bin:/bin"}
    run = subprocess.run([sys.executable, "-m", "lenet_helpers", "train", flag, value, "--epochs", "1"],
                         capture_output=True, text=True, env=env, timeout=120)
    assert run.returncode == 2
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"train: error: {flag}: ") and "nothing was run" in lines[0]
    assert not (tmp_path / "art").exists()


def test_a_nan_loss_stops_training_and_restores_the_last_good_weights(data, capsys):
    lh.set_seed(0)
    model = lh.LeNet5()
    initial = {k: v.clone() for k, v in model.state_dict().items()}
    history = lh.train(model, nan_data(), epochs=3, device="cpu", progress=False)
    assert len(history) == 0 and history.attrs["diverged"] == 1 and not history.attrs["interrupted"]
    assert all(torch.equal(initial[k], v) for k, v in model.state_dict().items())
    out = capsys.readouterr().out
    line = [l for l in out.splitlines() if l.startswith("Training stopped")]
    assert len(line) == 1 and "the loss became nan" in line[0] and "lower learning rate" in line[0]


def test_divergence_after_good_epochs_returns_them(data, monkeypatch, tmp_path):
    real, calls = loop.train_epoch, {"n": 0}

    def train_epoch(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise loop.NonFiniteLoss(math.inf, 1)
        return real(*args, **kwargs)

    monkeypatch.setattr(loop, "train_epoch", train_epoch)
    lh.set_seed(0)
    model = lh.LeNet5()
    history = lh.train(model, data, epochs=4, device="cpu", progress=False, verbose=False)
    assert history["epoch"].tolist() == [1, 2] and history.attrs["diverged"] == 3
    assert lh.evaluate(model, data.valid)[1] == pytest.approx(history["valid_acc"].iloc[-1])  # epoch 2's weights
    with pytest.raises(lh.SaveError, match=r"diverged in epoch 3 .*nothing saved, no file was written at .*unused\.pt"):
        lh.save_training_run(model, history, tmp_path / "unused.pt", tmp_path / "unused.csv")
    with pytest.raises(lh.SaveError, match="diverged in epoch 3"):  # partial is for Ctrl-C, not for this
        lh.save_training_run(model, history, tmp_path / "unused.pt", tmp_path / "unused.csv", partial=True)
    assert not list(tmp_path.iterdir())  # nothing written, not even a temporary file

def test_save_partial_does_not_let_a_diverged_run_replace_the_model(tmp_path, data, monkeypatch):
    ckpt, csv = tmp_path / "m.pt", tmp_path / "m.csv"
    lh.train_and_save(epochs=1, checkpoint=ckpt, history_csv=csv, device="cpu", data=data, progress=False)
    before = ckpt.read_bytes(), csv.read_bytes()
    real, calls = loop.train_epoch, {"n": 0}

    def train_epoch(*args, **kwargs):  # epoch 1 completes, epoch 2's loss becomes infinite
        calls["n"] += 1
        if calls["n"] == 2:
            raise loop.NonFiniteLoss(math.inf, 1)
        return real(*args, **kwargs)

    monkeypatch.setattr(loop, "train_epoch", train_epoch)
    with pytest.raises(lh.SaveError, match=r"diverged in epoch 2 .*nothing saved, .*unchanged"):
        lh.train_and_save(epochs=3, checkpoint=ckpt, history_csv=csv, device="cpu", data=data, progress=False,
                          save_partial=True)
    assert (ckpt.read_bytes(), csv.read_bytes()) == before


def test_train_and_save_never_saves_a_diverged_run(tmp_path, data):
    ckpt, csv = tmp_path / "m.pt", tmp_path / "m.csv"
    lh.train_and_save(epochs=1, checkpoint=ckpt, history_csv=csv, device="cpu", data=data, progress=False)
    before = ckpt.read_bytes(), csv.read_bytes()
    with pytest.raises(lh.SaveError, match=r"diverged in epoch 1 .*nothing saved, .*m\.pt \(trained 1 epoch,.*unchanged"):
        lh.train_and_save(epochs=2, checkpoint=ckpt, history_csv=csv, device="cpu", data=nan_data(), progress=False)
    assert (ckpt.read_bytes(), csv.read_bytes()) == before
    assert lh.SaveError("x")._render_traceback_() == ["SaveError: x"]  # one line in a notebook, no traceback


def test_non_finite_weights_are_never_saved_even_on_request(tmp_path, data):
    model = lh.LeNet5()
    history = lh.train(model, data, epochs=1, device="cpu", progress=False, verbose=False)
    with torch.no_grad():
        model.fc2.weight[0, 0] = math.nan
    with pytest.raises(lh.SaveError, match="NaN or infinite weights"):
        lh.save_training_run(model, history, tmp_path / "m.pt", tmp_path / "m.csv", partial=True)
    assert not list(tmp_path.iterdir())


def _fake_history(*valid_accs):
    """A completed run's history, one epoch per validation accuracy given."""
    h = pd.DataFrame([dict(epoch=i + 1, train_loss=1.0, valid_loss=1.0, train_acc=50.0, valid_acc=acc,
                           seconds=1.0, train_seconds=1.0, lr=0.0) for i, acc in enumerate(valid_accs)])
    h.attrs.update(interrupted=False, diverged=None)
    return h


def test_a_worse_run_keeps_the_previous_model_beside_it(tmp_path, capsys):
    ckpt, csv = tmp_path / "lenet5_mnist.pt", tmp_path / "training_history.csv"
    prev = tmp_path / "lenet5_mnist.prev.pt"
    lh.save_training_run(lh.LeNet5(), _fake_history(90.0), ckpt, csv)
    good = ckpt.read_bytes()
    lh.save_training_run(lh.LeNet5(), _fake_history(95.0), ckpt, csv)  # better: nothing kept
    assert not prev.exists() and "below" not in capsys.readouterr().out
    good = ckpt.read_bytes()
    lh.save_training_run(lh.LeNet5(), _fake_history(40.0), ckpt, csv)  # worse: the 95% model kept
    line = [l for l in capsys.readouterr().out.splitlines() if "below" in l]
    assert len(line) == 1 and "(40.00%) is below the one it replaced (95.00%)" in line[0] and "prev.pt" in line[0]
    assert prev.read_bytes() == good and lh.load_checkpoint(ckpt)[1]["valid_acc"] == 40.0
    lh.save_training_run(lh.LeNet5(), _fake_history(30.0), ckpt, csv)  # worse again: the best stays kept
    assert prev.read_bytes() == good and "previous best (95.00%)" in capsys.readouterr().out
    worse = ckpt.read_bytes()
    with pytest.raises(lh.SaveError, match=r"holds a lenet5 \(1 epoch, valid accuracy 30.00%\), not a mlp: not "
                                           r"replacing it with another network; give another name \(--checkpoint mlp.pt\)"):
        lh.save_training_run(lh.build_model("mlp"), _fake_history(10.0), ckpt, csv)  # another architecture: refused
    assert prev.read_bytes() == good and ckpt.read_bytes() == worse


def test_a_file_that_is_not_a_run_of_the_series_is_never_written_over(tmp_path):
    """A photo given as --checkpoint, or a CSV of one's own as --history, stays as it is (a student's photo
    became a checkpoint before, review of 2026-11-29); a broken checkpoint is named so."""
    photo, notes, ckpt = tmp_path / "seven.png", tmp_path / "notes.csv", tmp_path / "run.pt"
    photo.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))
    notes.write_text("name,score\nada,3\n")
    with pytest.raises(lh.SaveError, match="seven.png is there and is not a readable lenet_helpers checkpoint: not "
                                           "writing over it; give another name"):
        lh.save_training_run(lh.LeNet5(), _fake_history(90.0), photo, tmp_path / "h.csv")
    with pytest.raises(lh.SaveError, match=r"notes.csv is there and is not a training history \(its first line"):
        lh.save_training_run(lh.LeNet5(), _fake_history(90.0), ckpt, notes)
    assert photo.read_bytes()[:4] == b"\x89PNG" and notes.read_text().startswith("name,")
    assert not ckpt.exists() and not (tmp_path / "h.csv").exists()
    lh.save_training_run(lh.LeNet5(), _fake_history(90.0), ckpt, tmp_path / "h.csv")  # a run's own files: fine
    lh.save_training_run(lh.LeNet5(), _fake_history(91.0), ckpt, tmp_path / "h.csv")
    assert lh.load_checkpoint(ckpt)[1]["valid_acc"] == 91.0


def test_a_run_is_compared_with_the_saved_model_by_its_last_epoch(tmp_path, capsys):
    """A run that ends better than the saved model replaces it without keeping a .prev copy, even when its first
    epoch was worse (comparing the first epoch printed 'below the one it replaced' for a better model)."""
    ckpt, csv = tmp_path / "lenet5_mnist.pt", tmp_path / "training_history.csv"
    lh.save_training_run(lh.LeNet5(), _fake_history(90.0), ckpt, csv)
    capsys.readouterr()
    lh.save_training_run(lh.LeNet5(), _fake_history(50.0, 95.0), ckpt, csv)
    assert "below" not in capsys.readouterr().out
    assert not (tmp_path / "lenet5_mnist.prev.pt").exists()
    lh.save_training_run(lh.LeNet5(), _fake_history(99.0, 60.0), ckpt, csv)  # ends worse: the 95% model is kept
    assert "(60.00%) is below the one it replaced (95.00%)" in capsys.readouterr().out


def test_the_shipped_reference_model_is_never_a_destination(tmp_path):
    before = (REFERENCE_DIR / "lenet5_mnist.pt").read_bytes()
    with pytest.raises(lh.SaveError, match="reference model shipped with lenet_helpers"):
        lh.save_training_run(lh.LeNet5(), _fake_history(99.9), REFERENCE_DIR / "lenet5_mnist.pt", tmp_path / "h.csv")
    assert (REFERENCE_DIR / "lenet5_mnist.pt").read_bytes() == before


def test_a_blown_up_but_finite_loss_is_pointed_out(data, capsys):
    """--lr 1e30 gave losses of 1e31 that stayed finite (review of 2026-11-29): no divergence to stop,
    but the run ends with one line naming the learning rate; a normal run prints no such line."""
    lh.set_seed(0)
    history = lh.train(lh.LeNet5(), data, epochs=1, lr=1e6, device="cpu", progress=False)
    assert history.attrs["diverged"] is None and history["train_loss"].iloc[-1] > 2 * loop.GUESS_LOSS
    out = capsys.readouterr().out
    assert "Note: the training loss ended at" in out and "(this run: 1e+06; the default: 0.001)" in out
    lh.train(lh.LeNet5(), data, epochs=1, device="cpu", progress=False)
    assert "Note: the training loss" not in capsys.readouterr().out
