"""Distortions of 28x28 MNIST digits: the invariance lab's transformations and training-time augmentation.

LeCun et al. (1998) chose a 32x32 input and convolutions with subsampling so that the network
tolerates "shifts, scale and distortions" (section II.A); notebook 13 measures how far that
tolerance goes with these. Every transformation works on the 28x28 MNIST digits (values in
[0, 1], white ink on black), before the model's own preprocessing, so that one pixel means one
MNIST pixel. Each takes ``(digits (N, 28, 28), level)`` and returns digits of the same shape.
:func:`random_affine` is the random affine augmentation of ``train(augment=True)``.
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F
from scipy import ndimage

from lenet_helpers.data.preprocessing import MNIST_MEAN, MNIST_STD, check_digits

SIDE = 28


def _affine(digits: torch.Tensor, angle_deg: float = 0.0, scale: float = 1.0, dx: float = 0.0) -> torch.Tensor:
    """Rotate (degrees, counter-clockwise), scale (about the centre) and shift right (pixels),
    bilinear resampling, black outside (``affine_grid`` / ``grid_sample``)."""
    n = len(check_digits(digits))
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
    about one pixel per step (MNIST's strokes are about 2.5 pixels wide, :func:`~lenet_helpers.stroke_width`;
    a test checks the change).
    """

    pixels = int(pixels)
    if pixels == 0:
        return check_digits(digits).float().clone()
    x = F.interpolate(check_digits(digits).float().unsqueeze(1), scale_factor=2, mode="bilinear", align_corners=False)
    x = x.squeeze(1).numpy()
    cross = np.zeros((1, 3, 3), dtype=bool)
    cross[0, 1, :] = cross[0, :, 1] = True
    op = ndimage.grey_dilation if pixels > 0 else ndimage.grey_erosion
    for _ in range(abs(pixels)):
        x = op(x, footprint=cross)
    x = torch.from_numpy(np.ascontiguousarray(x)).unsqueeze(1)
    return F.avg_pool2d(x, 2).squeeze(1).clamp(0, 1)


def thinner(digits: torch.Tensor, pixels: int) -> torch.Tensor:
    """Strokes about ``pixels`` pixels thinner (an erosion; :func:`stroke` with ``-pixels``).

    ``digits``: ``(N, 28, 28)`` in [0, 1], white ink on black; returns the same shape. Raises
    ``ValueError`` for another shape (:func:`~lenet_helpers.data.preprocessing.check_digits`).
    """
    return stroke(digits, -int(pixels))


def thicker(digits: torch.Tensor, pixels: int) -> torch.Tensor:
    """Strokes about ``pixels`` pixels thicker (a dilation; :func:`stroke`).

    ``digits``: ``(N, 28, 28)`` in [0, 1], white ink on black; returns the same shape. Raises
    ``ValueError`` for another shape (:func:`~lenet_helpers.data.preprocessing.check_digits`).
    """
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
    x = check_digits(digits).float().unsqueeze(1)
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
        ValueError: unknown name (the message lists :data:`TRANSFORMS`), or digits of another
            shape (:func:`~lenet_helpers.data.preprocessing.check_digits`).
    """
    if name not in TRANSFORMS:
        raise ValueError(f"unknown transformation {name!r}; choose one of {list(TRANSFORMS)}")
    return TRANSFORMS[name][0](digits, level)


def random_affine(images: torch.Tensor, generator: torch.Generator | None = None, max_shift: float = 2.0,
                  max_rotation: float = 10.0, max_scale: float = 0.1) -> torch.Tensor:
    """Small random affine distortions, a different one per image (optional augmentation).

    Each image is shifted by up to ``max_shift`` pixels in x and y, rotated by up to
    ``max_rotation`` degrees and scaled by up to ``1 +/- max_scale``, with bilinear
    resampling (``torch.nn.functional.affine_grid``/``grid_sample``); the new border gets the
    background value. LeCun et al. (1998) call these "distortions" (0.8% error with them).

    Input and output: normalised images ``(B, 1, H, W)`` (any size) on any device. The random
    numbers come from ``generator`` on its own device (a CPU generator by default; a generator on
    the images' GPU keeps the draw on the GPU, with no wait for a copy from the host).
    """
    b, _, h, w = images.shape
    device = generator.device if generator is not None else torch.device("cpu")
    rand = torch.rand(b, 4, generator=generator, device=device).to(images.device) * 2 - 1  # U(-1, 1)
    angle = rand[:, 0] * math.radians(max_rotation)
    scale = 1 + rand[:, 1] * max_scale
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    # affine_grid works in [-1, 1] coordinates: one pixel is 2 / size.
    tx, ty = rand[:, 2] * max_shift * 2 / w, rand[:, 3] * max_shift * 2 / h
    theta = torch.stack([torch.stack([cos, -sin, tx], 1), torch.stack([sin, cos, ty], 1)], 1)
    grid = F.affine_grid(theta, list(images.shape), align_corners=False)
    background = (0 - MNIST_MEAN) / MNIST_STD
    return F.grid_sample(images - background, grid, align_corners=False, padding_mode="zeros") + background
