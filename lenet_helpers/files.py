"""Atomic file writing: every artifact of the series (checkpoint, history, figure, cache).

A file is written to a temporary name in the same folder and renamed over the target with
``os.replace``, which is atomic on one file system: a reader, or a run interrupted by Ctrl-C,
sees the old file or the complete new one, never half a file.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any, Callable

import torch


def atomic_write(path: str | os.PathLike, write: Callable[[Path], None], suffix: str = ".tmp") -> Path:
    """Call ``write(tmp_path)`` then rename the temporary file to ``path`` in one step.

    The temporary file lives beside ``path`` (same file system, so ``os.replace`` is atomic)
    and is removed if ``write`` raises, KeyboardInterrupt included: ``path`` is either the
    old file or the complete new one, never a partial file. The new file gets the usual
    permissions of a new file (0666 minus the umask, e.g. rw-r--r--), not the private 0600
    of a temporary file, so a classmate or a shared course folder can read it. ``suffix`` ends
    the temporary file's name (a writer that checks extensions, as papermill does, gets ``.ipynb``).

    Returns:
        ``path`` as a ``Path``.

    Raises:
        OSError: the folder cannot be created or written (read-only, full disk, ...).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent)
    os.close(fd)
    tmp = Path(tmp)
    try:
        write(tmp)
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~current_umask())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def current_umask() -> int:
    """The process's umask (e.g. 0o022): what a new file's or folder's permissions leave out."""
    mask = os.umask(0)  # reading the umask means setting it: put it straight back
    os.umask(mask)
    return mask


def file_in_the_way(path: str | os.PathLike) -> Path | None:
    """The file, if any, that stands where a folder above ``path`` should be: the nearest existing
    path above ``path`` when it is not a folder (so ``path`` can never be made), else None."""
    existing = next((p for p in Path(path).parents if p.exists()), None)
    return existing if existing is not None and not existing.is_dir() else None


def atomic_torch_save(obj: Any, path: str | os.PathLike) -> Path:
    """``torch.save(obj, path)`` through :func:`atomic_write`."""

    return atomic_write(path, lambda tmp: torch.save(obj, tmp))
