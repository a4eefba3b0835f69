"""Whole training runs as one call, shared by notebook 04, notebook 10, the CLI and ``make reference``."""
from __future__ import annotations

import os
from pathlib import Path

import torch

from .checkpoint import CheckpointError, load_checkpoint, load_history
from .data import mnist_tensors
from .models import build_model
from .saving import reconcile_history
from .settings import checkpoint_path, display_path, history_path, models_dir, pick_device, set_seed
from .training import BATCH_SIZE, EPOCHS, LEARNING_RATE, evaluate, train


class TrainingInterrupted(KeyboardInterrupt):
    """Ctrl-C during :func:`train_and_save`; the message says what was kept on disk."""


def train_and_save(model: str = "lenet5", epochs: int = EPOCHS, seed: int = 0, augment: bool = False,
                   subset: int | None = None, checkpoint: str | os.PathLike | None = None,
                   history_csv: str | os.PathLike | None = None, device=None, data=None, progress: bool = True,
                   model_kwargs: dict | None = None, lr: float = LEARNING_RATE, batch_size: int = BATCH_SIZE,
                   optimizer: str = "adam", weight_decay: float = 0.0, lr_schedule: str = "cosine",
                   momentum: float = 0.9, verbose: bool = True, save_partial: bool = False):
    """Seed, build the registered ``model``, :func:`train`, score the test set once, save both artifacts.

    Before loading data or training, both destinations are checked
    (:func:`~lenet_helpers.saving.check_destination`): a folder, a read-only place or a full
    disk fails in seconds. Prints the per-epoch log, then ``Test accuracy: 99.05%`` on the
    10,000 test digits (or the ``subset``), then where the checkpoint and history were written
    (as one unit: :func:`~lenet_helpers.saving.save_training_run`). The data are prepared in
    the preprocessing the model declares.

    Ctrl-C keeps the files that were there (a good model is never replaced by a stopped run)
    unless ``save_partial=True``: then the last completed epoch's weights are saved with that
    epoch's metadata (``interrupted: True`` in the checkpoint).

    Args:
        model: a name of :func:`lenet_helpers.available_models` (default ``"lenet5"``).
        model_kwargs: constructor arguments, e.g. ``{"softmax_output": True}`` for ``dropout_cnn``.
        lr, batch_size, optimizer, weight_decay, lr_schedule, momentum: as :func:`lenet_helpers.train`.
        checkpoint, history_csv: where to save (default ``artifacts/lenet5_mnist.pt`` and
            ``artifacts/training_history.csv``).
        save_partial: on Ctrl-C, save the completed epochs instead of keeping the old files.

    Returns:
        ``(model, history, test_acc)``; ``test_acc`` in %.

    Raises:
        ValueError: an unknown model name or a bad training setting.
        SaveError: a destination that cannot be written (before training), or a save that failed
            (the old files are unchanged).
        TrainingInterrupted: Ctrl-C; its message says what was kept.
    """
    from .saving import check_destination, save_training_run

    ckpt = check_destination(checkpoint or checkpoint_path(), what="checkpoint")
    csv = check_destination(history_csv or history_path(), what="history")
    device = torch.device(device) if device is not None else pick_device()
    set_seed(seed)
    net = build_model(model, **(model_kwargs or {}))
    data = data or mnist_tensors(device=device, subset=subset, preprocessing=net.preprocessing)
    history = train(net, data, epochs=epochs, seed=seed, augment=augment, device=device, progress=progress,
                    lr=lr, batch_size=batch_size, optimizer=optimizer, weight_decay=weight_decay,
                    lr_schedule=lr_schedule, momentum=momentum, verbose=verbose)
    interrupted = history.attrs.get("interrupted", False)
    if interrupted and not (save_partial and len(history)):
        raise TrainingInterrupted(_kept(ckpt, history))
    settings = dict(seed=seed, augment=augment, subset=subset, lr=lr, batch_size=batch_size, optimizer=optimizer,
                    weight_decay=weight_decay, lr_schedule=lr_schedule, momentum=momentum)
    try:
        _, test_acc = evaluate(net, data.test)
        if verbose:
            print(f"Test accuracy: {test_acc:.2f}%")
        ckpt, csv = save_training_run(net, history, ckpt, csv, partial=save_partial, test_acc=test_acc,
                                      device=str(device), settings=settings, epochs_planned=epochs,
                                      **{k: settings[k] for k in ("seed", "augment", "subset")})
    except KeyboardInterrupt:
        raise TrainingInterrupted(f"interrupted while testing or saving: {_old_files(ckpt)} unchanged") from None
    if interrupted:
        print(f"Saved the {len(history)} completed epoch(s) of {epochs} (--save-partial): {ckpt} and {csv}")
        raise TrainingInterrupted(f"saved the {len(history)} completed epoch(s) of {epochs} to {ckpt}")
    if verbose:
        print(f"Saved {display_path(ckpt)} and {display_path(csv)}")
    return net, history, test_acc


def train_or_load(model: str = "lenet5", epochs: int = EPOCHS, seed: int = 0, subset: int | None = None,
                  model_kwargs: dict | None = None, folder: str | os.PathLike | None = None, tag: str | None = None,
                  device=None, data=None, verbose: bool = True, **settings):
    """A trained network of architecture ``model``, from ``artifacts/models/`` when one with the same settings is there.

    The checkpoint ``<folder>/<tag or model>.pt`` (default folder ``artifacts/models``) is reused
    when its architecture, constructor arguments, epochs, seed, subset and training settings all
    match; otherwise the network is trained with :func:`train_and_save` and saved there, with
    its history beside it (``<name>_history.csv``). It never touches ``artifacts/lenet5_mnist.pt``,
    the model notebooks 05-09 read. Notebook 10 trains each architecture through this, so a
    rerun is quick.

    Args:
        settings: further training settings of :func:`train_and_save` (``lr``, ``optimizer``, ...).

    Returns:
        ``(model in eval mode, history DataFrame, metadata dict, trained)``; ``trained`` is True when
        it was trained now, False when loaded.
    """
    device = torch.device(device) if device is not None else pick_device(verbose)
    folder = Path(folder) if folder is not None else models_dir()
    name = tag or model
    ckpt, csv = folder / f"{name}.pt", folder / f"{name}_history.csv"
    wanted = dict(architecture=model, model_kwargs=dict(build_model(model, **(model_kwargs or {})).config),
                  epochs=epochs, seed=seed, subset=subset)
    if ckpt.is_file() and csv.is_file():
        try:
            net, meta = load_checkpoint(ckpt, device=device)
            recorded = {k: meta.get(k) for k in wanted}
            same_settings = all(meta.get("settings", {}).get(k) == v for k, v in settings.items())
            if recorded == wanted and same_settings:
                if verbose:
                    print(f"{name}: reusing {ckpt.name} ({epochs} epochs, test accuracy {meta.get('test_acc', float('nan')):.2f}%)")
                return net, load_history(csv), meta, False
        except (CheckpointError, ValueError) as exc:
            if verbose:
                print(f"{name}: cannot reuse {ckpt.name} ({exc}); training again")
    if verbose:
        print(f"{name}: training for {epochs} epoch(s)")
    net, history, _ = train_and_save(model, epochs=epochs, seed=seed, subset=subset, checkpoint=ckpt,
                                     history_csv=csv, device=device, data=data, progress=False,
                                     model_kwargs=model_kwargs, verbose=verbose, **settings)
    _, meta = load_checkpoint(ckpt, device=device)
    return net.eval(), history, meta, True


def _old_files(ckpt: Path) -> str:
    """What the checkpoint path holds now, for the interrupted message."""
    try:
        _, meta = load_checkpoint(ckpt)
        return f"{ckpt} (trained {meta.get('epochs')} epochs, saved {meta.get('saved_at')}) is"
    except (FileNotFoundError, RuntimeError):
        return f"nothing at {ckpt} was" if not ckpt.exists() else f"{ckpt} is"


def _kept(ckpt: Path, history) -> str:
    done = len(history)
    kept = _old_files(ckpt)
    if done == 0:
        return f"stopped before the first epoch ended; nothing saved, {kept} unchanged"
    return (f"stopped after {done} completed epoch(s); nothing saved, {kept} unchanged "
            f"(use --save-partial, or save_partial=True, to keep the completed epochs)")


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
        print(f"No trained model at {display_path(ckpt)} (or no history at {display_path(csv)}): training LeNet-5 with the "
              f"package defaults first ({epochs} epochs), as notebook 04 does.")
        train_and_save(epochs=epochs, subset=subset, device=device)
    model, metadata = load_checkpoint(ckpt, device=device)
    reconcile_history(ckpt, csv, metadata)
    history = load_history(csv)
    print(f"Loaded {display_path(ckpt)}: trained {metadata.get('epochs')} epochs, valid accuracy {metadata.get('valid_acc', float('nan')):.2f}%, "
          f"test accuracy {metadata.get('test_acc', float('nan')):.2f}%")
    return model, history, metadata
