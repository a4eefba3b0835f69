"""Synthetic "photos" of digits on paper, made with code: shadows, pencil, specks, frames, two digits.

:func:`lenet_helpers.images.load_image` has to read a digit a student photographs with a phone:
uneven light, a pencil or a marker, dirt, a frame, sometimes two digits or a stray line.
These pictures reproduce such conditions from :func:`~lenet_helpers.images.draw_digit` and
Pillow, the same on every machine (seeded), so the tests and ``benchmarks/photos.py`` can
count how many are read right without shipping any image file.
"""
from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from .images import draw_digit

#: Conditions of a single digit that a good reader must get right.
DIGIT_KINDS = ["marker", "pencil", "marker, strong shadow", "pencil, mild shadow", "marker, dark corner",
               "salt-and-pepper 5%", "marker in a frame"]
#: Pictures that are not one readable digit: the reader must flag them or refuse them.
NOT_A_DIGIT_KINDS = ["two digits", "a line", "specks only", "200x1 strip"]


def _shade(img: Image.Image, factor: np.ndarray) -> Image.Image:
    arr = np.asarray(img, dtype=np.float32) * factor[..., None]
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), mode="RGB")


def _gradient(size: int, rng, darkest: float) -> np.ndarray:
    """Light falling from 1 to ``darkest`` across the page in a random direction."""
    angle = rng.uniform(0, 2 * np.pi)
    ys, xs = np.mgrid[0:size, 0:size] / (size - 1) - 0.5
    t = (xs * np.cos(angle) + ys * np.sin(angle)) / np.sqrt(0.5) + 0.5  # 0..1 across the diagonal
    return 1 - (1 - darkest) * np.clip(t, 0, 1)


def _salt_and_pepper(img: Image.Image, rng, fraction: float) -> Image.Image:
    arr = np.asarray(img).copy()
    hit = rng.random(arr.shape[:2]) < fraction
    arr[hit] = np.where(rng.random(hit.sum()) < 0.5, 0, 255)[:, None]
    return Image.fromarray(arr, mode="RGB")


def synthetic_photo(kind: str, digit: int = 0, seed: int = 0, size: int = 200) -> Image.Image:
    """One picture of ``digit`` under condition ``kind`` (see :data:`DIGIT_KINDS`, :data:`NOT_A_DIGIT_KINDS`).

    The digit is placed a little off centre (up to 15 pixels at ``size=200``), drawn with
    a marker (14-18 pixel strokes, near-black ink) or a pencil (4-6 pixel strokes, grey).
    Shadows multiply the page by a linear gradient falling to 30% ("strong") or 65%
    ("mild") of the light, or by a radial darkening of one corner; "salt-and-pepper 5%"
    sets 5% of the pixels to black or white.

    Returns:
        An RGB PIL image ``size`` x ``size`` (``"200x1 strip"``: 200 x 1).

    Raises:
        ValueError: an unknown ``kind``.
    """
    rng = np.random.default_rng([seed, digit, (DIGIT_KINDS + NOT_A_DIGIT_KINDS).index(kind)
                                 if kind in DIGIT_KINDS + NOT_A_DIGIT_KINDS else 99])
    offset = tuple(int(v) for v in rng.integers(-15, 16, 2) * size // 200)
    marker = dict(size=size, thickness=int(rng.integers(14, 19)) * size // 200, ink=int(rng.integers(10, 40)),
                  paper=int(rng.integers(225, 250)), offset=offset, seed=seed)
    pencil = dict(size=size, thickness=max(2, int(rng.integers(4, 7)) * size // 200), ink=int(rng.integers(90, 130)),
                  paper=int(rng.integers(200, 230)), offset=offset, seed=seed)
    if kind == "marker":
        return draw_digit(digit, **marker)
    if kind == "pencil":
        return draw_digit(digit, **pencil)
    if kind == "marker, strong shadow":
        return _shade(draw_digit(digit, **marker), _gradient(size, rng, 0.3))
    if kind == "pencil, mild shadow":
        return _shade(draw_digit(digit, **pencil), _gradient(size, rng, 0.65))
    if kind == "marker, dark corner":
        cy, cx = rng.choice([0, size - 1], 2)
        ys, xs = np.mgrid[0:size, 0:size]
        dist = np.hypot(ys - cy, xs - cx) / size
        return _shade(draw_digit(digit, **marker), np.clip(0.25 + dist, 0, 1))
    if kind == "salt-and-pepper 5%":
        return _salt_and_pepper(draw_digit(digit, **marker), rng, 0.05)
    if kind == "marker in a frame":
        img = draw_digit(digit, **{**marker, "offset": (offset[0] // 3, offset[1] // 3), "scale": 0.5})
        inset, width = size // 30, max(2, size // 40)
        ImageDraw.Draw(img).rectangle([inset, inset, size - 1 - inset, size - 1 - inset], outline=(25, 25, 25),
                                      width=width)
        return img
    if kind == "two digits":
        left = draw_digit(digit, **{**marker, "offset": (-size // 5, 0), "scale": 0.45})
        right = draw_digit((digit + 3) % 10, **{**marker, "offset": (size // 5, 0), "scale": 0.45, "seed": seed + 1})
        return Image.fromarray(np.minimum(np.asarray(left), np.asarray(right)), mode="RGB")
    if kind == "a line":
        img = Image.new("RGB", (size, size), (marker["paper"],) * 3)
        y = size // 2 + offset[1]
        ImageDraw.Draw(img).line([(size // 6, y), (size - size // 6, y + rng.integers(-size // 20, size // 20))],
                                 fill=(marker["ink"],) * 3, width=marker["thickness"])
        return img
    if kind == "specks only":
        return _salt_and_pepper(Image.new("RGB", (size, size), (marker["paper"],) * 3), rng, 0.05)
    if kind == "200x1 strip":
        arr = np.full((1, size, 3), marker["paper"], dtype=np.uint8)
        arr[0, size // 3: 2 * size // 3] = marker["ink"]
        return Image.fromarray(arr, mode="RGB")
    raise ValueError(f"unknown kind {kind!r}: use one of {DIGIT_KINDS + NOT_A_DIGIT_KINDS}")


def photo_set(seed: int = 0, size: int = 200) -> list[tuple[str, int | None, Image.Image]]:
    """The fixed benchmark set: every digit 0-9 under every condition, plus pictures that are not a digit.

    Returns:
        A list of ``(kind, digit or None, image)``: 10 pictures per kind of :data:`DIGIT_KINDS`
        (digit 0-9) and 10 per kind of :data:`NOT_A_DIGIT_KINDS` (``None``: no single digit
        to read), 110 in all with the defaults.
    """
    out = []
    for kind in DIGIT_KINDS:
        out += [(kind, d, synthetic_photo(kind, d, seed, size)) for d in range(10)]
    for kind in NOT_A_DIGIT_KINDS:
        out += [(kind, None, synthetic_photo(kind, d, seed, size)) for d in range(10)]
    return out
