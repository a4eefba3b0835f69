"""The checkpoint and history file formats: writing them atomically, reading them safely.

A training run is saved through :func:`lenet_helpers.save_training_run`, which writes both
files as one unit with the functions here.

Every artifact is written to a temporary file in the same folder and renamed over the
target (``os.replace``), so an interrupted run never leaves a half-written file; a
checkpoint is read with ``torch.load(..., weights_only=True)``, which refuses to run code
hidden in a pickle.
"""
from __future__ import annotations

import datetime as _dt
import os
import stat
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
from torch import nn

from lenet_helpers.data.preprocessing import MNIST_MEAN, MNIST_STD
from lenet_helpers.files import atomic_torch_save, atomic_write
from lenet_helpers.models.base import available_models, build_model, model_class
from lenet_helpers.readings.text import count
from lenet_helpers.settings import checkpoint_path, history_path, versions

#: Written into every checkpoint; :func:`load_checkpoint` refuses files without it.
CHECKPOINT_FORMAT = "lenet_helpers.checkpoint/1"


#: Columns of the training history, one row per epoch (losses: mean cross-entropy in nats;
#: accuracies in %; seconds: wall time of the epoch including evaluation).
HISTORY_COLUMNS = ["epoch", "train_loss", "valid_loss", "train_acc", "valid_acc", "seconds"]


#: Checkpoints written before the model registry stored the class name.
_LEGACY_NAMES = {"LeNet5": "lenet5"}


def architecture_of(metadata: dict):
    """The registered name of the network a checkpoint's metadata describes (``"lenet5"`` also for
    checkpoints of the class-name era, which stored ``"LeNet5"``); None when it names none."""
    name = metadata.get("architecture")
    return _LEGACY_NAMES.get(name, name) if isinstance(name, str) else None


def model_figures(meta: dict) -> str:
    """A checkpoint's training in a few words, from its metadata: "15 epochs, valid accuracy
    99.12%, test accuracy 99.08%" (the accuracies in %, where recorded; "1 epoch on the first
    2,000 digits of each split, ..." for a run on a subset, whose accuracies are on those
    digits). The line that says which model a command or notebook uses ends with it."""
    figures = [count(meta.get("epochs"), "epoch")]
    subset = meta.get("subset")
    if isinstance(subset, int) and subset < 10_000:  # its accuracies are on the first digits only
        figures[0] += f" on the first {subset:,} digits of each split"
    for key, label in (("valid_acc", "valid accuracy"), ("test_acc", "test accuracy")):
        if isinstance(meta.get(key), (int, float)):
            figures.append(f"{label} {meta[key]:.2f}%")
    return ", ".join(figures)


class CheckpointError(RuntimeError):
    """A checkpoint file is unreadable, not ours, or for another architecture."""


def _registered_name(model: nn.Module) -> str:
    name = getattr(model, "name", "")
    if not name or model_class(name) is not type(model):
        raise ValueError(f"save_checkpoint saves registered models only (lh.available_models()); "
                         f"{type(model).__name__} is not one: register it with @register_model")
    return name


def save_history(history: pd.DataFrame, path: str | os.PathLike | None = None) -> Path:
    """Write the per-epoch history as CSV (atomically); default ``artifacts/training_history.csv``."""
    return atomic_write(path or history_path(), lambda tmp: history.to_csv(tmp, index=False))


def load_history(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """Read a history written by :func:`save_history`.

    Raises:
        FileNotFoundError: no such file; the message says how to produce it.
        ValueError: the CSV lacks the columns :data:`HISTORY_COLUMNS`.
    """
    path = Path(path or history_path())
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist: run notebook 04 or `python -m lenet_helpers train` first")
    history = pd.read_csv(path)
    missing = [c for c in HISTORY_COLUMNS if c not in history.columns]
    if missing:
        raise ValueError(f"{path} is not a training history (missing columns {missing}): delete it and train again")
    return history


def save_checkpoint(path: str | os.PathLike | None, model: nn.Module, history: pd.DataFrame | None = None,
                    **metadata: Any) -> Path:
    """Save ``model``'s weights with its history and metadata, atomically.

    The file holds the state dict (moved to the CPU, so it loads anywhere) and a metadata
    dict: ``architecture`` (the registered name, e.g. ``"lenet5"``), ``model_kwargs`` (its
    constructor arguments, so :func:`load_checkpoint` can rebuild it), ``preprocessing`` and
    ``input_shape`` (as the model declares them), ``normalization`` (MNIST mean and std), epochs, the last epoch's accuracies, library
    versions, the time, the history (as lists) and whatever keyword arguments are given (for
    example ``test_acc=99.1``, ``seed=0``). Values must be plain Python (numbers, strings, lists,
    dicts) so that ``weights_only=True`` loading accepts them.

    A ``history`` that :func:`~lenet_helpers.train` marked as interrupted (Ctrl-C) is recorded
    as ``interrupted: True``. This is the file format only: a run is saved by
    :func:`~lenet_helpers.save_training_run`, which refuses an interrupted run unless asked.

    Returns:
        The path written (default ``artifacts/lenet5_mnist.pt``).

    Raises:
        ValueError: ``model`` is not a registered architecture (see :func:`lenet_helpers.build_model`).
    """
    if history is not None and history.attrs.get("interrupted"):
        metadata = {"interrupted": True, **metadata}
    meta: dict[str, Any] = {
        "architecture": _registered_name(model),
        "model_kwargs": dict(getattr(model, "config", {})),
        "preprocessing": model.preprocessing,
        "input_shape": list(model.input_shape),
        "normalization": {"mean": MNIST_MEAN, "std": MNIST_STD},
        "versions": versions(),
        "saved_at": _dt.datetime.now().isoformat(timespec="seconds"),
    }
    if history is not None and len(history):
        last = history.iloc[-1]
        meta.update(
            epochs=int(last["epoch"]),
            train_acc=float(last["train_acc"]),
            valid_acc=float(last["valid_acc"]),
            history={c: [float(v) for v in history[c]] for c in history.columns},
        )
    meta.update(metadata)
    state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    payload = {"format": CHECKPOINT_FORMAT, "state_dict": state, "metadata": meta}
    return atomic_torch_save(payload, path or checkpoint_path())


def load_checkpoint(path: str | os.PathLike | None = None, device=None) -> tuple[nn.Module, dict[str, Any]]:
    """Load a checkpoint written by :func:`save_checkpoint`: rebuild its registered model, load the weights.

    The architecture is looked up by the name stored in the file (``lenet5``, ``mlp``, ...) and
    built with the stored constructor arguments. Uses ``torch.load(..., weights_only=True)``,
    which refuses to run code hidden in a pickle. The model is returned in eval mode on
    ``device`` (default: the CPU).

    Returns:
        ``(model, metadata)``.

    Raises:
        FileNotFoundError: no file at ``path``; says to run notebook 04 or the ``train`` command.
        CheckpointError: the file is truncated or not a PyTorch file, was not written by
            :func:`save_checkpoint`, names an architecture this package does not know, holds
            weights that do not fit it or that are NaN or infinite; says to delete it and train
            again. A folder, a pipe, or a file this user may not read (it may be fine: the
            message says to ask for access, not to delete it) is also a CheckpointError.
    """
    path = Path(path or checkpoint_path())
    fix = "delete it and train again (notebook 04 or `python -m lenet_helpers train`)"
    payload = _read_payload(path, fix)
    meta = payload["metadata"]
    name = architecture_of(meta)
    if name not in available_models():
        raise CheckpointError(f"{path} holds a {meta.get('architecture')!r} model, which this version of lenet_helpers "
                              f"does not know (known: {', '.join(available_models())}); {fix}")
    kwargs = meta.get("model_kwargs") or {}
    if not isinstance(kwargs, dict):
        raise CheckpointError(f"{path} has model_kwargs of type {type(kwargs).__name__}, not a dict; {fix}")
    try:
        model = build_model(name, **kwargs)
        model.load_state_dict(payload["state_dict"])
    except Exception as exc:  # RuntimeError (shapes, keys), TypeError/ValueError (bad model_kwargs), ...
        lines = [line.strip() for line in str(exc).splitlines() if line.strip()] or [type(exc).__name__]
        # torch's first line is a heading ("Error(s) in loading state_dict for LeNet5:"); the next says what is wrong
        why = next((line for line in lines if not line.endswith(":")), lines[0]).rstrip(".")
        raise CheckpointError(f"{path} holds weights that do not fit {name} ({why[:160]}); {fix}") from None
    _check_finite(model, path)
    model.to(device or "cpu").eval()
    return model, meta


def read_metadata(path: str | os.PathLike) -> dict[str, Any]:
    """The metadata of a checkpoint written by :func:`save_checkpoint`, without building its model.

    Raises:
        FileNotFoundError, CheckpointError: as :func:`load_checkpoint`.
    """
    return _read_payload(Path(path), "delete it and train again")["metadata"]


def _read_payload(path: Path, fix: str) -> dict:
    """The checkpoint file's dict, after checking what can be wrong with the file before and after reading.

    A file that exists but cannot be read (another user's, saved 0600) is not called damaged:
    the message says to ask for read access, not to delete a good file.
    """

    try:
        info = path.stat()
    except FileNotFoundError:
        raise FileNotFoundError(
            f"{path} does not exist: run notebook 04_training.ipynb or `python -m lenet_helpers train` first"
        ) from None
    except OSError as exc:
        raise CheckpointError(f"{path} cannot be read ({exc.strerror or exc}): check the path "
                              f"(and LENET_ARTIFACTS_DIR, if set)") from None
    if stat.S_ISDIR(info.st_mode):
        raise CheckpointError(f"{path} is a folder, not a checkpoint: give the .pt file inside it "
                              f"(e.g. {path / 'lenet5_mnist.pt'})")
    if not stat.S_ISREG(info.st_mode):
        raise CheckpointError(f"{path} is not a regular file (a pipe or device): give the checkpoint's .pt file")
    if not os.access(path, os.R_OK):
        raise CheckpointError(f"{path} cannot be read (permission denied): it may be fine; ask its owner to "
                              f"share it (chmod a+r) or copy it to a folder of yours")
    try:
        with warnings.catch_warnings():  # a damaged file's odd pickle protocol: the error below says it once
            warnings.simplefilter("ignore")
            payload = torch.load(path, map_location="cpu", weights_only=True)
    except PermissionError:
        raise CheckpointError(f"{path} cannot be read (permission denied): it may be fine; ask its owner to "
                              f"share it (chmod a+r) or copy it to a folder of yours") from None
    except MemoryError:
        raise CheckpointError(f"{path} is too large to load: it is not a LeNet checkpoint; {fix}") from None
    except Exception as exc:  # torch raises RuntimeError, UnpicklingError, EOFError, ValueError, ... on damage
        if "GLOBAL" in str(exc):  # PyTorch's safe loader met a Python object or function beyond tensors
            raise CheckpointError(f"{path} holds Python objects beyond tensors, which weights_only=True does not "
                                  f"load (a pickle can run code): it is not a lenet_helpers checkpoint; load only "
                                  f"files of this series (lh.save_training_run)") from None
        raise CheckpointError(f"{path} is not a readable checkpoint (truncated, damaged or not a PyTorch file: "
                              f"{type(exc).__name__}); {fix}") from None
    if not isinstance(payload, dict) or payload.get("format") != CHECKPOINT_FORMAT:
        raise CheckpointError(f"{path} is a PyTorch file not written by lenet_helpers (lh.save_training_run): "
                              f"give a checkpoint of this series (artifacts/lenet5_mnist.pt, artifacts/models/), or "
                              f"train one (notebook 04 or `python -m lenet_helpers train`)") from None
    meta, state = payload.get("metadata"), payload.get("state_dict")
    if not isinstance(meta, dict):
        raise CheckpointError(f"{path} has metadata of type {type(meta).__name__}, not a dict: it is damaged "
                              f"or hand-made; {fix}")
    if not isinstance(state, dict) or not all(isinstance(k, str) and isinstance(v, torch.Tensor)
                                              for k, v in state.items()):
        raise CheckpointError(f"{path} has a state_dict that is not a dict of named tensors: it is damaged "
                              f"or hand-made; {fix}")
    return payload


def _check_finite(model: nn.Module, path: Path) -> None:
    """Refuse NaN or infinite weights: such a model answers every input with the same digit."""

    bad = [name for name, t in model.state_dict().items()
           if t.is_floating_point() and not np.isfinite(t.detach().cpu().numpy()).all()]
    if bad:
        raise CheckpointError(f"{path} holds NaN or infinite weights ({', '.join(bad[:3])}"
                              f"{', ...' if len(bad) > 3 else ''}): training diverged or the file is damaged; "
                              f"train again (lower the learning rate if the loss became nan)")
