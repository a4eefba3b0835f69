"""The whole training run as one call, shared by notebook 04, the CLI and ``make reference``."""
from __future__ import annotations

import os
from pathlib import Path

import torch

from .checkpoint import load_checkpoint, load_history, save_checkpoint, save_history
from .data import mnist_tensors
from .model import LeNet5
from .settings import checkpoint_path, history_path, pick_device, set_seed
from .training import EPOCHS, evaluate, train


def train_and_save(epochs: int = EPOCHS, seed: int = 0, augment: bool = False, subset: int | None = None,
                   checkpoint: str | os.PathLike | None = None, history_csv: str | os.PathLike | None = None,
                   device=None, data=None, progress: bool = True):
    """Seed, build :class:`LeNet5`, :func:`train`, score the test set once, save both artifacts.

    Prints the seed's per-epoch log, then ``Test accuracy: 99.05%`` on the 10,000 test digits
    (or the ``subset``), then where the checkpoint and history were written.

    Returns:
        ``(model, history, test_acc)``; ``test_acc`` in %.
    """
    device = torch.device(device) if device is not None else pick_device()
    data = data or mnist_tensors(device=device, subset=subset)
    set_seed(seed)
    model = LeNet5()
    history = train(model, data, epochs=epochs, seed=seed, augment=augment, device=device, progress=progress)
    if history.empty:
        raise RuntimeError("training stopped before the first epoch ended: nothing to save")
    _, test_acc = evaluate(model, data.test)
    print(f"Test accuracy: {test_acc:.2f}%")
    ckpt = save_checkpoint(checkpoint or checkpoint_path(), model, history, test_acc=test_acc, seed=seed,
                           augment=augment, subset=subset, device=str(device))
    csv = save_history(history, history_csv or history_path())
    print(f"Saved {ckpt} and {csv}")
    return model, history, test_acc


def load_or_train(epochs: int = EPOCHS, subset: int | None = None, device=None):
    """The checkpoint and history notebook 04 saved, or a fresh training run if either is missing.

    Notebooks use :func:`~lenet_helpers.load_trained_model` instead, which never trains (it
    falls back to the reference model shipped with the package); this stays for scripts that
    want a model of their own whatever it costs. When the artifacts are absent it says so and
    calls :func:`train_and_save` with the package defaults (``epochs`` and ``subset`` are the
    quick-run knobs).

    Returns:
        ``(model (eval mode, on device), history DataFrame, metadata dict)``.
    """
    device = torch.device(device) if device is not None else pick_device()
    ckpt, csv = checkpoint_path(), history_path()
    if not (Path(ckpt).is_file() and Path(csv).is_file()):
        print(f"No trained model at {ckpt} (or no history at {csv}): training LeNet-5 with the "
              f"package defaults first ({epochs} epochs), as notebook 04 does.")
        train_and_save(epochs=epochs, subset=subset, device=device)
    model, metadata = load_checkpoint(ckpt, device=device)
    history = load_history(csv)
    print(f"Loaded {ckpt}: trained {metadata.get('epochs')} epochs, valid accuracy {metadata.get('valid_acc', float('nan')):.2f}%, "
          f"test accuracy {metadata.get('test_acc', float('nan')):.2f}%")
    return model, history, metadata
