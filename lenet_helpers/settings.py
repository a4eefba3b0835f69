"""Paths, device choice, seeding and the version stamp shared by every notebook.

The repository layout is fixed: ``data/`` holds MNIST, ``artifacts/`` holds what the
notebooks produce (checkpoint, history, figures, executed notebooks). Both can be moved
with environment variables, which is how the tests run the notebooks in a temporary folder.
"""
from __future__ import annotations

import os
import platform
import random
from pathlib import Path

import matplotlib
import numpy as np
import pandas
import torch
import torchvision

#: The repository root (the folder holding ``pyproject.toml``), found from this file.
REPO_ROOT = Path(__file__).resolve().parent.parent
#: The shipped reference model and benchmark results (package data, ``lenet_helpers/reference/``).
REFERENCE_DIR = Path(__file__).resolve().parent / "reference"

#: Name of the checkpoint notebook 04 writes and notebooks 05-09 and 11-13 read.
CHECKPOINT_NAME = "lenet5_mnist.pt"
#: Name of the per-epoch training history (CSV) notebook 04 writes.
HISTORY_NAME = "training_history.csv"


def data_dir() -> Path:
    """Folder MNIST is downloaded to: ``$LENET_DATA_DIR`` if set, else the repository's ``data/``.

    torchvision puts the four raw files in ``<data_dir>/MNIST/raw/``.
    """
    env = os.environ.get("LENET_DATA_DIR")
    return Path(env).expanduser().resolve() if env else REPO_ROOT / "data"


def artifacts_dir() -> Path:
    """Folder for checkpoints, histories, figures and executed notebooks.

    ``$LENET_ARTIFACTS_DIR`` if set (the tests use a temporary folder), else the
    repository's ``artifacts/``. Only the path: nothing is created here (so a
    ``$LENET_ARTIFACTS_DIR`` that is a file or read-only cannot break ``--help`` or reading);
    the folder is made when something is written into it (:func:`lenet_helpers.files.atomic_write`).
    """
    env = os.environ.get("LENET_ARTIFACTS_DIR")
    return Path(env).expanduser().resolve() if env else REPO_ROOT / "artifacts"


def figures_dir() -> Path:
    """``artifacts_dir()/figures``: figures are saved there as PNG (the folder is made on the first save)."""
    return artifacts_dir() / "figures"


def display_path(path: str | os.PathLike) -> str:
    """``path`` as a student should read it: relative to the artifacts or repository folder when inside one.

    Outputs of executed notebooks then carry no absolute path of the machine that made them
    (``artifacts/models/lenet5.pt`` rather than ``/home/ana/course/artifacts/models/lenet5.pt``).
    Inside a ``$LENET_ARTIFACTS_DIR`` elsewhere the path starts with that variable's name
    (``$LENET_ARTIFACTS_DIR/lenet5_mnist.pt``), which a shell expands to the real place.
    """
    path = Path(path).resolve()
    art = artifacts_dir()
    named = "artifacts" if art == (REPO_ROOT / "artifacts").resolve() else "$LENET_ARTIFACTS_DIR"
    for base, prefix in ((art, Path(named)), (REPO_ROOT, Path("."))):
        try:
            return str(prefix / path.relative_to(base))
        except ValueError:
            continue
    return str(path)


def models_dir() -> Path:
    """``artifacts_dir()/models``: checkpoints of the other architectures (notebook 10); made on the first save."""
    return artifacts_dir() / "models"


def checkpoint_path() -> Path:
    """Default checkpoint path: ``artifacts_dir()/lenet5_mnist.pt``."""
    return artifacts_dir() / CHECKPOINT_NAME


def history_path() -> Path:
    """Default history path: ``artifacts_dir()/training_history.csv``."""
    return artifacts_dir() / HISTORY_NAME


_DEVICE_ANNOUNCED = False


def pick_device(verbose: bool = True) -> torch.device:
    """The fastest device present: CUDA, then Apple MPS, then the CPU.

    Prints ``Using device: ...`` the first time it is called in a process (``verbose``).
    Pattern of d2l's ``try_gpu()``, with MPS added for Apple laptops.
    """
    global _DEVICE_ANNOUNCED
    if torch.cuda.is_available():
        device = torch.device("cuda")
    elif getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        device = torch.device("mps")
    else:
        device = torch.device("cpu")
    if verbose and not _DEVICE_ANNOUNCED:
        name = torch.cuda.get_device_name(device) if device.type == "cuda" else platform.processor() or "CPU"
        print(f"Using device: {device} ({name})")
        _DEVICE_ANNOUNCED = True
    return device


def set_seed(seed: int) -> None:
    """Seed Python's, NumPy's and PyTorch's generators (all devices) with ``seed``.

    Called explicitly in each notebook's settings cell, never at import
    (the stat453 ``set_all_seeds`` habit).
    """
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # also seeds CUDA and MPS


def versions() -> dict[str, str]:
    """Versions of Python and the libraries the series depends on, as strings."""
    import sklearn

    return {  # str(): torch.__version__ is a TorchVersion, which weights_only loading refuses
        "python": platform.python_version(),
        "torch": str(torch.__version__),
        "torchvision": str(torchvision.__version__),
        "numpy": str(np.__version__),
        "pandas": str(pandas.__version__),
        "matplotlib": str(matplotlib.__version__),
        "scikit-learn": str(sklearn.__version__),
    }


def version_stamp(device: torch.device | None = None) -> str:
    """One line for the top of each notebook: Python, torch, torchvision, device, OS.

    The ``%watermark -v -p torch`` habit of rasbt's stat453 notebooks.
    """
    v = versions()
    device = device or pick_device(verbose=False)
    return (
        f"Python {v['python']} | torch {v['torch']} | torchvision {v['torchvision']} | "
        f"device {device} | {platform.system()} {platform.machine()} | {torch.get_num_threads()} CPU threads"
    )


def machine() -> str:
    """The processor, its logical CPU count, torch's thread count and version, for benchmark output.

    e.g. ``"AMD EPYC, 2 logical CPUs, 2 torch threads, torch 2.15.0+cu132"``; on a GPU its
    name is added. The processor name comes from ``/proc/cpuinfo`` where there is one (Linux).
    """
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    text = f"{cpu}, {os.cpu_count()} logical CPUs, {torch.get_num_threads()} torch threads, torch {torch.__version__}"
    if torch.cuda.is_available():
        text += f", GPU {torch.cuda.get_device_name()}"
    return text
