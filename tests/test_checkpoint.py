import pandas as pd
import pytest
import torch

import lenet_helpers as lh
from lenet_helpers.training import checkpoint as ck
from lenet_helpers.training.checkpoint import save_checkpoint
from lenet_helpers.training.checkpoint import save_history


def history():
    return pd.DataFrame({"epoch": [1, 2], "train_loss": [0.3, 0.1], "valid_loss": [0.2, 0.1],
                         "train_acc": [91.0, 97.0], "valid_acc": [95.0, 97.5], "seconds": [3.0, 3.1]})


def test_round_trip(tmp_path):
    model = lh.LeNet5()
    path = save_checkpoint(tmp_path / "m.pt", model, history(), test_acc=97.2, seed=0)
    loaded, meta = lh.load_checkpoint(path)
    x = torch.randn(3, 1, 32, 32)
    torch.testing.assert_close(loaded(x), model.eval()(x))
    assert meta["architecture"] == "lenet5" and meta["epochs"] == 2
    assert meta["valid_acc"] == 97.5 and meta["test_acc"] == 97.2
    assert meta["preprocessing"] == "resize32" and meta["input_shape"] == [1, 32, 32] and "torch" in meta["versions"]
    assert meta["history"]["valid_acc"] == [95.0, 97.5]
    assert not loaded.training


def test_history_csv_round_trip(tmp_path):
    path = save_history(history(), tmp_path / "h.csv")
    pd.testing.assert_frame_equal(lh.load_history(path), history())


def test_missing_checkpoint_says_how_to_make_one(tmp_path):
    with pytest.raises(FileNotFoundError, match="notebook 04|lenet_helpers train"):
        lh.load_checkpoint(tmp_path / "none.pt")


def test_truncated_checkpoint(tmp_path):
    path = save_checkpoint(tmp_path / "m.pt", lh.LeNet5(), history())
    path.write_bytes(path.read_bytes()[:2000])
    with pytest.raises(lh.CheckpointError, match="not a readable checkpoint.*delete it"):
        lh.load_checkpoint(path)


def test_text_file_is_not_a_checkpoint(tmp_path):
    path = tmp_path / "notes.pt"
    path.write_text("hello")
    with pytest.raises(lh.CheckpointError, match="not a readable checkpoint"):
        lh.load_checkpoint(path)


def test_foreign_state_dict_is_refused(tmp_path):
    path = tmp_path / "other.pt"
    torch.save(torch.nn.Linear(3, 2).state_dict(), path)
    with pytest.raises(lh.CheckpointError, match="not written by lenet_helpers"):
        lh.load_checkpoint(path)


def test_unregistered_model_is_not_saved(tmp_path):
    with pytest.raises(ValueError, match="registered models only"):
        save_checkpoint(tmp_path / "m.pt", torch.nn.Linear(3, 2), history())
    assert not (tmp_path / "m.pt").exists()


def _rewrite(path, change):
    payload = torch.load(path, weights_only=True)
    change(payload)
    torch.save(payload, path)


def test_unknown_architecture_is_refused(tmp_path):
    path = save_checkpoint(tmp_path / "m.pt", lh.LeNet5(), history())
    _rewrite(path, lambda p: p["metadata"].update(architecture="resnet50"))
    with pytest.raises(lh.CheckpointError, match="'resnet50' model, which this version of lenet_helpers does not know "
                                                 r"\(known: lenet5, lenet5_modern"):
        lh.load_checkpoint(path)


def test_mismatched_weights_are_refused(tmp_path):
    path = save_checkpoint(tmp_path / "m.pt", lh.LeNet5(num_classes=5), history())
    _rewrite(path, lambda p: p["metadata"].update(model_kwargs={"num_classes": 10}))
    with pytest.raises(lh.CheckpointError, match=r"do not fit lenet5 \(size mismatch for fc2.weight: copying a param "
                                                 r"with shape torch.Size\(\[5, 84\]\)"):
        lh.load_checkpoint(path)  # the line that says what does not fit, not torch's heading line


def test_checkpoint_of_the_class_name_era_still_loads(tmp_path):
    model = lh.LeNet5()
    path = save_checkpoint(tmp_path / "m.pt", model, history())
    _rewrite(path, lambda p: (p["metadata"].update(architecture="LeNet5"), p["metadata"].pop("model_kwargs")))
    loaded, _ = lh.load_checkpoint(path)
    torch.testing.assert_close(loaded.conv1.weight, model.conv1.weight)
    # and a new LeNet-5 run may replace it: it is a LeNet-5, not "another network"
    lh.save_training_run(lh.LeNet5(), history(), path, tmp_path / "h.csv")
    assert lh.load_checkpoint(path)[1]["architecture"] == "lenet5"


class Payload:
    def __reduce__(self):
        return (print, ("code ran",))


def test_pickled_code_is_not_executed(tmp_path, capsys):
    path = tmp_path / "evil.pt"
    torch.save({"format": ck.CHECKPOINT_FORMAT, "state_dict": Payload()}, path)
    with pytest.raises(lh.CheckpointError):
        lh.load_checkpoint(path)
    assert "code ran" not in capsys.readouterr().out


def test_interrupted_save_keeps_the_old_file(tmp_path, monkeypatch):
    path = save_checkpoint(tmp_path / "m.pt", lh.LeNet5(), history(), test_acc=1.0)
    good = path.read_bytes()
    real_save = torch.save

    def dying_save(obj, f, *a, **k):
        real_save(obj, f, *a, **k)
        with open(f, "r+b") as fh:
            fh.truncate(100)  # half written ...
        raise KeyboardInterrupt  # ... when the student presses Ctrl-C

    monkeypatch.setattr(ck.torch, "save", dying_save)
    with pytest.raises(KeyboardInterrupt):
        save_checkpoint(path, lh.LeNet5(), history(), test_acc=2.0)
    assert path.read_bytes() == good
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind
    monkeypatch.undo()
    assert lh.load_checkpoint(path)[1]["test_acc"] == 1.0


def test_interrupted_history_write_keeps_the_old_file(tmp_path, monkeypatch):
    path = save_history(history(), tmp_path / "h.csv")
    good = path.read_text()

    def dying(self, *a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(pd.DataFrame, "to_csv", dying)
    with pytest.raises(KeyboardInterrupt):
        save_history(history(), path)
    assert path.read_text() == good and len(list(tmp_path.iterdir())) == 1


def test_torch_load_only_with_weights_only():
    import pathlib
    import re

    root = pathlib.Path(lh.__file__).parent
    calls = [m for p in root.rglob("*.py") for m in re.findall(r"torch\.load\((.*?)\)\n", p.read_text())]
    assert calls and all("weights_only=True" in c for c in calls)


def test_saved_checkpoint_is_readable_by_others(tmp_path):
    import os
    import stat

    old = os.umask(0o022)
    try:
        path = save_checkpoint(tmp_path / "m.pt", lh.LeNet5(), history())
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644  # not mkstemp's private 0600


class _RunsCode:
    def __reduce__(self):
        import os
        return (os.system, ("echo this must never run",))


def test_a_checkpoint_with_code_in_it_is_refused_in_our_words(tmp_path):
    """weights_only=True refuses the pickled call; the line says why, not PyTorch's 'rerun with weights_only=False'."""
    path = tmp_path / "code.pt"
    torch.save({"format": 1, "x": _RunsCode()}, path)
    with pytest.raises(lh.CheckpointError) as info:
        lh.load_checkpoint(path)
    message = str(info.value)
    assert "holds Python objects beyond tensors" in message and "weights_only=False" not in message
    assert "\n" not in message and "\x1b" not in message
