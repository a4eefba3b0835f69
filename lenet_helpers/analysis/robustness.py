"""The invariance lab's measurements (notebook 13): test accuracy while the digits are distorted
(:mod:`lenet_helpers.data.distortions`), where each curve breaks, and how a model reads the
fixed drawn set.
"""
from __future__ import annotations

from typing import Callable

import pandas as pd
import torch
from torch import nn

from lenet_helpers.analysis.evaluation import predict
from lenet_helpers.data.distortions import TRANSFORMS
from lenet_helpers.data.mnist import mnist_datasets
from lenet_helpers.data.preprocessing import to_model_input
from lenet_helpers.digits.page import load_image


def mnist_test_digits(subset: int | None = None, root=None) -> tuple[torch.Tensor, torch.Tensor]:
    """The MNIST test digits as 28x28 floats in [0, 1] with their labels.

    Args:
        subset: keep the first ``subset`` digits (``None``: all 10,000).

    Returns:
        ``(digits (N, 28, 28) float32, labels (N,) int64)``.

    Raises:
        MNISTNotFoundError, MNISTCorruptError: as :func:`~lenet_helpers.mnist_datasets`.
    """

    _, test = mnist_datasets(root)
    digits, labels = test.data, test.targets
    if subset is not None:
        digits, labels = digits[:subset], labels[:subset]
    return digits.float() / 255, labels.long()


@torch.no_grad()
def accuracy_under(model: nn.Module, digits: torch.Tensor, labels: torch.Tensor, transform: str | Callable,
                   levels, batch_size: int = 1000) -> pd.DataFrame:
    """Test accuracy (%) of ``model`` with the digits transformed at each level.

    Args:
        model: any classifier; its ``preprocessing`` attribute (default ``"resize32"``) says
            how 28x28 digits become its input (:func:`to_model_input`).
        digits: ``(N, 28, 28)`` in [0, 1] (:func:`mnist_test_digits`); labels ``(N,)``.
        transform: a name of :data:`TRANSFORMS` or a function ``(digits, level) -> digits``.
        levels: the levels to try, in order.

    Returns:
        A DataFrame with one row per level: ``level``, ``accuracy`` (%), ``errors`` (count).

    Raises:
        ValueError: unknown transformation name.
    """
    if isinstance(transform, str):
        if transform not in TRANSFORMS:
            raise ValueError(f"unknown transformation {transform!r}; choose one of {list(TRANSFORMS)}")
        transform = TRANSFORMS[transform][0]
    model.eval()
    device = next(model.parameters()).device
    prep = getattr(model, "preprocessing", "resize32")
    rows = []
    for level in levels:
        correct = 0
        for start in range(0, len(digits), batch_size):
            x = to_model_input(transform(digits[start:start + batch_size], level), prep).to(device)
            correct += int((model(x).argmax(1).cpu() == labels[start:start + batch_size]).sum())
        rows.append({"level": level, "accuracy": 100.0 * correct / len(digits), "errors": len(digits) - correct})
    return pd.DataFrame(rows)


def invariance_curves(models: dict[str, nn.Module], digits: torch.Tensor, labels: torch.Tensor,
                      transforms: dict | None = None) -> pd.DataFrame:
    """:func:`accuracy_under` for every model and every transformation of the lab.

    Args:
        models: display name -> model (e.g. ``{"default": m, "augmented": m_aug}``).
        transforms: name -> (function, levels, axis label); default :data:`TRANSFORMS`.

    Returns:
        Long DataFrame: ``model``, ``transform``, ``level``, ``accuracy`` (%), ``errors``.
    """
    frames = []
    for tname, (fn, levels, _) in (transforms or TRANSFORMS).items():
        for mname, model in models.items():
            df = accuracy_under(model, digits, labels, fn, levels)
            df.insert(0, "transform", tname)
            df.insert(0, "model", mname)
            frames.append(df)
    return pd.concat(frames, ignore_index=True)


def breaking_point(curve: pd.DataFrame, threshold: float = 90.0):
    """The first level (in the curve's order, identity first) where accuracy falls below
    ``threshold`` %, or ``None`` if it never does. ``curve``: columns ``level``, ``accuracy``."""
    below = curve[curve["accuracy"] < threshold]
    return None if below.empty else below.iloc[0]["level"]


def break_changes(curves: pd.DataFrame, threshold: float = 90.0, reference: str | None = None) -> pd.DataFrame:
    """How each model's break (first level below ``threshold`` %) compares with a reference model's.

    Levels are compared by their position in the curve (:data:`TRANSFORMS` lists them from the
    identity to the harshest), so "later" means "at a harsher level" whether the levels grow
    (shift) or shrink (smaller, resolution). A curve that never falls below the threshold breaks
    after its harshest level.

    Args:
        curves: :func:`invariance_curves`' DataFrame.
        reference: the model the others are compared with (default: the first in ``curves``).

    Returns:
        One row per (transformation, other model): ``transform``, ``model``, ``reference_break``,
        ``break`` (levels, ``None`` = never below) and ``change``: ``"later"``, ``"earlier"`` or
        ``"unchanged"``.

    Raises:
        ValueError: ``reference`` is not a model of ``curves``.
    """
    names = list(dict.fromkeys(curves["model"]))
    reference = names[0] if reference is None else reference
    if reference not in names:
        raise ValueError(f"unknown reference model {reference!r}; the curves have {names}")
    rows = []
    for tname, group in curves.groupby("transform", sort=False):
        ref = group[group["model"] == reference]
        ref_break = breaking_point(ref, threshold)
        levels = list(ref["level"])

        def position(b):
            return len(levels) if b is None else levels.index(b)

        for mname in names:
            if mname == reference:
                continue
            b = breaking_point(group[group["model"] == mname], threshold)
            step = position(b) - position(ref_break)
            rows.append({"transform": tname, "model": mname, "reference_break": ref_break, "break": b,
                         "change": "later" if step > 0 else "earlier" if step < 0 else "unchanged"})
    return pd.DataFrame(rows, columns=["transform", "model", "reference_break", "break", "change"], dtype=object)


@torch.no_grad()
def drawn_readings(model: nn.Module, drawn: pd.DataFrame, normalize_stroke: bool = True) -> pd.DataFrame:
    """The model's reading of every image of :func:`~lenet_helpers.drawn_digit_set`, through :func:`~lenet_helpers.load_image`.

    Each image is prepared in the preprocessing ``model`` declares (``resize32`` for LeNet-5,
    ``pad32`` for ``lenet5_1998``, ``raw28`` for the 28x28 networks), so any registered network
    can be compared on the same drawings.

    Returns:
        ``drawn`` without the images, plus ``predicted``, ``confidence`` (softmax probability
        of the reading, 0-1) and ``correct`` (bool).
    """

    x = torch.stack([load_image(img, model=model, normalize_stroke=normalize_stroke) for img in drawn["image"]])
    predicted, probabilities = predict(model, x)
    out = drawn.drop(columns="image").copy()
    out["predicted"] = predicted.numpy()
    out["confidence"] = probabilities.max(1).values.numpy()
    out["correct"] = out["predicted"] == out["digit"]
    return out
