import re
import subprocess
import sys

import pytest
from PIL import Image

import lenet_helpers as lh
from lenet_helpers.cli import main
from lenet_helpers.training.checkpoint import save_checkpoint


@pytest.fixture
def checkpoint(tmp_path, trained_model):
    model, history = trained_model
    return save_checkpoint(tmp_path / "model.pt", model, history)


def test_predict_good_and_bad_inputs(tmp_path, checkpoint, capsys):
    good = tmp_path / "seven.png"
    lh.draw_digit(7, size=180, thickness=14, offset=(10, 5)).save(good)
    text = tmp_path / "text.png"
    text.write_text("not an image")
    blank = tmp_path / "blank.png"
    Image.new("RGB", (64, 64), "white").save(blank)
    missing = tmp_path / "missing.png"
    code = main(["predict", str(good), str(text), str(blank), str(missing), "--checkpoint", str(checkpoint)])
    out, err = capsys.readouterr()
    assert code == 1
    assert re.fullmatch(rf"{re.escape(str(good))}: 7 \((>99\.9|\d+\.\d)%\)\n", out)
    lines = err.strip().splitlines()
    assert len(lines) == 4  # which model, then one line per bad file
    assert re.fullmatch(rf"Using {re.escape(str(checkpoint))} \(lenet5, 2 epochs, valid accuracy \d+\.\d\d%"
                        rf"(, test accuracy \d+\.\d\d%)?\)", lines.pop(0)), lines
    assert lines[0].startswith(f"{text}: error: ") and "not a readable image" in lines[0]
    assert lines[1].startswith(f"{blank}: error: no ink found")
    assert lines[2].startswith(f"{missing}: error: ") and "does not exist" in lines[2]


def test_the_model_line_says_when_it_was_trained_with_augmentation(tmp_path, trained_model, capsys):
    model, history = trained_model
    augmented = save_checkpoint(tmp_path / "lenet5_augment.pt", model, history, augment=True)
    good = tmp_path / "seven.png"
    lh.draw_digit(7, size=180, thickness=14).save(good)
    assert main(["predict", str(good), "--checkpoint", str(augmented)]) == 0
    assert f"Using {augmented} (lenet5, trained with augmentation, 2 epochs" in capsys.readouterr().err


def test_predict_exits_0_when_all_good(tmp_path, checkpoint, capsys):
    good = tmp_path / "one.png"
    lh.draw_digit(1).save(good)
    assert main(["predict", str(good), "--checkpoint", str(checkpoint)]) == 0


@pytest.mark.parametrize("content", [b"", b"garbage" * 100, None])
def test_predict_with_a_bad_checkpoint(tmp_path, checkpoint, capsys, content):
    bad = tmp_path / "bad.pt"
    if content is not None:
        bad.write_bytes(content)
    assert main(["predict", "x.png", "--checkpoint", str(bad)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"{bad}: error: ") and len(err.splitlines()) == 1


def test_evaluate_prints_accuracy(checkpoint, tensors, trained_model, capsys):
    assert main(["evaluate", "--checkpoint", str(checkpoint)]) == 0
    out = capsys.readouterr().out
    acc = float(re.search(r"^test accuracy: (\d+\.\d\d)% \(all 10,000 MNIST test digits\)$", out, re.M).group(1))
    assert acc == pytest.approx(lh.evaluate(trained_model[0], tensors.test)[1], abs=0.005)


def test_train_command_saves_artifacts(tmp_path, mnist):
    ckpt, hist = tmp_path / "m.pt", tmp_path / "h.csv"
    result = subprocess.run([sys.executable, "-m", "lenet_helpers", "train", "--epochs", "1", "--subset", "600",
                             "--checkpoint", str(ckpt), "--history", str(hist)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "Epoch: 1  Train loss" in result.stdout and "Test accuracy:" in result.stdout
    assert (f"Training lenet5: 1 epoch on 600 training digits, adam lr 0.001, batch 32, cosine schedule, seed 0 -> "
            f"{ckpt}") in result.stdout  # what is trained, and where it goes, before it starts
    model, meta = lh.load_checkpoint(ckpt)
    assert meta["epochs"] == 1 and meta["subset"] == 600
    assert len(lh.load_history(hist)) == 1


def test_models_lists_the_registry(capsys):
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    for name in lh.available_models():
        assert re.search(rf"^\s*{name}\s+[\d,]+\s+[\d,]+\s+1x(28x28|32x32)\s", out, re.M), name
    assert re.search(r"^\s*lenet5\s+61,706\s+423,038\s+1x32x32\s+resize32", out, re.M)


def test_train_and_evaluate_a_non_default_model(tmp_path, mnist, capsys, monkeypatch):
    monkeypatch.setenv("LENET_ARTIFACTS_DIR", str(tmp_path))
    ckpt, csv = tmp_path / "models" / "small.pt", tmp_path / "models" / "small.csv"
    code = main(["train", "--model", "small_cnn", "--optimizer", "sgd", "--lr", "0.05", "--weight-decay", "1e-4",
                 "--batch-size", "64", "--lr-schedule", "constant", "--epochs", "1", "--subset", "1000",
                 "--checkpoint", str(ckpt), "--history", str(csv)])
    assert code == 0
    _, meta = lh.load_checkpoint(ckpt)
    assert meta["architecture"] == "small_cnn" and meta["settings"]["optimizer"] == "sgd"
    assert meta["settings"]["lr"] == 0.05 and meta["settings"]["batch_size"] == 64
    capsys.readouterr()
    assert main(["evaluate", "--checkpoint", str(ckpt)]) == 0
    accuracy = float(re.search(r"test accuracy: (\d+\.\d\d)%", capsys.readouterr().out).group(1))
    model, _ = lh.load_checkpoint(ckpt)
    full_test = lh.mnist_tensors(device="cpu", preprocessing="raw28").test
    assert accuracy == pytest.approx(lh.evaluate(model, full_test)[1], abs=0.005)
    assert not (tmp_path / "lenet5_mnist.pt").exists()


def test_train_refuses_an_unknown_model(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["train", "--model", "resnet"])
    assert exit_info.value.code == 2
    assert "invalid choice: 'resnet'" in capsys.readouterr().err


def test_an_unexpected_error_is_one_line_unless_debugging(monkeypatch, capsys):
    """A bug inside a command ends as one line and exit 1; LENET_DEBUG=1 shows the traceback instead."""
    from lenet_helpers import cli

    def broken(args):
        raise TypeError("a bug")

    monkeypatch.setattr(cli, "cmd_models", broken)
    monkeypatch.delenv("LENET_DEBUG", raising=False)
    assert main(["models"]) == 1
    err = capsys.readouterr().err
    assert err == "models: error: unexpected TypeError: a bug (set LENET_DEBUG=1 to see where)\n"
    monkeypatch.setenv("LENET_DEBUG", "1")
    with pytest.raises(TypeError, match="a bug"):
        main(["models"])


def test_ctrl_c_while_the_libraries_load_is_one_line():
    """`python -m lenet_helpers` spends seconds importing torch before a command starts; Ctrl-C then printed an
    import traceback (review of 2026-11-29)."""
    import signal
    import time

    proc = subprocess.Popen([sys.executable, "-m", "lenet_helpers", "models"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    time.sleep(1.5)  # inside the imports: the command itself starts after several seconds
    if proc.poll() is not None:
        pytest.skip("the imports finished in under 1.5 s here: nothing to interrupt")
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "Traceback" not in err
    assert err == "lenet_helpers: interrupted (Ctrl-C) while starting: nothing was run, nothing changed\n"


def test_train_never_writes_over_a_photo_given_as_the_checkpoint(tmp_path, capsys):
    photo = tmp_path / "seven.png"
    Image.new("L", (40, 40), 255).save(photo)
    before = photo.read_bytes()
    assert main(["train", "--epochs", "1", "--subset", "100", "--momentum", "0.5", "--checkpoint", str(photo)]) == 1
    out, err = capsys.readouterr()
    assert out == "note: --momentum is SGD's; adam does not use it (--optimizer sgd to use it)\n"
    assert err.count("\n") == 1 and "is not a readable lenet_helpers checkpoint: not writing over it" in err
    assert photo.read_bytes() == before and not (tmp_path / "seven_history.csv").exists()


def test_run_only_takes_notebook_numbers_and_ctrl_c_says_what_is_kept(monkeypatch, capsys):
    """--only 1 ran notebooks 10-13 (names starting with 1); Ctrl-C ended in a bare 'interrupted' line."""
    from lenet_helpers import cli

    ran = []

    def interrupted(paths):
        ran.extend(p.name[:2] for p in paths)
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "run_notebooks", interrupted)
    assert main(["run", "--only", "1", "4", "12"]) == 130
    assert ran == ["01", "04", "12"]
    err = capsys.readouterr().err
    assert err.startswith("run: error: interrupted (Ctrl-C): the notebooks that finished are in ")
    assert "the one that was running keeps its last finished copy" in err and err.count("\n") == 1
    assert main(["run", "--only", "44"]) == 2
    assert "no notebook numbered 44: use the numbers 01, 02" in capsys.readouterr().err
