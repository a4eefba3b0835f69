"""The shipped reference model and load_trained_model (yours, else the reference one)."""
import hashlib
import os
import importlib.util
import shutil
import subprocess
import sys
import zipfile

import pandas as pd
import pytest
import torch

import lenet_helpers as lh
from lenet_helpers.training import reference as trained
from lenet_helpers.cli import main
from lenet_helpers.training.checkpoint import save_checkpoint
from lenet_helpers.training.reference import reference_checkpoint
from lenet_helpers.training.reference import reference_metadata
import lenet_helpers.settings


@pytest.mark.parametrize("name", list(trained.REFERENCE_MODELS))
def test_shipped_reference_model_scores_its_metadata_figure(tensors, name):
    files = trained.REFERENCE_MODELS[name]
    path = reference_checkpoint(name)
    meta = reference_metadata(name)
    data = path.read_bytes()
    assert len(data) == meta["file_size_bytes"] and hashlib.sha256(data).hexdigest() == meta["sha256"]
    payload = torch.load(path, map_location="cpu", weights_only=True)  # plain tensors and Python values only
    assert payload["metadata"]["test_acc"] == pytest.approx(meta["test_acc"], abs=1e-4)
    assert (meta["epochs"], meta["seed"], meta["augment"], meta["device"]) == (15, 0, files.augment, "cpu")
    assert payload["metadata"]["settings"]["augment"] is files.augment
    assert meta["architecture"] == payload["metadata"]["architecture"] == "lenet5"
    model, _ = lh.load_checkpoint(path)
    _, acc = lh.evaluate(model, tensors.test)
    assert len(tensors.test) == meta["test_digits"] == 10_000
    assert acc == pytest.approx(meta["test_acc"], abs=0.005)  # the same count of right answers
    history = pd.read_csv(trained.REFERENCE_DIR / files.history)
    assert len(history) == meta["epochs"] and history["valid_acc"].iloc[-1] == pytest.approx(meta["valid_acc"], abs=1e-3)


@pytest.mark.parametrize("name", list(trained.REFERENCE_MODELS))
def test_make_reference_code_reproduces_the_recorded_quick_run(mnist, name):
    """The code `make reference` runs, on the quick setting, against the figure it recorded:
    fails when training, its defaults or the data pipeline change and the shipped model was not rebuilt."""
    quick = reference_metadata(name)["quick_check"]
    assert (quick["epochs"], quick["subset"]) == (trained.QUICK_EPOCHS, trained.QUICK_SUBSET)
    assert trained.quick_check_accuracy(name) == pytest.approx(quick["test_acc"], abs=0.1)


def test_the_augmented_model_is_yours_when_you_trained_it(artifacts):
    lines = []
    _, _, meta = lh.load_trained_model(device="cpu", echo=lines.append, name="lenet5_augment")
    assert meta["source"] == "reference" and meta["augment"] is True
    assert "No augmented model of yours at $LENET_ARTIFACTS_DIR/models/lenet5_augment.pt" in lines[0]
    own, _ = trained.own_paths("lenet5_augment")
    small_checkpoint(own, test_acc=42.0)
    _, _, meta = lh.load_trained_model(device="cpu", echo=lines.append, name="lenet5_augment")
    assert meta["source"] == "yours" and "Using your augmented model $LENET_ARTIFACTS_DIR/models/lenet5_augment.pt" in lines[1]
    with pytest.raises(ValueError, match="no reference model named 'lenet6'"):
        lh.load_trained_model(device="cpu", name="lenet6")


def small_checkpoint(path, test_acc=12.5):
    history = pd.DataFrame({"epoch": [1], "train_loss": [2.0], "valid_loss": [2.1], "train_acc": [11.0],
                            "valid_acc": [10.5], "seconds": [1.0]})
    return save_checkpoint(path, lh.LeNet5(), history, test_acc=test_acc)


def test_load_trained_model_uses_yours_else_the_reference_one(artifacts):
    lines = []
    model, history, meta = lh.load_trained_model(device="cpu", echo=lines.append)
    assert meta["source"] == "reference" and len(lines) == 1
    assert "using the reference model shipped with lenet_helpers" in lines[0]
    assert f"test accuracy {reference_metadata()['test_acc']:.2f}%" in lines[0]
    assert len(history) == meta["epochs"] and not model.training
    assert not (artifacts / "lenet5_mnist.pt").exists()  # nothing trained, nothing written

    small_checkpoint(lh.checkpoint_path())
    lines.clear()
    _, history, meta = lh.load_trained_model(device="cpu", echo=lines.append)
    assert meta["source"] == "yours" and lines == [
        "Using your model $LENET_ARTIFACTS_DIR/lenet5_mnist.pt: 1 epoch, valid accuracy 10.50%, test accuracy 12.50%"]
    assert list(history["valid_acc"]) == [10.5]


def test_a_broken_checkpoint_of_yours_is_reported_not_replaced(artifacts):
    lh.checkpoint_path().parent.mkdir(parents=True, exist_ok=True)  # paths are no longer created by asking
    lh.checkpoint_path().write_bytes(b"not a checkpoint")
    with pytest.raises(lh.CheckpointError, match="delete it and train again"):
        lh.load_trained_model(device="cpu", echo=lambda line: None)


def test_cli_predict_without_checkpoint_uses_the_reference_model(artifacts, tmp_path, capsys):
    digit = lh.draw_digit(7)
    digit.save(tmp_path / "seven.png")
    assert main(["predict", str(tmp_path / "seven.png")]) == 0
    captured = capsys.readouterr()
    assert "using the reference model" in captured.err
    assert captured.out.startswith(f"{tmp_path / 'seven.png'}: ")


def test_package_data_is_in_the_wheel(tmp_path):
    """pyproject's package-data ships the reference model and the site template."""
    src = tmp_path / "src"
    shutil.copytree(lenet_helpers.settings.REPO_ROOT / "lenet_helpers", src / "lenet_helpers",
                    ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(lenet_helpers.settings.REPO_ROOT / name, src / name)
    # Offline with the venv's setuptools when it has one (Python < 3.12 venvs do); else pip's isolated build.
    isolation = ["--no-build-isolation"] if importlib.util.find_spec("setuptools") else []
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", *isolation, "-q", "-w",
                    str(tmp_path / "dist"), str(src)], check=True, capture_output=True)
    wheel = next((tmp_path / "dist").glob("*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in ("lenet5_mnist.pt", "training_history.csv", "metadata.json"):
        assert f"lenet_helpers/reference/{name}" in names
    assert {"lenet_helpers/tools/site_template/index.html.j2", "lenet_helpers/tools/site_template/conf.json",
            "lenet_helpers/digits/sketchpad.js", "lenet_helpers/digits/sketchpad.css"} <= names
    packages = {p.parent.relative_to(lenet_helpers.settings.REPO_ROOT).as_posix() + "/__init__.py"
                for p in (lenet_helpers.settings.REPO_ROOT / "lenet_helpers").rglob("__init__.py")}
    assert packages <= names, "a subpackage is missing from pyproject's packages"
    # The wheel alone (not the repository checkout) runs predict with the shipped reference model.
    target = tmp_path / "installed"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
                   check=True, capture_output=True)
    lh.draw_digit(7).save(tmp_path / "seven.png")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    env = {**os.environ, "PYTHONPATH": str(target), "LENET_ARTIFACTS_DIR": str(tmp_path / "no_artifacts")}
    run = subprocess.run([sys.executable, "-c", "import lenet_helpers, sys; print(lenet_helpers.__file__); "
                          "from lenet_helpers.cli import main; sys.exit(main(sys.argv[1:]))",
                          "predict", str(tmp_path / "seven.png")], cwd=outside, env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[0].startswith(str(target)), "the test ran the checkout, not the wheel"
    assert run.stdout.splitlines()[1].startswith(f"{tmp_path / 'seven.png'}: 7 ("), run.stdout
    assert "using the reference model" in run.stderr
