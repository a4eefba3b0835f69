"""MNIST loading, the train/valid/test splits, and the splits as preprocessed tensors.

Two pipelines give the same pixels:

* the *classic* one (notebooks 01-02, the benchmark's baseline): ``torchvision.datasets.MNIST``
  with :func:`lenet_transform` applied to each PIL image inside a ``DataLoader``;
* the *fast* one (:func:`mnist_tensors`, used by :func:`lenet_helpers.train`): the same resize
  applied once to all 70,000 digits, cached under ``data/``, kept as tensors on the training
  device and cut into batches by :class:`TensorBatches`.
"""
from __future__ import annotations

import gzip
import hashlib
import os
from pathlib import Path
from typing import Iterator, NamedTuple

import numpy as np
import torch
from torch.utils.data import DataLoader, Subset, TensorDataset
from torchvision import datasets

from lenet_helpers.data.preprocessing import (
    check_preprocessing,
    lenet_transform,
    normalize_pixels,
    prepare_images,
    resize_all,
)
from lenet_helpers.files import atomic_torch_save
from lenet_helpers.settings import data_dir, pick_device

#: Size of the fixed validation split taken out of the 60,000 training digits.
VALID_SIZE = 5000


#: The four raw files torchvision reads, with their byte sizes and idx magic numbers.
RAW_FILES = {
    "train-images-idx3-ubyte": (60000 * 784 + 16, 2051),
    "train-labels-idx1-ubyte": (60000 + 8, 2049),
    "t10k-images-idx3-ubyte": (10000 * 784 + 16, 2051),
    "t10k-labels-idx1-ubyte": (10000 + 8, 2049),
}


# yann.lecun.com answers 403/404 (pytorch/vision#8568, pytorch/pytorch#164238): the
# ossci-datasets mirror is tried first.
MIRRORS = ["https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"]


_CACHE_VERSION = 1


class MNISTNotFoundError(FileNotFoundError):
    """MNIST is not on disk and could not be downloaded."""


class MNISTCorruptError(RuntimeError):
    """A raw MNIST file on disk is truncated or is not an idx file."""


def raw_dir(root: str | os.PathLike | None = None) -> Path:
    """Folder torchvision reads the four raw files from: ``<root>/MNIST/raw``."""
    return Path(root if root is not None else data_dir()) / "MNIST" / "raw"


def check_raw_files(root: str | os.PathLike | None = None) -> bool:
    """Check the raw MNIST files under ``root`` before torchvision reads them.

    Returns True when all four are present and sound, False when any is absent.

    Raises:
        MNISTCorruptError: a file has the wrong size or magic number (an interrupted or
            corrupted download); the message names the file and says to delete it.
    """
    folder = raw_dir(root)
    if not all((folder / name).is_file() for name in RAW_FILES):
        return False
    for name, (size, magic) in RAW_FILES.items():
        path = folder / name
        actual = path.stat().st_size
        with open(path, "rb") as f:
            head = int.from_bytes(f.read(4), "big")
        if actual != size or head != magic:
            raise MNISTCorruptError(
                f"{path} is truncated or corrupted ({actual:,} bytes, idx magic {head}; expected "
                f"{size:,} bytes, magic {magic}). Delete it and run again to download it anew, "
                f"or copy a good file there."
            )
    return True


def _check_archives(folder: Path) -> None:
    """Raise MNISTCorruptError naming a ``.gz`` in ``folder`` that torchvision would fail to unpack.

    A damaged archive otherwise surfaces as "could not be downloaded" (torchvision re-downloads
    when the checksum fails, which is impossible offline) without naming the file.
    """

    for name, (size, magic) in RAW_FILES.items():
        gz = folder / f"{name}.gz"
        if (folder / name).is_file() or not gz.is_file():
            continue
        try:
            with gzip.open(gz, "rb") as f:
                head = f.read(4)
                length = 4 + sum(len(chunk) for chunk in iter(lambda: f.read(1 << 20), b""))
            problem = None if (int.from_bytes(head, "big") == magic and length == size) else \
                f"unpacks to {length:,} bytes, expected {size:,}"
        except (OSError, EOFError) as exc:
            problem = str(exc) or type(exc).__name__
        if problem:
            raise MNISTCorruptError(f"{gz} is damaged ({problem}): delete it and run again to download it anew, "
                                    f"or copy a good file there")


def _missing_message(folder: Path, reason: str) -> str:
    """One line: where MNIST was looked for, why it could not be downloaded, the four files to put there."""
    return (f"MNIST is not in {folder} and could not be downloaded ({reason}); put the four raw files there "
            f"({', '.join(RAW_FILES)}, unpacked or as the .gz files from {MIRRORS[0]}), or point LENET_DATA_DIR "
            f"at a folder that holds MNIST/raw/")


def _download_reason(exc: Exception) -> str:
    """torchvision's download error in a few words: it pastes every mirror's error over several lines."""
    text = str(exc)
    if "urlopen error" in text or isinstance(exc, OSError):
        detail = next((line.strip() for line in text.splitlines() if "urlopen error" in line), "")
        return "no connection to the download mirrors" + (f": {detail}" if detail else "")
    first = text.strip().splitlines()[0] if text.strip() else ""
    return f"{type(exc).__name__}: {first}".rstrip(": ")


def mnist_datasets(root: str | os.PathLike | None = None, download: bool = True, transform=None):
    """The 60,000 training and 10,000 test digits as ``torchvision.datasets.MNIST``.

    Args:
        root: folder holding ``MNIST/raw``; defaults to :func:`~lenet_helpers.settings.data_dir`
            (the repository's ``data/``, or ``$LENET_DATA_DIR``).
        download: fetch the files when absent, from the ossci-datasets mirror first.
        transform: applied to each PIL image (28x28, mode ``L``); ``None`` leaves PIL images.

    Returns:
        ``(train, test)``; items are ``(image, label)`` with label an int 0-9.

    Raises:
        MNISTNotFoundError: files absent and the download failed (or ``download=False``);
            the message names the four raw files and the folder to put them in.
        MNISTCorruptError: a raw file on disk is truncated or corrupted.
    """
    root = Path(root if root is not None else data_dir())
    if not check_raw_files(root):
        _check_archives(raw_dir(root))
        if not download:
            raise MNISTNotFoundError(_missing_message(raw_dir(root), "download=False"))
        old = datasets.MNIST.mirrors
        datasets.MNIST.mirrors = MIRRORS
        try:
            datasets.MNIST(root=str(root), train=True, download=True)
        except Exception as exc:  # urllib, http and md5 errors all end here
            raise MNISTNotFoundError(_missing_message(raw_dir(root), _download_reason(exc))) from None
        finally:
            datasets.MNIST.mirrors = old
        check_raw_files(root)
    train = datasets.MNIST(root=str(root), train=True, download=False, transform=transform)
    test = datasets.MNIST(root=str(root), train=False, download=False, transform=transform)
    return train, test


def ink_at_border(images) -> torch.Tensor:
    """Which digits have ink (a non-zero pixel) in the outermost row or column of their image.

    MNIST's digits were size-normalised to fit a 20x20 box, then placed in 28x28 so that their
    *centre of mass* sits at the centre (LeCun, Cortes & Burges, the MNIST database page). A
    lopsided digit (a long bar, a long tail) is shifted off the box's centre by that rule, and
    some reach the edge: 813 of the 60,000 training and 107 of the 10,000 test digits.

    Args:
        images: ``(N, H, W)`` or ``(H, W)`` pixel values (uint8 0-255 or floats; 0 is background).

    Returns:
        A bool tensor ``(N,)`` (or a 0-d one for a single image): True where ink touches the border.
    """
    x = torch.as_tensor(np.asarray(images)) if not isinstance(images, torch.Tensor) else images
    ink = x > 0
    return (ink[..., 0, :].any(-1) | ink[..., -1, :].any(-1) | ink[..., :, 0].any(-1) | ink[..., :, -1].any(-1))


def split_indices(labels, valid_size: int = VALID_SIZE, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Stratified, seeded split of the training indices into (train, valid).

    ``sklearn.model_selection.train_test_split`` with ``stratify=labels``: every digit keeps
    its share in both parts. With the defaults: 55,000 training and 5,000 validation indices,
    the same on every machine. Both index arrays are sorted.
    """
    from sklearn.model_selection import train_test_split

    labels = np.asarray(labels)
    idx = np.arange(len(labels))
    train_idx, valid_idx = train_test_split(
        idx, test_size=valid_size, stratify=labels, random_state=seed, shuffle=True
    )
    return np.sort(train_idx), np.sort(valid_idx)


def mnist_splits(root=None, download: bool = True, transform=None, valid_size: int = VALID_SIZE, seed: int = 0):
    """Training digits split into train (55,000) and a fixed validation set (5,000), plus test.

    Settings are chosen on the validation split; the 10,000 test digits are scored once, at
    the end (the reference tutorial validates on the test set; notebook 04 explains why we do not).

    Args:
        transform: per-image transform, e.g. :func:`lenet_transform` (``None``: PIL images).
        valid_size: number of validation digits, taken stratified by class.
        seed: seed of the split (not of training); keep 0 to compare with the README's figures.

    Returns:
        ``(train, valid, test)``: two ``torch.utils.data.Subset`` of the MNIST training set
        and the MNIST test set.
    """
    train_full, test = mnist_datasets(root, download, transform)
    train_idx, valid_idx = split_indices(train_full.targets.numpy(), valid_size, seed)
    return Subset(train_full, train_idx.tolist()), Subset(train_full, valid_idx.tolist()), test


def mnist_loaders(batch_size: int = 32, root=None, download: bool = True, num_workers: int = 0, seed: int = 0,
                  subset: int | None = None):
    """The classic pipeline of the reference tutorial: per-image :func:`lenet_transform` in ``DataLoader`` s.

    Training loader shuffled every epoch (seeded), validation and test loaders in order.
    ``num_workers=0`` by default: worker processes break in notebooks on Windows and macOS.
    ``subset`` keeps only the first ``subset`` digits of each split (quick runs), as in
    :func:`mnist_tensors`.

    Returns:
        ``(train_loader, valid_loader, test_loader)`` yielding ``(images (B, 1, 32, 32), labels (B,))``.

    Raises:
        MNISTNotFoundError: MNIST is not in ``root`` and cannot be downloaded (offline).
        MNISTCorruptError: an MNIST file there is damaged (named in the message).
    """
    splits = mnist_splits(root, download, transform=lenet_transform())
    if subset is not None:
        splits = [Subset(split, range(min(subset, len(split)))) for split in splits]
    train, valid, test = splits
    g = torch.Generator().manual_seed(seed)
    kw = dict(batch_size=batch_size, num_workers=num_workers)
    return (
        DataLoader(train, shuffle=True, generator=g, **kw),
        DataLoader(valid, shuffle=False, **kw),
        DataLoader(test, shuffle=False, **kw),
    )


def _fingerprint(*tensors: torch.Tensor) -> str:
    h = hashlib.sha1()
    for t in tensors:
        h.update(t.contiguous().numpy().tobytes())
    return h.hexdigest()


def resized_mnist(root=None, download: bool = True, cache: bool = True) -> dict[str, torch.Tensor]:
    """All 70,000 digits resized once to 32x32, as uint8 tensors, cached in ``<root>/MNIST``.

    Returns a dict with ``train_images`` (60000, 32, 32), ``train_labels`` (60000,),
    ``test_images`` (10000, 32, 32), ``test_labels`` (10000,). The pixels are exactly those
    :func:`lenet_transform` gives before ``ToTensor`` (a test checks it). The cache file
    ``lenet32_v1.pt`` (70 MB) holds a SHA-1 of the raw digits and is rebuilt when they change.
    The cache is optional: when it cannot be written (a read-only shared dataset folder, a
    full disk) one line says so and the digits are used from memory.
    """
    train, test = mnist_datasets(root, download)
    fp = _fingerprint(train.data, train.targets, test.data, test.targets)
    cache_file = Path(train.root) / "MNIST" / f"lenet32_v{_CACHE_VERSION}.pt"
    if cache and cache_file.is_file():
        try:
            cached = torch.load(cache_file, weights_only=True)
            if cached.get("fingerprint") == fp:
                return {k: v for k, v in cached.items() if k != "fingerprint"}
        except Exception:
            pass  # unreadable cache: rebuild it below
    out = {
        "train_images": resize_all(train.data),
        "train_labels": train.targets.clone(),
        "test_images": resize_all(test.data),
        "test_labels": test.targets.clone(),
    }
    if cache:
        try:
            atomic_torch_save({**out, "fingerprint": fp}, cache_file)
        except (OSError, RuntimeError) as exc:  # read-only or full disk (torch.save raises RuntimeError)
            reason = (getattr(exc, "strerror", None) or str(exc).strip().splitlines()[0]) if str(exc) else type(exc).__name__
            print(f"Not caching the resized digits in {cache_file} ({reason}): using them from memory.")
    return out


class MNISTTensors(NamedTuple):
    """The three splits as ``TensorDataset`` s of normalised images ``(N, 1, 32, 32)`` (``(N, 1, 28, 28)``
    for the ``raw28`` preprocessing) and labels ``(N,)``."""

    train: TensorDataset
    valid: TensorDataset
    test: TensorDataset


def mnist_tensors(root=None, download: bool = True, device=None, valid_size: int = VALID_SIZE,
                  split_seed: int = 0, subset: int | None = None, cache: bool = True,
                  preprocessing: str = "resize32") -> MNISTTensors:
    """The fast pipeline's data: the splits of :func:`mnist_splits` as preprocessed tensors.

    Every image is prepared once as ``preprocessing`` asks (:mod:`lenet_helpers.data.preprocessing`:
    ``"resize32"``, the reference tutorial's resize, read from the cache of
    :func:`resized_mnist`; ``"pad32"``, LeCun et al.'s padding; ``"raw28"``), scaled and normalised
    exactly as :func:`~lenet_helpers.data.preprocessing.input_transform` does, and moved to ``device``
    (on CUDA the whole set, 290 MB at 32x32, lives on the GPU). Pass ``model.preprocessing`` to
    feed a registered model its own input.

    Args:
        device: where the tensors live; ``None`` = :func:`~lenet_helpers.settings.pick_device`.
        subset: keep only the first ``subset`` digits of each split (quick runs, tests).
        preprocessing: ``"resize32"`` (default), ``"pad32"`` or ``"raw28"``.

    Returns:
        :class:`MNISTTensors` ``(train, valid, test)``: 55,000 / 5,000 / 10,000 digits by default,
        images float32 ``(N, 1, 32, 32)`` (or ``(N, 1, 28, 28)`` for ``"raw28"``), labels int64 ``(N,)``.

    Raises:
        ValueError: an unknown preprocessing.
        MNISTNotFoundError: MNIST is not in ``data/`` and cannot be downloaded (offline).
        MNISTCorruptError: an MNIST file there is damaged (named in the message).
    """

    check_preprocessing(preprocessing)
    device = torch.device(device) if device is not None else pick_device()
    if preprocessing == "resize32":
        raw = resized_mnist(root, download, cache)
    else:
        train, test = mnist_datasets(root, download)
        raw = {"train_images": train.data, "train_labels": train.targets,
               "test_images": test.data, "test_labels": test.targets}

    def prepare(images, labels):
        if subset is not None:
            images, labels = images[:subset], labels[:subset]
        # "resize32" pixels come resized from the cache: only scale and normalise them.
        x = normalize_pixels(images) if preprocessing == "resize32" else prepare_images(images, preprocessing)
        return TensorDataset(x.to(device), labels.long().to(device))

    train_idx, valid_idx = split_indices(raw["train_labels"].numpy(), valid_size, split_seed)
    ti, vi = torch.from_numpy(train_idx), torch.from_numpy(valid_idx)
    return MNISTTensors(
        prepare(raw["train_images"][ti], raw["train_labels"][ti]),
        prepare(raw["train_images"][vi], raw["train_labels"][vi]),
        prepare(raw["test_images"], raw["test_labels"]),
    )


class TensorBatches:
    """Mini-batches cut straight from in-memory tensors: a ``DataLoader`` without per-sample work.

    A ``DataLoader`` over a dataset calls ``__getitem__`` and the transform once per image and
    collates the results; here one index tensor selects a whole batch at once, on the device
    the tensors live on. That is what makes :func:`lenet_helpers.train` fast on a laptop CPU.

    Args:
        dataset: a ``TensorDataset`` of ``(images (N, ...), labels (N,))``.
        batch_size: images per batch (the last batch may be smaller).
        shuffle: a new random order each epoch, drawn from ``generator`` (a CPU ``torch.Generator``).

    Yields:
        ``(images (B, ...), labels (B,))`` on the dataset's device.

    Raises:
        ValueError: ``batch_size`` below 1.
    """

    def __init__(self, dataset: TensorDataset, batch_size: int = 32, shuffle: bool = False,
                 generator: torch.Generator | None = None):
        if batch_size < 1:
            raise ValueError(f"batch_size must be a positive number of images, got {batch_size}")
        self.images, self.labels = dataset.tensors
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.generator = generator

    def __len__(self) -> int:
        return (len(self.labels) + self.batch_size - 1) // self.batch_size

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        n, bs = len(self.labels), self.batch_size
        if not self.shuffle:
            for start in range(0, n, bs):
                yield self.images[start:start + bs], self.labels[start:start + bs]
            return
        order = torch.randperm(n, generator=self.generator).to(self.images.device)
        for start in range(0, n, bs):
            idx = order[start:start + bs]
            yield self.images[idx], self.labels[idx]
