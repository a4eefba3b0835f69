"""The whole training run as one call, shared by notebook 04, the CLI and notebooks 05-09."""
from __future__ import annotations

import os
from pathlib import Path

import torch

from .checkpoint import load_checkpoint, load_history
from .data import mnist_tensors
from .model import LeNet5
from .saving import reconcile_history
from .settings import checkpoint_path, history_path, pick_device, set_seed
from .training import EPOCHS, evaluate, train


class TrainingInterrupted(KeyboardInterrupt):
    """Ctrl-C during :func:`train_and_save`; the message says what was kept on disk."""


def train_and_save(epochs: int = EPOCHS, seed: int = 0, augment: bool = False, subset: int | None = None,
                   checkpoint: str | os.PathLike | None = None, history_csv: str | os.PathLike | None = None,
                   device=None, data=None, progress: bool = True, save_partial: bool = False):
    """Seed, build :class:`LeNet5`, :func:`train`, score the test set once, save both artifacts.

    Before loading data or training, both destinations are checked
    (:func:`~lenet_helpers.saving.check_destination`): a folder, a read-only place or a full
    disk fails in seconds. Prints the seed's per-epoch log, then ``Test accuracy: 99.05%`` on
    the 10,000 test digits (or the ``subset``), then where the checkpoint and history were
    written (as one unit: :func:`~lenet_helpers.saving.save_training_run`).

    Ctrl-C keeps the files that were there (a good model is never replaced by a stopped run)
    unless ``save_partial=True``: then the last completed epoch's weights are saved with that
    epoch's metadata (``interrupted: True`` in the checkpoint).

    Returns:
        ``(model, history, test_acc)``; ``test_acc`` in %.

    Raises:
        SaveError: a destination that cannot be written (before training), or a save that failed
            (the old files are unchanged).
        TrainingInterrupted: Ctrl-C; its message says what was kept.
    """
    from .saving import check_destination, save_training_run

    ckpt = check_destination(checkpoint or checkpoint_path(), what="checkpoint")
    csv = check_destination(history_csv or history_path(), what="history")
    device = torch.device(device) if device is not None else pick_device()
    data = data or mnist_tensors(device=device, subset=subset)
    set_seed(seed)
    model = LeNet5()
    history = train(model, data, epochs=epochs, seed=seed, augment=augment, device=device, progress=progress)
    interrupted = history.attrs.get("interrupted", False)
    if interrupted and not (save_partial and len(history)):
        raise TrainingInterrupted(_kept(ckpt, history, save_partial))
    try:
        _, test_acc = evaluate(model, data.test)
        print(f"Test accuracy: {test_acc:.2f}%")
        ckpt, csv = save_training_run(model, history, ckpt, csv, partial=save_partial, test_acc=test_acc, seed=seed,
                                      augment=augment, subset=subset, device=str(device), epochs_planned=epochs)
    except KeyboardInterrupt:
        raise TrainingInterrupted(f"interrupted while testing or saving: {_old_files(ckpt)} unchanged") from None
    if interrupted:
        print(f"Saved the {len(history)} completed epoch(s) of {epochs} (--save-partial): {ckpt} and {csv}")
        raise TrainingInterrupted(f"saved the {len(history)} completed epoch(s) of {epochs} to {ckpt}")
    print(f"Saved {ckpt} and {csv}")
    return model, history, test_acc


def _old_files(ckpt: Path) -> str:
    """What the checkpoint path holds now, for the interrupted message."""
    try:
        _, meta = load_checkpoint(ckpt)
        return f"{ckpt} (trained {meta.get('epochs')} epochs, saved {meta.get('saved_at')}) is"
    except (FileNotFoundError, RuntimeError):
        return f"nothing at {ckpt} was" if not ckpt.exists() else f"{ckpt} is"


def _kept(ckpt: Path, history, save_partial: bool) -> str:
    done = len(history)
    kept = _old_files(ckpt)
    if done == 0:
        return f"stopped before the first epoch ended; nothing saved, {kept} unchanged"
    return (f"stopped after {done} completed epoch(s); nothing saved, {kept} unchanged "
            f"(use --save-partial, or save_partial=True, to keep the completed epochs)")


def load_or_train(epochs: int = EPOCHS, subset: int | None = None, device=None):
    """The checkpoint and history notebook 04 saved, or a fresh training run if either is missing.

    Lets notebooks 05-09 run on their own in a fresh kernel. When the artifacts are absent it
    says so and calls :func:`train_and_save` with the package defaults (``epochs`` and
    ``subset`` are the notebook's quick-run knobs).

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
    reconcile_history(ckpt, csv, metadata)
    history = load_history(csv)
    print(f"Loaded {ckpt}: trained {metadata.get('epochs')} epochs, valid accuracy {metadata.get('valid_acc', float('nan')):.2f}%, "
          f"test accuracy {metadata.get('test_acc', float('nan')):.2f}%")
    return model, history, metadata
