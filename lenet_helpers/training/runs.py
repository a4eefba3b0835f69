"""A whole training run, and the one place a run is saved, without ever losing a good model.

:func:`train_and_save` (notebook 04's recipe as one call: the CLI's ``train``, ``make
reference``) and :func:`train_or_load` (notebooks 10 and 13: reuse a checkpoint trained with
the same :class:`~lenet_helpers.TrainConfig`) both save through :func:`save_training_run`, as
notebook 04 does. Three rules, each for a way the hostile-class trial lost work:

* **Check the destination before training** (:func:`check_destination`): a folder given as
  the file, a read-only or missing place, a full disk fail in seconds with one line, not
  after 15 epochs.
* **Checkpoint and history as one unit** (:func:`save_training_run`): both are written to
  temporary files first; only then are they renamed over the old ones, and if the second
  rename fails the first is rolled back, so a reader finds both new files or both old ones.
  The checkpoint also holds the history, so a history CSV that a hard kill (SIGKILL, power
  cut) left behind the checkpoint is rebuilt from it (:func:`reconcile_history`).
* **No temporary file outlives the process**: every temporary file is removed when a
  write fails or is interrupted; one left by a hard kill is removed by the next save
  (:func:`remove_stale_temp_files`).

An interrupted training run saves nothing unless asked (``partial=True``, the CLI's
``--save-partial``; the rule is :func:`check_savable`, its error :class:`SaveError`); then it
saves the last *completed* epoch's weights, which :func:`lenet_helpers.train` restores when it
is interrupted.
"""
from __future__ import annotations

import os
import re
import secrets
import shutil
import tempfile
from pathlib import Path

import pandas as pd
import torch

from lenet_helpers.data.mnist import mnist_tensors
from lenet_helpers.files import file_in_the_way
from lenet_helpers.models.base import build_model, model_class
from lenet_helpers.readings.text import count
from lenet_helpers.settings import (
    REFERENCE_DIR,
    checkpoint_path,
    display_path,
    history_path,
    models_dir,
    pick_device,
    set_seed,
)
from lenet_helpers.training.checkpoint import (
    HISTORY_COLUMNS,
    CheckpointError,
    architecture_of,
    load_checkpoint,
    load_history,
    model_figures,
    read_metadata,
    save_checkpoint,
    save_history,
)
from lenet_helpers.training.config import TrainConfig
from lenet_helpers.training.loop import evaluate, train

#: Room kept free beyond the files' own size when checking a destination (bytes).
SPARE_BYTES = 1_000_000


class SaveError(RuntimeError):
    """A destination that cannot take the checkpoint or history, or a run that should not be saved."""

    def _render_traceback_(self):  # IPython (a notebook) shows this one line instead of a traceback
        return [f"SaveError: {self}"]


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc) or type(exc).__name__


def remove_stale_temp_files(path: str | os.PathLike) -> list[Path]:
    """Delete the hidden temporary files our writes of ``path`` left behind (``.<name>.<random>.tmp``).

    They exist only if a process was killed outright (SIGKILL, power cut) while writing; any
    failure that Python sees removes its own. Returns the paths removed.
    """
    path = Path(path)
    pattern = re.compile(r"^\.+" + re.escape(path.name) + r"\.[A-Za-z0-9_]+\.tmp(\.[A-Za-z0-9_]+\.tmp)?$")
    removed = []
    try:
        entries = list(path.parent.iterdir())
    except OSError:
        return removed
    for entry in entries:
        if pattern.match(entry.name) and entry.is_file():
            try:
                entry.unlink()
                removed.append(entry)
            except OSError:
                pass
    return removed


def check_destination(path: str | os.PathLike, size_bytes: int = SPARE_BYTES, what: str = "checkpoint") -> Path:
    """Check that ``path`` can be written, before spending minutes on training.

    Creates the missing folders, writes and removes a small probe file beside ``path``, and
    checks the free space (``size_bytes`` twice, as old and new file coexist for a moment,
    plus :data:`SPARE_BYTES`). Removes stale temporary files of earlier killed runs.

    Returns:
        ``path`` as an absolute ``Path``.

    Raises:
        SaveError: one line naming ``path``, what is wrong (a folder, a file in the way,
            read-only, permission, full disk) and what to do.
    """
    path = Path(path).expanduser().absolute()
    fix = f"choose another place for the {what} (--{'history' if what == 'history' else 'checkpoint'} FILE, " \
          f"or LENET_ARTIFACTS_DIR)"
    if path.is_dir():
        raise SaveError(f"{path} is a folder: give a file name for the {what}, e.g. {path / 'name'}"
                        f"{'.csv' if what == 'history' else '.pt'}")
    in_the_way = file_in_the_way(path)
    if in_the_way is not None:
        raise SaveError(f"{path} cannot be written: {in_the_way} is a file, not a folder; {fix}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            os.write(fd, b"\0" * 4096)
            os.fsync(fd)
        finally:
            os.close(fd)
            os.unlink(probe)
    except OSError as exc:
        raise SaveError(f"{path} cannot be written ({_reason(exc)}); {fix}") from None
    remove_stale_temp_files(path)
    free = shutil.disk_usage(path.parent).free
    need = 2 * size_bytes + SPARE_BYTES
    if free < need:
        raise SaveError(f"{path} cannot be written: only {free / 1e6:.1f} MB free in {path.parent}, "
                        f"{need / 1e6:.1f} MB needed; free some space or {fix}")
    return path


def _temp_name(path: Path) -> Path:
    return path.parent / f".{path.name}.{secrets.token_hex(4)}.tmp"


def run_paths(model: str = "lenet5", checkpoint: str | os.PathLike | None = None,
              history_csv: str | os.PathLike | None = None) -> tuple[Path, Path]:
    """Where a training run of architecture ``model`` is saved, as absolute paths ``(checkpoint, history)``.

    Not told otherwise, LeNet-5 goes to ``artifacts/lenet5_mnist.pt`` with
    ``artifacts/training_history.csv`` (the model notebooks 05-09, 11-13 and ``predict`` read), and any
    other architecture to ``artifacts/<model>.pt`` with ``<model>_history.csv``, so that training
    another network never replaces your LeNet-5 (nor the networks notebook 10 keeps in
    ``artifacts/models/``, which it retrains when their recipe differs). A checkpoint given
    without a history gets its own history beside it, ``<checkpoint name>_history.csv``, so that
    it never overwrites another run's.
    """
    if checkpoint is None:
        checkpoint = checkpoint_path() if model == "lenet5" else checkpoint_path().with_name(f"{model}.pt")
    ckpt = Path(checkpoint).expanduser().absolute()
    if history_csv is None:
        history_csv = history_path() if ckpt == checkpoint_path().absolute() else \
            ckpt.with_name(f"{ckpt.stem}_history.csv")
    return ckpt, Path(history_csv).expanduser().absolute()


def check_pair(checkpoint: Path, history_csv: Path, architecture: str | None = None) -> None:
    """The rules on where a run may be saved that do not depend on the run: checked before training.

    A file already at either place is written over only when it is what the run would write
    there: a checkpoint of this series (of the same ``architecture``, when given) and a
    training history. A photo given as ``--checkpoint`` by mistake, another program's file, or
    the LeNet-5 a student trained for an hour given as the checkpoint of an MLP run stays as it is.

    Raises:
        SaveError: the checkpoint and the history are one file; either is in the folder of the
            reference model shipped with lenet_helpers (never replaced by a training run); a file
            at ``checkpoint`` that is not a readable checkpoint, or one of another architecture; a
            file at ``history_csv`` that is not a training history.
    """
    if checkpoint.resolve() == history_csv.resolve():
        raise SaveError(f"{checkpoint}: the checkpoint and the history must be two different files "
                        f"(--checkpoint FILE.pt, --history FILE.csv)")
    if REFERENCE_DIR.resolve() in (checkpoint.resolve().parent, history_csv.resolve().parent):
        raise SaveError(f"{REFERENCE_DIR} holds the reference model shipped with lenet_helpers: no training run "
                        f"is saved there; give another place (--checkpoint FILE), or rebuild it with make reference")
    if checkpoint.is_file():
        try:
            old = read_metadata(checkpoint)
        except (OSError, CheckpointError):
            raise SaveError(f"{checkpoint} is there and is not a readable lenet_helpers checkpoint: not writing over "
                            f"it; give another name (--checkpoint FILE.pt), or delete it first if it is a broken "
                            f"checkpoint of yours") from None
        held = architecture_of(old)
        if architecture is not None and held is not None and held != architecture:
            raise SaveError(f"{checkpoint} holds a {held} ({model_figures(old)}), not a {architecture}: "
                            f"not replacing it with another network; give another name (--checkpoint "
                            f"{architecture}.pt), or delete it first")
    if history_csv.is_file() and not _is_history(history_csv):
        raise SaveError(f"{history_csv} is there and is not a training history (its first line does not start with "
                        f"'epoch,'): not writing over it; give another name (--history FILE.csv)")


def _is_history(path: Path) -> bool:
    """Whether the file at ``path`` starts like a history :func:`save_history` wrote (``epoch,...``)."""
    try:
        with open(path, "rb") as f:
            return f.read(6) == b"epoch,"
    except OSError:
        return False


def check_savable(history: pd.DataFrame | None, partial: bool, checkpoint: str | os.PathLike) -> None:
    """The one rule for saving a run: a run stopped by Ctrl-C never replaces a good model unless asked.

    A run whose loss became NaN or infinite (``history.attrs["diverged"]``) is always refused,
    ``partial`` or not: ``partial`` is for a run stopped by Ctrl-C, and a diverged run's recipe
    is what needs changing.

    Raises:
        SaveError: ``history`` has no completed epoch, :func:`~lenet_helpers.train` marked it
            diverged, or marked it interrupted and ``partial`` is False.
    """
    if history is not None and history.attrs.get("diverged"):
        raise SaveError(f"training diverged in epoch {history.attrs['diverged']} (the loss became NaN or infinite): "
                        f"nothing saved, {_old_files(Path(checkpoint))}; train again with a lower learning rate "
                        f"(--lr, lr=)")
    if history is None or history.empty:
        raise SaveError("no epoch was completed: nothing to save")
    if history.attrs.get("interrupted") and not partial:
        raise SaveError(f"training was interrupted after {len(history)} completed epoch(s): not saving over "
                        f"{checkpoint} (pass partial=True, or --save-partial, to save the completed epochs)")


def save_training_run(model, history: pd.DataFrame, checkpoint: str | os.PathLike | None = None,
                      history_csv: str | os.PathLike | None = None, *, config: TrainConfig | None = None,
                      partial: bool = False, **metadata) -> tuple[Path, Path]:
    """Save a training run: the checkpoint and the history CSV as one unit, both new or both as they were.

    The one place a run is saved (notebook 04, the CLI's ``train``, ``train_and_save``,
    ``train_or_load``, ``make reference``). First :func:`check_savable` (an interrupted run is
    refused unless ``partial``) and :func:`check_destination` for both files; then both are
    written to hidden temporary files beside their targets and renamed over them; if anything
    fails before the second rename is done, the first is undone (the old checkpoint comes
    back from a hard link made beforehand) and the temporary files are removed.

    Args:
        model, history: what :func:`lenet_helpers.train` trained and returned.
        checkpoint, history_csv: default as :func:`run_paths` (``artifacts/lenet5_mnist.pt`` and
            ``artifacts/training_history.csv`` for LeNet-5).
        config: the run's :class:`~lenet_helpers.TrainConfig` (default: the one ``train`` recorded
            in ``history.attrs["config"]``); stored as the checkpoint's ``settings``.
        partial: save a run that was interrupted (its history is marked so by ``train``);
            without it such a run is refused, so a stopped run never replaces a good model.
        **metadata: more metadata for the checkpoint (``test_acc=`` in %, ``device=``...).

    Returns:
        ``(checkpoint path, history path)``.

    Raises:
        SaveError: an interrupted run without ``partial=True``, an empty history, or a
            destination that cannot be written (nothing is changed then).
    """
    ckpt, csv = run_paths(getattr(model, "name", "lenet5"), checkpoint, history_csv)
    check_pair(ckpt, csv, getattr(model, "name", None))
    check_savable(history, partial, ckpt)
    bad = [name for name, w in model.state_dict().items() if w.is_floating_point() and not torch.isfinite(w).all()]
    if bad:
        raise SaveError(f"the model holds NaN or infinite weights ({', '.join(bad[:3])}): not saving over {ckpt}; "
                        f"train again with a lower learning rate")
    for path, what in ((ckpt, "checkpoint"), (csv, "history")):
        check_destination(path, what=what)
    previous = _better_previous(ckpt, model, history)
    config = config or history.attrs.get("config")
    if config is not None:
        metadata = {"settings": config.as_dict(), "seed": config.seed, "augment": config.augment,
                    "subset": config.subset, "epochs_planned": config.epochs, **metadata}
    tmp_ckpt, tmp_csv, backup = _temp_name(ckpt), _temp_name(csv), None
    replaced = False
    try:
        save_checkpoint(tmp_ckpt, model, history, **metadata)
        save_history(history, tmp_csv)
        if ckpt.is_file():
            backup = _temp_name(ckpt)
            try:
                os.link(ckpt, backup)
            except OSError:  # a file system without hard links (FAT): copy instead
                shutil.copy2(ckpt, backup)
        os.replace(tmp_ckpt, ckpt)
        replaced = True
        os.replace(tmp_csv, csv)
    except BaseException as exc:
        if replaced:  # the history could not take its place: put the old checkpoint back
            if backup is not None:
                os.replace(backup, ckpt)
            else:
                ckpt.unlink(missing_ok=True)
        for tmp in (tmp_ckpt, tmp_csv, backup):
            if tmp is not None:
                Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, (OSError, RuntimeError)) and not isinstance(exc, SaveError):
            reason = _reason(exc) if isinstance(exc, OSError) else str(exc).strip().splitlines()[0]
            raise SaveError(f"{ckpt} and {csv} were not saved ({reason}); the old files are unchanged") from None
        raise
    if backup is not None and previous is not None:
        prev = ckpt.with_name(f"{ckpt.stem}.prev{ckpt.suffix}")
        kept = _valid_acc(prev)
        if kept is None or kept < previous[0]:  # never replace a better kept model by a worse one
            os.replace(backup, prev)  # the hard link (or copy) of the old checkpoint, under its new name
            kept = previous[0]
        else:
            backup.unlink(missing_ok=True)
        print(f"The new model's validation accuracy ({previous[1]:.2f}%) is below the one it replaced "
              f"({previous[0]:.2f}%): the previous best ({kept:.2f}%) is kept as {display_path(prev)} (copy it back "
              f"over {ckpt.name} to use it again).", flush=True)
    elif backup is not None:
        backup.unlink(missing_ok=True)
    return ckpt, csv


def _valid_acc(path: Path) -> float | None:
    """The validation accuracy (%) recorded in the checkpoint at ``path``, or None (no file, unreadable)."""
    try:
        acc = read_metadata(path).get("valid_acc") if path.is_file() else None
    except (OSError, CheckpointError):
        return None
    return float(acc) if isinstance(acc, (int, float)) else None


def _better_previous(ckpt: Path, model, history: pd.DataFrame) -> tuple[float, float] | None:
    """``(old valid acc, new valid acc)`` (%) when ``ckpt`` holds a model of the same architecture with a
    higher validation accuracy than the run about to replace it; None otherwise (or when unreadable)."""
    if not ckpt.is_file():
        return None
    try:
        old = read_metadata(ckpt)
    except (OSError, CheckpointError):
        return None
    new_acc, old_acc = float(history["valid_acc"].iloc[-1]), old.get("valid_acc")
    if architecture_of(old) != getattr(model, "name", None) or not isinstance(old_acc, (int, float)):
        return None
    return (float(old_acc), new_acc) if old_acc > new_acc else None


def reconcile_history(checkpoint: str | os.PathLike, history_csv: str | os.PathLike, metadata: dict) -> bool:
    """Rebuild ``history_csv`` from the checkpoint's own copy when the two disagree; True if rebuilt.

    Only a hard kill between the two renames of :func:`save_training_run` (or a history
    saved by hand) can leave them out of step; the checkpoint is the authority.
    """

    stored = metadata.get("history")
    if not isinstance(stored, dict) or not all(c in stored for c in HISTORY_COLUMNS):
        return False
    expected = pd.DataFrame(stored)
    expected["epoch"] = expected["epoch"].astype(int)  # stored as floats with the other columns
    try:
        on_disk = pd.read_csv(history_csv)
        same = len(on_disk) == len(expected) and all(
            c in on_disk and (on_disk[c].astype(float) - expected[c].astype(float)).abs().max() < 1e-6
            for c in HISTORY_COLUMNS)
    except (OSError, ValueError, pd.errors.ParserError):
        same = False
    if same:
        return False
    save_history(expected, history_csv)
    print(f"{display_path(history_csv)} did not match {display_path(checkpoint)} (the checkpoint was replaced, or a "
          f"save was interrupted): rebuilt it from the checkpoint.")
    return True


class TrainingInterrupted(KeyboardInterrupt):
    """Ctrl-C during :func:`train_and_save`; the message says what was kept on disk."""


def train_and_save(model: str = "lenet5", config: TrainConfig | None = None, *,
                   checkpoint: str | os.PathLike | None = None, history_csv: str | os.PathLike | None = None,
                   device=None, data=None, progress: bool = True, model_kwargs: dict | None = None,
                   verbose: bool = True, save_partial: bool = False, **settings):
    """A whole run: seed, build the registered ``model``, :func:`train`, score the test set once, save.

    Before loading data or training, both destinations are checked
    (:func:`check_destination`): a folder, a read-only place or a full disk fails in seconds.
    Prints the per-epoch log, then ``Test accuracy: 99.08%`` on the 10,000 test digits (or the
    ``subset``), then where the checkpoint and history were written (as one unit:
    :func:`save_training_run`). The data are prepared in the preprocessing the model declares.

    Ctrl-C keeps the files that were there (a good model is never replaced by a stopped run)
    unless ``save_partial=True``: then the last completed epoch's weights are saved with that
    epoch's metadata (``interrupted: True`` in the checkpoint).

    Args:
        model: a name of :func:`lenet_helpers.available_models` (default ``"lenet5"``).
        config: the recipe (:class:`~lenet_helpers.TrainConfig`; default its defaults);
            ``**settings`` change it by name (``epochs=2``, ``lr=5e-4``, ...).
        model_kwargs: constructor arguments, e.g. ``{"softmax_output": True}`` for ``dropout_cnn``.
        checkpoint, history_csv: where to save (default as :func:`run_paths`:
            ``artifacts/lenet5_mnist.pt`` and ``artifacts/training_history.csv`` for LeNet-5,
            ``artifacts/<model>.pt`` for another network; a checkpoint given alone gets
            ``<its name>_history.csv`` beside it).
        save_partial: on Ctrl-C, save the completed epochs instead of keeping the old files.

    Returns:
        ``(model, history, test_acc)``; ``test_acc`` in %.

    Raises:
        ValueError: an unknown model name or a bad training setting.
        TypeError: a keyword that is not a training setting.
        SaveError: a destination that cannot be written (before training), a run whose loss
            became NaN or infinite (nothing is saved), or a save that failed (the old files are unchanged).
        TrainingInterrupted: Ctrl-C; its message says what was kept.
    """
    config = (config or TrainConfig()).replace(**settings)
    model_class(model)  # an unknown name fails here, before any folder is made
    ckpt, csv = run_paths(model, checkpoint, history_csv)
    check_pair(ckpt, csv, model)
    ckpt, csv = check_destination(ckpt, what="checkpoint"), check_destination(csv, what="history")
    device = torch.device(device) if device is not None else pick_device()
    set_seed(config.seed)
    net = build_model(model, **(model_kwargs or {}))
    data = data or mnist_tensors(device=device, subset=config.subset, preprocessing=net.preprocessing)
    if verbose:
        print(f"Training {model}: {count(config.epochs, 'epoch')} on {len(data.train):,} training digits, "
              f"{config.describe()} -> {display_path(ckpt)}", flush=True)
    history = train(net, data, config, device=device, progress=progress, verbose=verbose)
    interrupted = history.attrs.get("interrupted", False)
    try:
        check_savable(history, save_partial, ckpt)
    except SaveError:
        if history.attrs.get("diverged"):
            raise  # check_savable's message says what is kept on disk
        raise TrainingInterrupted(_kept(ckpt, history)) from None
    try:
        _, test_acc = evaluate(net, data.test)
        if verbose:
            n = len(data.test)
            print(f"Test accuracy: {test_acc:.2f}%" + (f" (the first {n:,} test digits only)" if n < 10_000 else ""))
        ckpt, csv = save_training_run(net, history, ckpt, csv, config=config, partial=save_partial,
                                      test_acc=test_acc, device=str(device))
    except KeyboardInterrupt:
        raise TrainingInterrupted(f"interrupted while testing or saving: {_old_files(ckpt)}") from None
    if interrupted:
        print(f"Saved the {len(history)} completed epoch(s) of {config.epochs} (--save-partial): {ckpt} and {csv}")
        raise TrainingInterrupted(f"saved the {len(history)} completed epoch(s) of {config.epochs} to {ckpt}")
    if verbose:
        print(f"Saved {display_path(ckpt)} and {display_path(csv)}")
    return net, history, test_acc


def stored_config(metadata: dict) -> TrainConfig:
    """The :class:`~lenet_helpers.TrainConfig` a checkpoint was trained with, from its metadata.

    Checkpoints keep it in ``settings``; older ones kept seed, augment, subset and the epochs
    beside it, and settings they lack were at their defaults then.
    """
    stored = dict(metadata.get("settings") or {})
    for key in ("seed", "augment", "subset"):
        if key not in stored and key in metadata:
            stored[key] = metadata[key]
    if "epochs" not in stored:
        stored["epochs"] = metadata.get("epochs_planned", metadata.get("epochs", TrainConfig.epochs))
    return TrainConfig.from_dict(stored)


def train_or_load(model: str = "lenet5", config: TrainConfig | None = None, *, model_kwargs: dict | None = None,
                  folder: str | os.PathLike | None = None, tag: str | None = None, device=None, data=None,
                  verbose: bool = True, **settings):
    """A trained network of architecture ``model``, from ``artifacts/models/`` when one with the same recipe is there.

    The checkpoint ``<folder>/<tag or model>.pt`` (default folder ``artifacts/models``) is reused
    when its architecture, constructor arguments and :class:`~lenet_helpers.TrainConfig` all
    match; otherwise the network is trained with :func:`train_and_save` and saved there, with
    its history beside it (``<name>_history.csv``). It never touches ``artifacts/lenet5_mnist.pt``,
    the model notebooks 05-09 and 11-13 read. Notebook 10 trains each architecture through this, so a
    rerun is quick.

    Args:
        config, **settings: the recipe, as :func:`train_and_save`.

    Returns:
        ``(model in eval mode, history DataFrame, metadata dict, trained)``; ``trained`` is True when
        it was trained now, False when loaded.

    Raises:
        ValueError: an unknown architecture (the message lists the known ones).
        TypeError: an unknown setting in ``**settings``.
        SettingError: a setting out of range (see :class:`~lenet_helpers.TrainConfig`).
        SaveError, TrainingInterrupted: from :func:`train_and_save` (a run that diverged or was
            stopped is not saved).
    """
    config = (config or TrainConfig()).replace(**settings)
    kwargs = dict(build_model(model, **(model_kwargs or {})).config)  # an unknown name fails here, first
    device = torch.device(device) if device is not None else pick_device(verbose)
    folder = Path(folder) if folder is not None else models_dir()
    name = tag or model
    ckpt, csv = folder / f"{name}.pt", folder / f"{name}_history.csv"
    if ckpt.is_file() and csv.is_file():
        try:
            net, meta = load_checkpoint(ckpt, device=device)
            same_net = meta.get("architecture") == model and meta.get("model_kwargs") == kwargs
            complete = meta.get("epochs") == config.epochs and not meta.get("interrupted")
            if same_net and complete and not stored_config(meta).changes(config):
                if verbose:
                    print(f"{name}: reusing {ckpt.name} ({count(config.epochs, 'epoch')}, test accuracy "
                          f"{meta.get('test_acc', float('nan')):.2f}%)")
                return net, load_history(csv), meta, False
        except (CheckpointError, ValueError) as exc:
            if verbose:
                print(f"{name}: cannot reuse {ckpt.name} ({exc}); training again")
    if verbose:
        print(f"{name}: training for {config.epochs} epoch(s)")
    net, history, _ = train_and_save(model, config, checkpoint=ckpt, history_csv=csv, device=device, data=data,
                                     progress=False, model_kwargs=model_kwargs, verbose=verbose)
    _, meta = load_checkpoint(ckpt, device=device)
    return net.eval(), history, meta, True


def _old_files(ckpt: Path) -> str:
    """What the checkpoint path holds now, as a clause for the messages of a run that saved nothing."""
    try:
        _, meta = load_checkpoint(ckpt)
        return f"{ckpt} (trained {count(meta.get('epochs'), 'epoch')}, saved {meta.get('saved_at')}) is unchanged"
    except (FileNotFoundError, RuntimeError):
        return f"no file was written at {ckpt}" if not ckpt.exists() else f"{ckpt} is unchanged"


def _kept(ckpt: Path, history) -> str:
    done = len(history)
    kept = _old_files(ckpt)
    if done == 0:
        return f"stopped before the first epoch ended; nothing saved, {kept}"
    return (f"stopped after {done} completed epoch(s); nothing saved, {kept} "
            f"(use --save-partial, or save_partial=True, to keep the completed epochs)")
