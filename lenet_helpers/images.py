"""Students' own digits: any image file turned into the model's input the way MNIST was made.

MNIST's digits were "size normalized to fit in a 20x20 pixel box while preserving their
aspect ratio", anti-aliased to grey levels, then "centered in a 28x28 image by computing the
center of mass of the pixels, and translating the image so as to position this point at the
center of the 28x28 field" (LeCun, Cortes & Burges, the MNIST database page; LeCun et al.
1998, section III.A). Digits are white ink on black. A photo of a digit on paper is the
opposite: dark ink on light paper, any size, off centre; :func:`load_image` undoes that.
"""
from __future__ import annotations

import os
from collections import OrderedDict
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageOps, UnidentifiedImageError

from .preprocessing import input_transform
from .strokes import normalize_stroke_width

#: Ink must stand out from the background by this much (fraction of full scale) to count.
MIN_CONTRAST = 0.15
#: After stretching, pixels fainter than this (fraction of the ink's peak) are background.
INK_THRESHOLD = 0.2


class ImageError(ValueError):
    """An input image that cannot be turned into a digit (not an image, or no ink)."""


def _open(path_or_image) -> Image.Image:
    if isinstance(path_or_image, Image.Image):
        return path_or_image
    if isinstance(path_or_image, (np.ndarray, torch.Tensor)):
        arr = np.asarray(path_or_image.detach().cpu() if isinstance(path_or_image, torch.Tensor) else path_or_image)
        arr = np.squeeze(arr)
        if arr.ndim != 2:
            raise ImageError(f"an image array must be 2-D (height, width), got shape {arr.shape}")
        if arr.dtype != np.uint8:
            arr = np.clip(arr * (255 if arr.max() <= 1 else 1), 0, 255).astype(np.uint8)
        return Image.fromarray(arr, mode="L")
    path = Path(os.fspath(path_or_image))
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist: check the file name and folder")
    if path.is_dir():
        raise ImageError(f"{path} is a folder: give an image file (PNG or JPEG)")
    try:
        img = Image.open(path)
        img.load()
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise ImageError(f"{path} is not a readable image ({type(exc).__name__}): save the digit as PNG or JPEG") from None
    return ImageOps.exif_transpose(img)  # phone photos carry their rotation in EXIF


def _to_grey(img: Image.Image) -> np.ndarray:
    """Greyscale in [0, 1]; transparent areas become background (paint programs' canvases)."""
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        alpha = np.asarray(rgba.getchannel("A"), dtype=np.float32) / 255
        grey = np.asarray(rgba.convert("L"), dtype=np.float32) / 255
        if alpha.min() < 1:
            opaque = alpha > 0.5
            # Dark strokes on a transparent canvas go on white paper, light strokes on black.
            paper = 1.0 if (not opaque.any() or grey[opaque].mean() < 0.5) else 0.0
            return grey * alpha + paper * (1 - alpha)
        return grey
    return np.asarray(img.convert("L"), dtype=np.float32) / 255


def preprocess_steps(path_or_image, model=None, preprocessing: str | None = None,
                     normalize_stroke: bool = True) -> "OrderedDict[str, np.ndarray | torch.Tensor]":
    """Every stage of :func:`load_image`, for showing the pipeline step by step.

    Returns an ordered dict: ``original`` (greyscale, as given, values in [0, 1]),
    ``ink bright`` (inverted if the background was light, background 0, ink stretched to
    reach 1), ``cropped`` (the ink's bounding box), ``stroke width`` (strokes thickened or
    thinned toward MNIST's width, :func:`~lenet_helpers.strokes.normalize_stroke_width`;
    only when ``normalize_stroke``), ``20x20 box`` (scaled to fit 20x20,
    aspect kept), ``28x28 centred`` (centre of mass at the centre, uint8 0-255 as MNIST),
    ``model input`` (the normalised tensor of
    :func:`~lenet_helpers.preprocessing.input_transform` for ``model``'s declared
    preprocessing, or ``preprocessing``; ``(1, 32, 32)`` for LeNet-5's default ``"resize32"``).

    Raises:
        FileNotFoundError: no such file.
        ImageError: not an image, or no ink (a blank or uniform image).
    """
    grey = _to_grey(_open(path_or_image))
    steps: "OrderedDict[str, np.ndarray | torch.Tensor]" = OrderedDict(original=grey)
    border = np.concatenate([grey[0], grey[-1], grey[:, 0], grey[:, -1]])
    background = float(np.median(border))
    ink = (1 - grey) if background > 0.5 else grey.copy()  # MNIST: bright ink on black
    bg = 1 - background if background > 0.5 else background
    contrast = float(np.percentile(ink, 99.9)) - bg
    if contrast < MIN_CONTRAST:
        raise ImageError(
            "no ink found: the image is blank or uniform; write the digit in dark ink on light paper "
            "(or light on dark) filling a good part of the picture"
        )
    ink = np.clip((ink - bg) / contrast, 0, 1)
    ink[ink < INK_THRESHOLD] = 0
    steps["ink bright"] = ink
    rows, cols = np.nonzero(ink)
    cropped = ink[rows.min():rows.max() + 1, cols.min():cols.max() + 1]
    steps["cropped"] = cropped
    if normalize_stroke:  # thick marker, thin pencil, low resolution -> MNIST's stroke width
        cropped = steps["stroke width"] = normalize_stroke_width(cropped)
    h, w = cropped.shape
    scale = 20 / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    box = Image.fromarray((cropped * 255).astype(np.uint8), mode="L").resize(size, Image.LANCZOS)
    box = np.asarray(box, dtype=np.float32) / 255
    steps["20x20 box"] = box
    # Centre of mass of the ink, moved to the centre of the 28x28 field (pixel 13.5, 13.5).
    total = box.sum()
    ys, xs = np.indices(box.shape)
    cy, cx = (ys * box).sum() / total, (xs * box).sum() / total
    top = int(np.clip(round(13.5 - cy), 0, 28 - box.shape[0]))
    left = int(np.clip(round(13.5 - cx), 0, 28 - box.shape[1]))
    field = np.zeros((28, 28), dtype=np.float32)
    field[top:top + box.shape[0], left:left + box.shape[1]] = box
    mnist_like = (field * 255).round().astype(np.uint8)
    steps["28x28 centred"] = mnist_like
    preprocessing = preprocessing or getattr(model, "preprocessing", "resize32")
    steps["model input"] = input_transform(preprocessing)(Image.fromarray(mnist_like, mode="L"))
    return steps


def load_image(path_or_image, model=None, preprocessing: str | None = None,
               normalize_stroke: bool = True) -> torch.Tensor:
    """Turn an image of a handwritten digit into the model's input, the way MNIST was made.

    Greyscale (transparent areas become paper); ink made bright on a dark background
    (inverted when the border is light) and stretched to full contrast; cropped to the ink's
    bounding box; strokes brought to MNIST's width (``normalize_stroke``, see
    :func:`~lenet_helpers.strokes.normalize_stroke_width`); scaled to fit 20x20 keeping the aspect ratio; placed in 28x28 with its centre
    of mass at the centre; then the preprocessing ``model`` declares (``preprocessing``, default
    ``"resize32"``: the reference tutorial's 32x32 resize; see :mod:`lenet_helpers.preprocessing`).
    This follows the MNIST preprocessing description (LeCun, Cortes & Burges, MNIST database
    page; LeCun et al. 1998, section III.A).

    Args:
        path_or_image: a file path (PNG, JPEG, anything Pillow reads; RGB, RGBA, greyscale),
            a PIL image, or a 2-D array/tensor (values 0-255 or 0-1).

    Returns:
        A float32 tensor ``model.input_shape`` (``(1, 32, 32)`` by default), ready for ``model(x.unsqueeze(0))``.

    Raises:
        FileNotFoundError: the file does not exist.
        ImageError: the file is not an image, or holds no ink (blank page).
    """
    return preprocess_steps(path_or_image, model, preprocessing, normalize_stroke)["model input"]


@torch.no_grad()
def predict_image(model, path_or_image, normalize_stroke: bool = True) -> tuple[int, torch.Tensor]:
    """The digit the model reads in an image file, with the 10 softmax probabilities.

    Returns:
        ``(digit, probabilities (10,))``; ``probabilities[digit]`` is the confidence.

    Raises:
        FileNotFoundError, ImageError: as :func:`load_image`.
    """
    from .evaluation import predict

    digits, probabilities = predict(model, load_image(path_or_image, model, normalize_stroke=normalize_stroke))
    return int(digits[0]), probabilities[0]


def draw_digit(digit: int, size: int = 200, thickness: int = 14, offset=(0, 0), scale: float = 0.6,
               ink: int = 20, paper: int = 235, seed: int = 0) -> Image.Image:
    """A digit drawn with strokes on a light "paper" image, like a student's photo.

    Draws ``str(digit)`` as polyline strokes (a hand-made 7-segment-free skeleton per digit,
    slightly jittered), dark ``ink`` on ``paper`` grey, with a little noise. Used by notebook
    09 and the tests so that no image has to come from the internet.

    Args:
        size: side of the square image in pixels. thickness: stroke width in pixels.
        offset: (dx, dy) of the digit's centre from the image centre, in pixels.
        scale: height of the digit as a fraction of ``size``.

    Returns:
        An RGB PIL image.
    """
    from PIL import ImageDraw

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
