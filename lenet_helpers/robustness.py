"""The invariance lab: test accuracy while the digits are shifted, rotated, scaled, thinned,
thickened, blurred by lower resolution or covered in noise.

LeCun et al. (1998) chose a 32x32 input and convolutions with subsampling so that the network
tolerates "shifts, scale and distortions" (section II.A); this module measures how far that
tolerance goes. Every transformation works on the 28x28 MNIST digits (values in [0, 1],
white ink on black), before the model's own preprocessing, so that one pixel means one MNIST
pixel. Each takes ``(digits (N, 28, 28), level)`` and returns digits of the same shape.
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn

from .preprocessing import MNIST_MEAN, MNIST_STD, check_preprocessing
from .strokes import stroke_width  # noqa: F401  (part of the lab's measuring kit)

SIDE = 28


# ---------------------------------------------------------------- the transformations


def _affine(digits: torch.Tensor, angle_deg: float = 0.0, scale: float = 1.0, dx: float = 0.0) -> torch.Tensor:
    """Rotate (degrees, counter-clockwise), scale (about the centre) and shift right (pixels),
    bilinear resampling, black outside (``affine_grid`` / ``grid_sample``)."""
    n = len(digits)
    a = math.radians(angle_deg)
    # The grid maps output to input coordinates: the inverse of the wanted transformation.
    cos, sin = math.cos(a) / scale, math.sin(a) / scale
    tx = -dx * 2 / SIDE / scale
    theta = torch.tensor([[cos, -sin, tx * cos], [sin, cos, tx * sin]], dtype=torch.float32)
    theta = theta.unsqueeze(0).expand(n, 2, 3)
    x = digits.float().unsqueeze(1)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, align_corners=False, padding_mode="zeros").squeeze(1).clamp(0, 1)


def shift(digits: torch.Tensor, pixels: float) -> torch.Tensor:
    """Move the digits ``pixels`` to the right (negative: left), bilinear for fractions."""
    return _affine(digits, dx=pixels)


def rotate(digits: torch.Tensor, degrees: float) -> torch.Tensor:
    """Rotate the digits by ``degrees`` about the image centre (positive: counter-clockwise on screen)."""
    return _affine(digits, angle_deg=degrees)


def scale(digits: torch.Tensor, factor: float) -> torch.Tensor:
    """Zoom the digits by ``factor`` about the image centre (0.5: half size, 1.5: cut at the border)."""
    return _affine(digits, scale=factor)


def stroke(digits: torch.Tensor, pixels: int) -> torch.Tensor:
    """Thicker (``pixels > 0``) or thinner (``pixels < 0``) strokes by grey-level morphology.

    The digits are upsampled 2x (bilinear), then ``|pixels|`` times ``scipy.ndimage.grey_dilation``
    (thicker) or ``grey_erosion`` (thinner) with a 3x3 cross, then averaged back to 28x28:
    each step adds or removes half a pixel on each side of a stroke, so the width changes by
    about one pixel per step (MNIST's strokes are about 2.5 pixels wide, :func:`stroke_width`;
    a test checks the change).
    """
    from scipy import ndimage

    pixels = int(pixels)
    if pixels == 0:
        return digits.float().clone()
    x = F.interpolate(digits.float().unsqueeze(1), scale_factor=2, mode="bilinear", align_corners=False)
    x = x.squeeze(1).numpy()
    cross = np.zeros((1, 3, 3), dtype=bool)
    cross[0, 1, :] = cross[0, :, 1] = True
    op = ndimage.grey_dilation if pixels > 0 else ndimage.grey_erosion
    for _ in range(abs(pixels)):
        x = op(x, footprint=cross)
    x = torch.from_numpy(np.ascontiguousarray(x)).unsqueeze(1)
    return F.avg_pool2d(x, 2).squeeze(1).clamp(0, 1)


def thinner(digits: torch.Tensor, pixels: int) -> torch.Tensor:
    """Strokes about ``pixels`` pixels thinner (:func:`stroke` with ``-pixels``)."""
    return stroke(digits, -int(pixels))


def thicker(digits: torch.Tensor, pixels: int) -> torch.Tensor:
    """Strokes about ``pixels`` pixels thicker (:func:`stroke`)."""
    return stroke(digits, int(pixels))


def noise(digits: torch.Tensor, sigma: float, seed: int = 0) -> torch.Tensor:
    """Add Gaussian noise of standard deviation ``sigma`` (pixel units: 1 = full ink), clipped to [0, 1].

    The noise is drawn from a generator seeded with ``seed``, so curves are reproducible.
    """
    g = torch.Generator().manual_seed(seed)
    return (digits.float() + sigma * torch.randn(digits.shape, generator=g)).clamp(0, 1)


def resolution(digits: torch.Tensor, pixels: int) -> torch.Tensor:
    """Lower resolution: shrink the 28x28 digit to ``pixels`` x ``pixels`` (area average), then
    scale it back up to 28x28 (bilinear), as a small or distant photo would look."""
    pixels = int(pixels)
    x = digits.float().unsqueeze(1)
    if pixels < SIDE:
        x = F.interpolate(x, size=(pixels, pixels), mode="area")
        x = F.interpolate(x, size=(SIDE, SIDE), mode="bilinear", align_corners=False)
    return x.squeeze(1).clamp(0, 1)


#: The lab's transformations: name -> (function, levels, axis label). The first level of each
#: is the identity, so every curve starts at the clean accuracy.
TRANSFORMS: dict[str, tuple[Callable, list, str]] = {
    "shift": (shift, [0, 1, 2, 3, 4, 5, 6, 8], "shift right (pixels of 28)"),
    "rotation": (rotate, [0, 10, 20, 30, 40, 50, 60, 90], "rotation (degrees)"),
    "smaller": (scale, [1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4], "scale factor (smaller)"),
    "larger": (scale, [1.0, 1.1, 1.2, 1.3, 1.4, 1.6], "scale factor (larger)"),
    "thinner": (thinner, [0, 1, 2], "stroke thinner by (pixels)"),
    "thicker": (thicker, [0, 1, 2, 3, 4, 6], "stroke thicker by (pixels)"),
    "noise": (noise, [0.0, 0.1, 0.2, 0.3, 0.4, 0.6, 0.8], "Gaussian noise sigma (1 = full ink)"),
    "resolution": (resolution, [28, 20, 14, 10, 8, 7, 6], "resolution (pixels per side)"),
}


def transform(name: str, digits: torch.Tensor, level) -> torch.Tensor:
    """Apply the lab's transformation ``name`` at ``level`` to digits ``(N, 28, 28)`` in [0, 1].

    Raises:
        ValueError: unknown name (the message lists :data:`TRANSFORMS`).
    """
    if name not in TRANSFORMS:
        raise ValueError(f"unknown transformation {name!r}; choose one of {list(TRANSFORMS)}")
    return TRANSFORMS[name][0](digits, level)


# ---------------------------------------------------------------- measuring


def to_model_input(digits: torch.Tensor, preprocessing: str = "resize32") -> torch.Tensor:
    """28x28 digits in [0, 1] -> normalised model inputs ``(N, 1, H, W)``.

    ``"resize32"``: bilinear 28->32 (the reference tutorial's ``Resize((32, 32))``; for
    upscaling, torch's bilinear and PIL's agree within a few grey levels, checked by a test);
    ``"pad32"``: two black pixels on each side (LeCun et al. 1998); ``"raw28"``: unchanged.
    Then ``(x - 0.1307) / 0.3081`` as :func:`~lenet_helpers.lenet_transform`.

    Raises:
        ValueError: unknown preprocessing.
    """
    check_preprocessing(preprocessing)
    x = digits.float().unsqueeze(1)
    if preprocessing == "resize32":
        x = F.interpolate(x, size=(32, 32), mode="bilinear", align_corners=False, antialias=True)
    elif preprocessing == "pad32":
        x = F.pad(x, (2, 2, 2, 2))
    return (x - MNIST_MEAN) / MNIST_STD


def mnist_test_digits(subset: int | None = None, root=None) -> tuple[torch.Tensor, torch.Tensor]:
    """The MNIST test digits as 28x28 floats in [0, 1] with their labels.

    Args:
        subset: keep the first ``subset`` digits (``None``: all 10,000).

    Returns:
        ``(digits (N, 28, 28) float32, labels (N,) int64)``.

    Raises:
        MNISTNotFoundError, MNISTCorruptError: as :func:`~lenet_helpers.mnist_datasets`.
    """
    from .data import mnist_datasets

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


def format_level(level) -> str:
    """A transformation level as printed in tables and sentences: ``3`` not ``3.0``, ``0.7``, ``1.6``
    (``format(level, "g")``; levels are stored as floats once curves of ints and floats are concatenated)."""
    return f"{float(level):g}"


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


def _never(b) -> bool:
    return b is None or (isinstance(b, float) and math.isnan(b))


def _break_text(b, threshold: float) -> str:
    return f"never below {threshold:g}%" if _never(b) else format_level(b)


def break_summary(curves: pd.DataFrame, threshold: float = 90.0, reference: str | None = None) -> list[str]:
    """One sentence per non-reference model: for which transformations its break comes later,
    earlier or at the same level as the reference model's (:func:`break_changes`), with the levels.

    E.g. ``"Break (first level below 90%) of augmented vs default: later (at a harsher level) for shift
    (3 -> 5), larger (1.6 -> never below 90%); earlier (at a milder level) for noise (0.3 -> 0.2);
    at the same level for rotation (30)."``
    """
    changes = break_changes(curves, threshold, reference)
    reference = reference or list(dict.fromkeys(curves["model"]))[0]
    out = []
    for mname, group in changes.groupby("model", sort=False):
        parts = []
        for change, words in (("later", "later (at a harsher level)"), ("earlier", "earlier (at a milder level)"),
                              ("unchanged", "at the same level")):
            rows = group[group["change"] == change]
            if rows.empty:
                continue
            items = [f"{r['transform']} ({_break_text(r['reference_break'], threshold)})" if change == "unchanged" else
                     f"{r['transform']} ({_break_text(r['reference_break'], threshold)} -> "
                     f"{_break_text(r['break'], threshold)})" for _, r in rows.iterrows()]
            parts.append(f"{words} for {', '.join(items)}")
        out.append(f"Break (first level below {threshold:g}%) of {mname} vs {reference}: " + "; ".join(parts) + ".")
    return out


def curves_table(curves: pd.DataFrame, transforms: dict | None = None, decimals: int = 1) -> str:
    """:func:`invariance_curves`' accuracies as one small text table per transformation: the
    levels as columns (:func:`format_level`), one row per model, accuracies (%) rounded to
    ``decimals`` (the rounding of :func:`curves_report`, so both print the same numbers)."""
    transforms = transforms or TRANSFORMS
    blocks = []
    for tname, group in curves.groupby("transform", sort=False):
        label = transforms[tname][2] if tname in transforms else tname
        levels = list(dict.fromkeys(group["level"]))
        table = group.pivot(index="model", columns="level", values="accuracy")
        table = table.loc[list(dict.fromkeys(group["model"])), levels]
        table.columns = [format_level(v) for v in levels]
        table.index.name = None
        text = table.to_string(float_format=lambda v: f"{v:.{decimals}f}")
        blocks.append(f"{tname}: {label}\n{text}")
    return "\n\n".join(blocks)


def curves_report(curves: pd.DataFrame, threshold: float = 90.0, transforms: dict | None = None) -> list[str]:
    """One sentence per transformation reading :func:`invariance_curves`' numbers.

    For each transformation and model: the clean accuracy, the first level where accuracy
    falls below ``threshold`` % (the "break"), and the accuracy at the harshest level; then,
    with several models, whether each other model's break comes later, earlier or at the same
    level as the first model's (:func:`break_changes`), and which model keeps the most accuracy
    at the harshest level. Levels are read in :data:`TRANSFORMS`' order, which runs from the
    identity to the harshest level, and printed with :func:`format_level`.
    """
    transforms = transforms or TRANSFORMS
    changes = break_changes(curves, threshold) if curves["model"].nunique() > 1 else None
    lines = []
    for tname, group in curves.groupby("transform", sort=False):
        label = transforms[tname][2] if tname in transforms else tname
        parts, last = [], {}
        for mname, curve in group.groupby("model", sort=False):
            b = breaking_point(curve, threshold)
            last[mname] = curve.iloc[-1]
            parts.append(f"{mname}: {curve.iloc[0]['accuracy']:.1f}% clean, "
                         + (f"below {threshold:g}% from {format_level(b)}" if b is not None
                            else f"never below {threshold:g}%")
                         + f", {curve.iloc[-1]['accuracy']:.1f}% at {format_level(curve.iloc[-1]['level'])}")
        line = f"{tname} ({label}): " + "; ".join(parts) + "."
        if changes is not None:
            moves = changes[changes["transform"] == tname]
            line += " " + " ".join(
                f"The break stays at the same level for {r['model']}." if r["change"] == "unchanged" else
                f"The break moves {r['change']} for {r['model']} ({_break_text(r['reference_break'], threshold)} -> "
                f"{_break_text(r['break'], threshold)})." for _, r in moves.iterrows())
            best = max(last, key=lambda m: last[m]["accuracy"])
            spread = max(r["accuracy"] for r in last.values()) - min(r["accuracy"] for r in last.values())
            line += f" At the harshest level {best} keeps {spread:.1f} points more."
        lines.append(line)
    return lines


# ---------------------------------------------------------------- students' handwriting

#: (image side, pen width) pairs of :func:`drawn_digit_set`, both in pixels: a 200-pixel
#: "photo" with pens from a fine pencil (2) to a fat marker (40), and small, low-resolution
#: images (64 and 32 pixels) with thin to thick pens.
DRAWN_STYLES = [(200, 2), (200, 4), (200, 8), (200, 16), (200, 28), (200, 40),
                (64, 1), (64, 3), (64, 10), (32, 1), (32, 2), (32, 5)]


def drawn_digit_set(repeats: int = 3, seed: int = 0, styles=None) -> pd.DataFrame:
    """A fixed set of varied drawn digits: every digit 0-9 in every pen/size style, ``repeats`` times.

    Each image is :func:`~lenet_helpers.draw_digit` with a random offset (up to 15% of the
    side) and height (45-75% of the side) drawn from ``numpy.random.default_rng(seed)``, and
    its own jitter seed: the same arguments give the same images on every machine.

    Returns:
        A DataFrame with columns ``image`` (PIL RGB), ``digit``, ``size`` and ``thickness``
        (pixels), one row per image: ``repeats x 10 x len(styles)`` rows (360 by default).
    """
    from .images import draw_digit

    rng = np.random.default_rng(seed)
    rows = []
    for r in range(repeats):
        for size, thickness in styles or DRAWN_STYLES:
            for digit in range(10):
                off = rng.uniform(-0.15, 0.15, 2) * size
                height = rng.uniform(0.45, 0.75)
                img = draw_digit(digit, size=size, thickness=thickness, offset=(int(off[0]), int(off[1])),
                                 scale=height, seed=int(rng.integers(1 << 30)))
                rows.append({"image": img, "digit": digit, "size": size, "thickness": thickness})
    return pd.DataFrame(rows)


@torch.no_grad()
def drawn_readings(model: nn.Module, drawn: pd.DataFrame, normalize_stroke: bool = True) -> pd.DataFrame:
    """The model's reading of every image of :func:`drawn_digit_set`, through :func:`~lenet_helpers.load_image`.

    Returns:
        ``drawn`` without the images, plus ``predicted``, ``confidence`` (softmax probability
        of the reading, 0-1) and ``correct`` (bool).
    """
    from .evaluation import predict
    from .images import load_image

    x = torch.stack([load_image(img, normalize_stroke=normalize_stroke) for img in drawn["image"]])
    predicted, probabilities = predict(model, x)
    out = drawn.drop(columns="image").copy()
    out["predicted"] = predicted.numpy()
    out["confidence"] = probabilities.max(1).values.numpy()
    out["correct"] = out["predicted"] == out["digit"]
    return out
