"""The trained models the notebooks after 04 use: yours, or the reference models shipped with the package.

The package ships two LeNet-5s trained by the series' own code with the defaults (15 epochs,
seed 0, on the CPU) in ``lenet_helpers/reference/`` (:data:`REFERENCE_MODELS`):

* ``lenet5``: the model of notebooks 05-12, without augmentation: ``lenet5_mnist.pt`` (the
  checkpoint, in :func:`~lenet_helpers.training.checkpoint.save_checkpoint`'s format; load it
  with :func:`~lenet_helpers.load_checkpoint`, which uses ``weights_only=True``),
  ``training_history.csv`` (its per-epoch history) and ``metadata.json`` (its accuracies,
  seed, library versions, file size and SHA-256, and the figure of a quick run of the same
  code, used by the tests to check that the shipped file still matches the code that made it);
* ``lenet5_augment``: the same recipe with augmentation (``augment=True``: random shifts,
  rotations and scaling), notebook 13's second model: ``lenet5_augment.pt``,
  ``lenet5_augment_history.csv``, ``lenet5_augment_metadata.json``.

``make reference`` (``python -m lenet_helpers reference`` and ``... reference --augment``)
rebuilds them.

:func:`load_trained_model` is how notebooks 05 onwards, the CLI's ``predict`` and
``evaluate`` and the sketchpad get a model: the student's own ``artifacts/lenet5_mnist.pt``
(written by notebook 04 or ``python -m lenet_helpers train``) when it exists, the reference
model otherwise, with one printed line saying which. Nothing is trained behind the student's
back. New notebooks (10 onwards) that need the trained LeNet-5 call it the same way::

    model, history, meta = lh.load_trained_model(device=DEVICE)
    aug_model, aug_history, aug_meta = lh.load_trained_model(device=DEVICE, name="lenet5_augment")
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, NamedTuple

import pandas as pd
import torch

from lenet_helpers.files import atomic_write
from lenet_helpers.settings import (
    REFERENCE_DIR,
    checkpoint_path,
    display_path,
    history_path,
    models_dir,
    pick_device,
    versions,
)
from lenet_helpers.training.checkpoint import load_checkpoint, load_history, model_figures
from lenet_helpers.training.config import EPOCHS
from lenet_helpers.training.runs import reconcile_history, train_and_save


class ReferenceFiles(NamedTuple):
    """One shipped model: its three files in ``lenet_helpers/reference/`` and its recipe's augmentation."""

    checkpoint: str
    history: str
    metadata: str
    augment: bool


#: The shipped models by name: the default LeNet-5 and the same recipe with augmentation.
REFERENCE_MODELS = {
    "lenet5": ReferenceFiles("lenet5_mnist.pt", "training_history.csv", "metadata.json", augment=False),
    "lenet5_augment": ReferenceFiles("lenet5_augment.pt", "lenet5_augment_history.csv",
                                     "lenet5_augment_metadata.json", augment=True),
}

REFERENCE_CHECKPOINT, REFERENCE_HISTORY, REFERENCE_METADATA, _ = REFERENCE_MODELS["lenet5"]


def _files(name: str) -> ReferenceFiles:
    if name not in REFERENCE_MODELS:
        raise ValueError(f"no reference model named {name!r}: choose one of {', '.join(REFERENCE_MODELS)}")
    return REFERENCE_MODELS[name]


def own_paths(name: str = "lenet5") -> tuple[Path, Path]:
    """Where the student's own version of the shipped model ``name`` lives: ``(checkpoint, history CSV)``.

    ``lenet5``: ``artifacts/lenet5_mnist.pt`` and ``artifacts/training_history.csv`` (notebook 04,
    ``python -m lenet_helpers train``); ``lenet5_augment``: ``artifacts/models/lenet5_augment.pt``
    and its ``_history.csv`` (notebook 13 with ``TRAIN_AUGMENTED = True``, through
    :func:`~lenet_helpers.train_or_load` with ``tag="lenet5_augment"``).
    """
    if _files(name).augment:
        return models_dir() / f"{name}.pt", models_dir() / f"{name}_history.csv"
    return checkpoint_path(), history_path()


#: The reference model's recipe: the package defaults (15 epochs, seed 0), on the CPU.
REFERENCE_EPOCHS, REFERENCE_SEED = EPOCHS, 0


#: The quick run recorded in the metadata, rerun by the tests: 1 epoch on the first 2,000
#: digits of each split, scored on the first 2,000 test digits.
QUICK_EPOCHS, QUICK_SUBSET = 1, 2000


def _shown(path: Path) -> str:
    """``path`` relative to the artifacts folder or the repository when inside one (``artifacts/lenet5_mnist.pt``),
    else as is (:func:`~lenet_helpers.settings.display_path`, which follows ``$LENET_ARTIFACTS_DIR``)."""

    return Path(display_path(path)).as_posix()


def reference_checkpoint(name: str = "lenet5") -> Path:
    """Path of a shipped reference checkpoint, e.g. ``lenet_helpers/reference/lenet5_mnist.pt``.

    Raises:
        ValueError: ``name`` is not in :data:`REFERENCE_MODELS`.
        FileNotFoundError: the file is missing (a broken install); says to run ``make reference``.
    """
    path = REFERENCE_DIR / _files(name).checkpoint
    if not path.is_file():
        raise FileNotFoundError(f"the reference model {path} is missing: reinstall lenet_helpers "
                                f"(pip install -e .) or rebuild it with `make reference`")
    return path


def reference_metadata(name: str = "lenet5") -> dict[str, Any]:
    """A shipped model's metadata (``metadata.json`` for ``lenet5``) as a dict: accuracies in %, file
    size in bytes, versions, quick check."""
    path = REFERENCE_DIR / _files(name).metadata
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: rebuild the reference model with `make reference`")
    return json.loads(path.read_text(encoding="utf-8"))


def _history_of(meta: dict, csv: Path | None) -> pd.DataFrame:
    """The history stored in the checkpoint (saved with the weights, so always theirs), else the CSV."""
    if isinstance(meta.get("history"), dict) and meta["history"]:
        history = pd.DataFrame(meta["history"])
        if "epoch" in history:
            history["epoch"] = history["epoch"].astype(int)
        return history
    if csv is not None and Path(csv).is_file():
        return load_history(csv)
    return pd.DataFrame()


def load_trained_model(device=None, echo: Callable[[str], Any] = print, name: str = "lenet5"):
    """The student's trained model if there is one, else the shipped reference model.

    Uses ``artifacts/lenet5_mnist.pt`` (:func:`~lenet_helpers.checkpoint_path`, written by
    notebook 04 or ``python -m lenet_helpers train``) when the file exists, otherwise
    :func:`reference_checkpoint`; never trains. With ``name="lenet5_augment"``, the same for
    the augmented model of notebook 13 (yours is ``artifacts/models/lenet5_augment.pt``:
    :func:`own_paths`). Prints one line saying which model is used,
    its training epochs and its validation and test accuracies (%), e.g.::

        Using your model artifacts/lenet5_mnist.pt: 15 epochs, valid accuracy 99.12%, test accuracy 99.08%

    Args:
        device: where the model goes (default: :func:`~lenet_helpers.pick_device`'s choice).
        echo: where the line goes (``print``; the CLI sends it to stderr).
        name: which model, a key of :data:`REFERENCE_MODELS` (``"lenet5"``, ``"lenet5_augment"``).

    Returns:
        ``(model, history, metadata)``: the model in eval mode on ``device``; the per-epoch
        history DataFrame (columns of :data:`~lenet_helpers.training.checkpoint.HISTORY_COLUMNS`,
        accuracies in %); the checkpoint's metadata dict, with ``"source"`` set to
        ``"yours"`` or ``"reference"`` and ``"path"`` to the file read.

    Raises:
        CheckpointError: your checkpoint exists but cannot be read (truncated, another
            format); the message says to delete it and train again. The reference model is
            not used silently in its place.
        FileNotFoundError: neither your checkpoint nor the reference model exists.
        ValueError: ``name`` is not in :data:`REFERENCE_MODELS`.
    """

    files = _files(name)
    device = torch.device(device) if device is not None else pick_device()
    own, own_csv = own_paths(name)
    kind = "augmented model" if files.augment else "model"
    if own.is_file():
        model, meta = load_checkpoint(own, device=device)
        source, where = "yours", f"Using your {kind} {_shown(own)}"
        if own_csv.is_file():  # a CSV left behind by a hard kill is rebuilt from the checkpoint
            reconcile_history(own, own_csv, meta)
        history = _history_of(meta, own_csv)
    else:
        path = reference_checkpoint(name)
        model, meta = load_checkpoint(path, device=device)
        source = "reference"
        trains = "notebook 13 with TRAIN_AUGMENTED = True" if files.augment else "notebook 04"
        where = (f"No {kind} of yours at {_shown(own)} ({trains} trains one): using the reference {kind} "
                 f"shipped with lenet_helpers")
        history = _history_of(meta, REFERENCE_DIR / files.history)
    meta = dict(meta, source=source, path=str(own if source == "yours" else reference_checkpoint(name)))
    echo(f"{where}: {model_figures(meta)}")
    return model, history, meta


def reference_training(epochs: int = REFERENCE_EPOCHS, seed: int = REFERENCE_SEED, subset: int | None = None,
                       out_dir: str | os.PathLike | None = None, progress: bool = True, name: str = "lenet5"):
    """Train as ``make reference`` does: :func:`~lenet_helpers.train_and_save` with the defaults, on the CPU
    (with ``augment=True`` for ``name="lenet5_augment"``).

    The CPU makes the run deterministic (same weights on every run on one machine; another
    CPU or library version may differ in the last bits). Files go to ``out_dir`` (default: a
    temporary folder).

    Returns:
        ``(checkpoint path, history CSV path, test accuracy %, seconds)``.
    """

    files = _files(name)
    out = Path(out_dir) if out_dir else Path(tempfile.mkdtemp(prefix="lenet-reference-"))
    ckpt, csv = out / files.checkpoint, out / files.history
    start = time.perf_counter()
    _, _, test_acc = train_and_save(epochs=epochs, seed=seed, subset=subset, checkpoint=ckpt, history_csv=csv,
                                    device="cpu", progress=progress, augment=files.augment)
    return ckpt, csv, test_acc, time.perf_counter() - start


def quick_check_accuracy(name: str = "lenet5") -> float:
    """Test accuracy (%) of :func:`reference_training` with the quick setting (1 epoch, first 2,000 digits).

    ``make reference`` records it in the metadata; the tests rerun it and compare, so a change
    to the training code, its defaults or the data pipeline that the shipped model does not
    reflect is caught in seconds instead of a 15-epoch run.
    """
    with tempfile.TemporaryDirectory(prefix="lenet-quick-") as tmp:
        return reference_training(QUICK_EPOCHS, REFERENCE_SEED, subset=QUICK_SUBSET, out_dir=tmp, progress=False,
                                  name=name)[2]


def build_reference(out_dir: str | os.PathLike = REFERENCE_DIR, epochs: int = REFERENCE_EPOCHS,
                    seed: int = REFERENCE_SEED, name: str = "lenet5") -> dict[str, Any]:
    """Train a reference model (``name``, see :data:`REFERENCE_MODELS`) and write its checkpoint,
    history CSV and metadata to ``out_dir``.

    What ``make reference`` runs (with ``OMP_NUM_THREADS=1``): about 3-4 minutes on a free
    core for the 15 epochs, plus the quick check. Each file is written atomically (a stopped
    build leaves the old files).

    Returns:
        The metadata written.
    """

    files = _files(name)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="lenet-reference-") as tmp:
        ckpt, csv, test_acc, seconds = reference_training(epochs, seed, out_dir=tmp, name=name)
        print(f"Quick check: {QUICK_EPOCHS} epoch on the first {QUICK_SUBSET:,} digits ...")
        quick = quick_check_accuracy(name)
        print(f"Quick check: test accuracy {quick:.2f}%")
        _, meta = load_checkpoint(ckpt)
        data = ckpt.read_bytes()
        metadata = {
            "name": name,
            "file": files.checkpoint,
            "file_size_bytes": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
            "architecture": meta.get("architecture"),
            "model_kwargs": meta.get("model_kwargs", {}),
            "preprocessing": meta.get("preprocessing"),
            "input_shape": meta.get("input_shape"),
            "settings": meta.get("settings", {}),
            "epochs": meta.get("epochs"),
            "seed": seed,
            "augment": bool(meta.get("augment", False)),
            "device": "cpu",
            "torch_threads": torch.get_num_threads(),
            "train_acc": round(float(meta["train_acc"]), 4),
            "valid_acc": round(float(meta["valid_acc"]), 4),
            "test_acc": round(float(test_acc), 4),
            "test_digits": 10_000,
            "training_seconds": round(seconds, 1),
            "versions": versions(),
            "built_at": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
            "command": "make reference (python -m lenet_helpers reference" + (" --augment)" if files.augment else ")"),
            "quick_check": {"epochs": QUICK_EPOCHS, "subset": QUICK_SUBSET, "seed": seed, "test_acc": round(quick, 4)},
        }
        atomic_write(out / files.checkpoint, lambda p: p.write_bytes(data))
        atomic_write(out / files.history, lambda p: p.write_bytes(csv.read_bytes()))
        atomic_write(out / files.metadata,
                     lambda p: p.write_text(json.dumps(metadata, indent=2) + "\n", encoding="utf-8"))
    print(f"Reference model written to {out}: test accuracy {metadata['test_acc']:.2f}%, "
          f"{metadata['file_size_bytes'] / 1024:.0f} KiB")
    return metadata
