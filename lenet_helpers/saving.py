"""Saving a training run without ever losing a good model.

Three rules, each for a way the hostile-class trial lost work:

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
``--save-partial``); then it saves the last *completed* epoch's weights, which
:func:`lenet_helpers.train` restores when it is interrupted.
"""
from __future__ import annotations

import os
import re
import secrets
import shutil
import tempfile
from pathlib import Path

import pandas as pd

#: Room kept free beyond the files' own size when checking a destination (bytes).
SPARE_BYTES = 1_000_000


class SaveError(RuntimeError):
    """A destination that cannot take the checkpoint or history, or a run that should not be saved."""


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
    for parent in [path.parent, *path.parent.parents]:
        if parent.exists():
            if not parent.is_dir():
                raise SaveError(f"{path} cannot be written: {parent} is a file, not a folder; {fix}")
            break
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


def save_training_run(model, history: pd.DataFrame, checkpoint: str | os.PathLike | None = None,
                      history_csv: str | os.PathLike | None = None, partial: bool = False,
                      **metadata) -> tuple[Path, Path]:
    """Save the checkpoint and the history CSV as one unit: both new, or both as they were.

    Both are written to hidden temporary files beside their targets
    (:func:`~lenet_helpers.checkpoint.save_checkpoint`, :func:`~lenet_helpers.checkpoint.save_history`),
    then renamed over the targets; if anything fails before the second rename is done, the
    first is undone (the old checkpoint comes back from a hard link made beforehand) and the
    temporary files are removed.

    Args:
        model, history: what :func:`lenet_helpers.train` trained and returned.
        checkpoint, history_csv: default ``artifacts/lenet5_mnist.pt`` and ``artifacts/training_history.csv``.
        partial: save a run that was interrupted (its history is marked so by ``train``);
            without it such a run is refused, so a stopped run never replaces a good model.
        **metadata: passed to :func:`~lenet_helpers.checkpoint.save_checkpoint` (``test_acc=``, ``seed=``...).

    Returns:
        ``(checkpoint path, history path)``.

    Raises:
        SaveError: an interrupted run without ``partial=True``, an empty history, or a
            destination that cannot be written (nothing is changed then).
    """
    from .checkpoint import save_checkpoint, save_history
    from .settings import checkpoint_path, history_path

    ckpt = Path(checkpoint or checkpoint_path()).absolute()
    csv = Path(history_csv or history_path()).absolute()
    if ckpt == csv:
        raise SaveError(f"{ckpt}: the checkpoint and the history must be two different files")
    if history is None or history.empty:
        raise SaveError("no epoch was completed: nothing to save")
    if history.attrs.get("interrupted") and not partial:
        raise SaveError(f"training was interrupted after {len(history)} completed epoch(s): not saving over "
                        f"{ckpt} (pass partial=True, or --save-partial, to save the completed epochs)")
    for path, what in ((ckpt, "checkpoint"), (csv, "history")):
        check_destination(path, what=what)
    tmp_ckpt, tmp_csv, backup = _temp_name(ckpt), _temp_name(csv), None
    replaced = False
    try:
        save_checkpoint(tmp_ckpt, model, history, partial=partial, **metadata)
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
    if backup is not None:
        backup.unlink(missing_ok=True)
    return ckpt, csv


def reconcile_history(checkpoint: str | os.PathLike, history_csv: str | os.PathLike, metadata: dict) -> bool:
    """Rebuild ``history_csv`` from the checkpoint's own copy when the two disagree; True if rebuilt.

    Only a hard kill between the two renames of :func:`save_training_run` (or a history
    saved by hand) can leave them out of step; the checkpoint is the authority.
    """
    from .checkpoint import HISTORY_COLUMNS, save_history

    stored = metadata.get("history")
    if not isinstance(stored, dict) or not all(c in stored for c in HISTORY_COLUMNS):
        return False
    expected = pd.DataFrame(stored)
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
    print(f"{history_csv} did not match {checkpoint} (an interrupted save?): rebuilt it from the checkpoint.")
    return True
