"""Digits made with code, for lessons, tests and benchmarks: drawn strokes (:func:`draw_digit`,
notebook 09), pen strokes rasterised as the sketchpad's canvas does (:func:`rasterize_strokes`,
notebook 11), synthetic photos with shadows, pencil, specks and frames (:func:`synthetic_photo`,
``benchmarks/photos.py``), a page photographed whole on a desk (:func:`page_on_desk`, notebook
09, ``benchmarks/reading.py``) and the fixed drawn set of notebook 13 (:func:`drawn_digit_set`).

They are our own drawings: a method tuned on them is checked on real handwriting before it is
called better.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd
from PIL import Image, ImageDraw, ImageFilter
from scipy import ndimage


def draw_digit(digit: int, size: int = 200, thickness: int = 14, offset=(0, 0), scale: float = 0.6,
               ink: int = 20, paper: int = 235, seed: int = 0) -> Image.Image:
    """A digit drawn with strokes on a light "paper" image, like a student's photo.

    Draws ``str(digit)`` as polyline strokes (a hand-made 7-segment-free skeleton per digit,
    slightly jittered), dark ``ink`` on ``paper`` grey, with a little noise. Used by notebook
    09 and the tests so that no image has to come from the internet.

    Args:
        digit: 0-9 (a ``KeyError`` otherwise).
        size: side of the square image in pixels. thickness: stroke width in pixels.
        offset: (dx, dy) of the digit's centre from the image centre, in pixels.
        scale: height of the digit as a fraction of ``size``.

    Returns:
        An RGB PIL image.
    """

    strokes = _DIGIT_STROKES[digit]
    rng = np.random.default_rng(seed)
    img = Image.new("RGB", (size, size), (paper, paper, paper))
    d = ImageDraw.Draw(img)
    h = scale * size
    cx, cy = size / 2 + offset[0], size / 2 + offset[1]
    for stroke in strokes:
        pts = [(cx + (x - 0.5) * h * 0.6 + rng.normal(0, h * 0.01), cy + (y - 0.5) * h + rng.normal(0, h * 0.01))
               for x, y in stroke]
        d.line(pts, fill=(ink, ink, ink + 20), width=thickness, joint="curve")
        r = thickness / 2
        for x, y in (pts[0], pts[-1]):
            d.ellipse([x - r, y - r, x + r, y + r], fill=(ink, ink, ink + 20))
    noise = rng.normal(0, 4, (size, size, 1))
    arr = np.clip(np.asarray(img, dtype=np.float32) + noise, 0, 255).astype(np.uint8)
    return Image.fromarray(arr, mode="RGB")


def _arc(cx, cy, rx, ry, start, end, n=16):
    t = np.radians(np.linspace(start, end, n))
    return list(zip(cx + rx * np.cos(t), cy + ry * np.sin(t)))


# Strokes in a unit box (x right, y down), one list of points per pen stroke.
_DIGIT_STROKES = {
    0: [_arc(0.5, 0.5, 0.45, 0.5, 0, 360, 32)],
    1: [[(0.3, 0.2), (0.55, 0.0), (0.55, 1.0)]],
    2: [_arc(0.5, 0.28, 0.42, 0.28, 200, 360) + [(0.85, 0.4), (0.05, 1.0), (0.95, 1.0)]],
    3: [_arc(0.5, 0.26, 0.4, 0.26, 200, 450), _arc(0.5, 0.74, 0.45, 0.26, 270, 520)],
    4: [[(0.65, 1.0), (0.65, 0.0), (0.0, 0.7), (1.0, 0.7)]],
    5: [[(0.9, 0.0), (0.15, 0.0), (0.1, 0.45)] + _arc(0.5, 0.68, 0.45, 0.32, 240, 500)[1:]],
    6: [[(0.8, 0.02)] + _arc(0.5, 0.68, 0.45, 0.32, 200, 560)],
    7: [[(0.0, 0.0), (1.0, 0.0), (0.35, 1.0)]],
    8: [_arc(0.5, 0.25, 0.38, 0.25, 0, 360, 24), _arc(0.5, 0.73, 0.45, 0.27, 0, 360, 24)],
    9: [_arc(0.5, 0.3, 0.45, 0.3, 0, 360, 24) + [(0.95, 0.3), (0.9, 1.0)]],
}


#: Side of the square canvas in pixels (10x MNIST's 28 pixels).
CANVAS_SIZE = 280


#: Pen width on the canvas in pixels. A digit about 200 px tall drawn with it becomes a
#: stroke about 2 px wide once scaled into MNIST's 20x20 box, as in MNIST itself.
PEN_WIDTH = 20


#: Drawings for notebook 11's three things to try, as a student draws them on the 280x280
#: canvas: one list of [x, y] points per pen stroke (pen down to pen up).
EXAMPLE_STROKES = {
    "1 without a base": [[[128, 70], [148, 40], [148, 240]]],
    "1 with a base": [[[128, 70], [148, 40], [148, 240]], [[105, 240], [190, 240]]],
    "7 without a bar": [[[70, 55], [210, 55], [120, 235]]],
    "7 with a bar": [[[70, 55], [210, 55], [120, 235]], [[120, 148], [210, 142]]],
    "4 open": [[[95, 40], [80, 165], [205, 165]], [[175, 60], [175, 240]]],
    "4 closed": [[[175, 240], [175, 40], [75, 170], [210, 170]]],
}


def _points(stroke) -> list[tuple[float, float]]:
    try:
        points = [(float(p[0]), float(p[1])) for p in stroke]
    except (TypeError, ValueError, IndexError, KeyError):
        raise ValueError(f"a stroke must be a list of (x, y) points in canvas pixels, got {stroke!r:.80}") from None
    return points


def rasterize_strokes(strokes: Sequence[Sequence[Sequence[float]]], size: int = CANVAS_SIZE,
                      pen_width: int = PEN_WIDTH) -> Image.Image:
    """Draw pen strokes the way the sketchpad's canvas does: round black pen on white.

    Args:
        strokes: one list of ``(x, y)`` points per stroke (pen down to pen up), in canvas
            pixels from the top-left corner; a one-point stroke is a dot.
        size: side of the square canvas in pixels. pen_width: pen diameter in pixels.

    Returns:
        A greyscale PIL image ``size`` x ``size``: 255 paper, 0 ink.

    Raises:
        ValueError: a stroke that is not a list of (x, y) pairs, or a non-positive size/pen width.
    """
    if size <= 0 or pen_width <= 0:
        raise ValueError(f"size and pen_width must be positive pixels, got size={size}, pen_width={pen_width}")
    img = Image.new("L", (size, size), 255)
    draw = ImageDraw.Draw(img)
    r = pen_width / 2
    for stroke in strokes:
        points = _points(stroke)
        if len(points) > 1:
            draw.line(points, fill=0, width=pen_width, joint="curve")
        for x, y in points:  # round caps and joins, like the canvas's lineCap/lineJoin "round"
            draw.ellipse([x - r, y - r, x + r, y + r], fill=0)
    return img


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


def crop_to_ink(digit, height: int = 200, dark_ink: bool = True) -> Image.Image:
    """A real MNIST digit as a tightly cropped photo of one digit: no margin, ``height`` pixels high.

    Most people crop a photo of one digit to the digit itself; this renders MNIST's own
    handwriting that way (notebook 09, ``benchmarks/reading.py``), so the page reading is
    checked on handwriting nobody here wrote.

    Args:
        digit: one MNIST digit ``(28, 28)``, white ink on black, uint8 0-255 or float in [0, 1].
        height: pixels of the picture's height; the width keeps the ink's aspect ratio (bicubic).
        dark_ink: dark ink on white paper (a photo of paper) rather than MNIST's white on black.

    Returns:
        A greyscale PIL image, the ink's bounding box filling it.

    Raises:
        ValueError: a digit with no ink, or a height below 1.
    """
    arr = np.asarray(digit.numpy() if hasattr(digit, "numpy") else digit, dtype=np.float32)
    if arr.max() <= 1.0:
        arr = arr * 255
    arr = arr.round().clip(0, 255).astype(np.uint8)
    rows, cols = np.nonzero(arr)
    if not len(rows) or height < 1:
        raise ValueError(f"crop_to_ink needs a digit with ink and a height of at least 1 pixel, got height={height}")
    box = arr[rows.min():rows.max() + 1, cols.min():cols.max() + 1]
    width = max(1, round(box.shape[1] * height / box.shape[0]))
    img = Image.fromarray(box).resize((width, height), Image.BICUBIC)
    return Image.fromarray(255 - np.asarray(img)) if dark_ink else img


def page_on_desk(page, turn: float = 0.0, seed: int | np.random.Generator = 0) -> Image.Image:
    """A page photographed whole, lying on a darker desk: what a phone photo of a sheet looks like.

    The page is dimmed to 92% white with a light left-to-right gradient (to 90% of that), turned
    ``turn`` degrees and laid somewhere on a wood-grey desk (35% brightness with grain) 1.5 to
    2 times its size each way; the picture is slightly blurred (1 pixel). ``benchmarks/reading.py``
    writes MNIST test digits on such pages to measure :func:`~lenet_helpers.read_digit`.

    Args:
        page: the sheet with the writing on it: a PIL image, or an ``(H, W)`` array in [0, 1]
            (1 = white paper, dark ink).
        turn: degrees, counter-clockwise as seen.
        seed: an int, or a ``numpy.random.Generator`` (the desk's size and grain, the page's place).

    Returns:
        A greyscale PIL image, larger than ``page``.
    """
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    paper = (np.asarray(page.convert("L"), dtype=np.float32) / 255 if isinstance(page, Image.Image)
             else np.asarray(page, dtype=np.float32))
    sheet = Image.fromarray((np.clip(paper * 0.92 * np.linspace(1.0, 0.9, paper.shape[1])[None, :], 0, 1) * 255)
                            .round().astype(np.uint8), mode="L")
    mask = Image.new("L", sheet.size, 255)
    if turn:
        sheet, mask = sheet.rotate(turn, Image.BICUBIC, expand=True), mask.rotate(turn, Image.BICUBIC, expand=True)
    h, w = paper.shape
    H, W = round(h * rng.uniform(1.5, 2.0)), round(w * rng.uniform(1.5, 2.0))
    desk = 0.35 + ndimage.gaussian_filter(rng.normal(0, 0.05, (H, W)).astype(np.float32), (1.0, 6.0))
    out = Image.fromarray((np.clip(desk, 0, 1) * 255).round().astype(np.uint8), mode="L")
    y, x = (int(rng.integers(0, max(1, s - p))) for s, p in ((H, sheet.size[1]), (W, sheet.size[0])))
    out.paste(sheet, (x, y), mask)
    return out.filter(ImageFilter.GaussianBlur(1))
