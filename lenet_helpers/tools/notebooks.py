"""Executing the notebook series headless in a real Jupyter kernel (papermill), with a summary.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
from traitlets.config import Config

from lenet_helpers.files import atomic_write
from lenet_helpers.readings.text import count
from lenet_helpers.settings import REPO_ROOT, artifacts_dir, checkpoint_path, display_path
from lenet_helpers.training.checkpoint import load_checkpoint

NOTEBOOKS_DIR = REPO_ROOT / "notebooks"


class NotebookError(RuntimeError):
    """A notebook raised while executing; the message names the notebook and the cell."""


def notebook_paths(folder: str | os.PathLike = NOTEBOOKS_DIR) -> list[Path]:
    """The numbered notebooks ``NN_*.ipynb`` of ``folder``, in order."""
    return sorted(p for p in Path(folder).glob("[0-9][0-9]_*.ipynb"))


@contextmanager
def _headless_kernel_env():
    # A non-inline MPLBACKEND (e.g. Agg from a CI setting) would keep figures out of the
    # executed notebooks; the kernel's own inline backend must be used. Progress bars are
    # turned off: papermill does not save widget state, so a bar would be stored as a stale
    # "0%" line above the training log.
    saved = {k: os.environ.get(k) for k in ("MPLBACKEND", "TQDM_DISABLE")}
    os.environ.pop("MPLBACKEND", None)
    os.environ["TQDM_DISABLE"] = "1"
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@contextmanager
def _kernel_config():
    """The kernel's config for one run.

    The kernel is local: talking to it over Unix sockets (IPC) instead of TCP keeps it off the
    network, and ipykernel then does not print its warning that TCP traffic is unencrypted
    (Windows has no IPC transport, so it keeps TCP there). The socket files go to a temporary
    folder removed afterwards (by default they are made in the notebook's folder, where a run
    stopped with Ctrl-C left them behind).
    """
    if os.name == "nt":
        yield Config({"KernelManager": {"transport": "tcp"}})
        return
    folder = tempfile.mkdtemp(prefix="lenet-kernel-")
    try:
        yield Config({"KernelManager": {"transport": "ipc", "ip": os.path.join(folder, "kernel")}})
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def run_notebook(path: str | os.PathLike, output_dir: str | os.PathLike | None = None,
                 parameters: dict | None = None, timeout: int = 3600) -> tuple[Path, float]:
    """Execute one notebook top to bottom in a fresh ``python3`` kernel (papermill).

    Args:
        parameters: values injected after the cell tagged ``parameters`` (e.g. ``{"EPOCHS": 1}``).
        output_dir: where the executed copy goes; default ``artifacts/notebooks``.
        timeout: seconds any one cell may take.

    The notebook is executed into a hidden file beside the copy and renamed over it only when
    every cell ran, so ``output_dir`` never holds a half-executed copy that the site or
    ``make site`` would take for a finished one, and a failed run keeps the last good copy.

    Returns:
        ``(executed copy's path, wall time in seconds)``.

    Raises:
        NotebookError: a cell raised; the message names the notebook, the cell and the error,
            and where the failed run's copy (with the traceback) is: ``<output_dir>/failed/``.
    """
    import papermill as pm

    path = Path(path)
    out_dir = Path(output_dir) if output_dir else artifacts_dir() / "notebooks"
    out_dir.mkdir(parents=True, exist_ok=True)
    output, failed = out_dir / path.name, out_dir / "failed" / path.name

    def execute(tmp: Path) -> None:
        try:
            with _kernel_config() as config:
                pm.execute_notebook(str(path), str(tmp), parameters=parameters or {}, kernel_name="python3",
                                    cwd=str(path.parent), progress_bar=False, execution_timeout=timeout,
                                    config=config)
        except pm.PapermillExecutionError:
            failed.parent.mkdir(exist_ok=True)
            os.replace(tmp, failed)  # kept for its traceback, away from the finished copies
            raise

    start = time.perf_counter()
    with _headless_kernel_env():
        try:
            atomic_write(output, execute, suffix=".ipynb")
        except pm.PapermillExecutionError as exc:
            first_line = exc.source.strip().splitlines()[0] if exc.source.strip() else ""
            raise NotebookError(
                f"{path.name} failed in cell {exc.exec_count} (`{first_line}`): {exc.ename}: {exc.evalue}\n"
                f"The executed copy with the traceback is {failed}"
            ) from None
    return output, time.perf_counter() - start


def run_notebooks(paths=None, output_dir=None, parameters: dict | None = None, echo=print) -> pd.DataFrame:
    """Execute the numbered notebooks in order; stop at the first failure.

    Returns:
        A DataFrame: notebook, seconds (wall time), executed copy.

    Raises:
        NotebookError: from the first notebook that fails.
    """
    rows = []
    for path in paths or notebook_paths():
        echo(f"Running {Path(path).name} ...")
        output, seconds = run_notebook(path, output_dir, parameters)
        echo(f"  done in {seconds:.1f} s -> {output}")
        rows.append({"notebook": Path(path).name, "seconds": round(seconds, 1), "executed copy": str(output)})
    return pd.DataFrame(rows)


def summary(results: pd.DataFrame, started: float | None = None) -> str:
    """The end-of-run summary: each notebook's wall time, then the LeNet-5 checkpoint's accuracy.

    Args:
        results: what :func:`run_notebooks` returned.
        started: when the run began (``time.time()``, seconds since the epoch). A checkpoint
            written before then is reported as one from an earlier run, with its save time, so
            ``run --only 03`` does not seem to have produced a model it only found.
    """
    lines = ["", "Summary", "=======", results[["notebook", "seconds"]].to_string(index=False),
             f"total: {results['seconds'].sum():.1f} s"]
    path = checkpoint_path()
    try:
        _, meta = load_checkpoint(path)
    except (FileNotFoundError, RuntimeError) as exc:
        lines.append(f"no checkpoint to report: {exc}")
        return "\n".join(lines)
    if started is not None and path.stat().st_mtime < started:
        saved = str(meta.get("saved_at", "at an unknown time")).replace("T", " ")
        lines.append(f"LeNet-5 checkpoint {display_path(path)}: not trained in this run (saved {saved})")
    else:
        lines.append(f"LeNet-5 checkpoint {display_path(path)}: trained in this run")
    lines.append(f"after {count(meta.get('epochs'), 'epoch')}: valid accuracy {meta.get('valid_acc'):.2f}%, "
                 f"test accuracy {meta.get('test_acc'):.2f}%")
    return "\n".join(lines)
