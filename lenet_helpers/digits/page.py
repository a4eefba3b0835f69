"""Students' own digits: any image file turned into the model's input the way MNIST was made.

MNIST's digits were "size normalized to fit in a 20x20 pixel box while preserving their
aspect ratio", anti-aliased to grey levels, then "centered in a 28x28 image by computing the
center of mass of the pixels, and translating the image so as to position this point at the
center of the 28x28 field" (LeCun, Cortes & Burges, the MNIST database page; LeCun et al.
1998, section III.A). Digits are white ink on black. A photo of a digit on paper is the
opposite: dark ink on light paper, any size, off centre, often with a shadow across the page
or specks of dirt; :func:`load_image` undoes that.

The paper is judged *locally*: its brightness is estimated over the picture with a
morphological opening of a down-sampled copy (an ink stroke is narrower than the window, so
only the paper survives), and ink is what stands out from the paper around it. The window
is a quarter of the picture, or wider when the ink found is thicker (a marker, a digit drawn
small): an opening only removes what the window cannot fit into, so the window is kept at
least twice the widest ink measured (:data:`STROKE_WINDOW`), and the digit is looked for
again with it. Then the
marks are found as connected components (``scipy.ndimage.label``) and the largest
digit-like one is read; a frame along the picture's edge and small specks are left out. When
the picture does not look like one digit (two marks of similar size, a mark much wider than
tall, a mark touching the edge, only specks) the reading carries a warning.
"""
from __future__ import annotations

import os
import stat
import threading
import warnings
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageOps
from scipy import ndimage
from scipy.spatial import ConvexHull, QhullError
from skimage.filters import threshold_otsu
from skimage.morphology import convex_hull_image

from lenet_helpers.analysis.evaluation import predict
from lenet_helpers.data.preprocessing import input_transform
from lenet_helpers.digits.strokes import normalize_stroke_width
from lenet_helpers.readings.text import format_confidence

#: Ink must stand out from the paper around it by this much (fraction of full scale) to count.
MIN_CONTRAST = 0.15


#: Pixels fainter than this fraction of the digit's ink level are background.
INK_THRESHOLD = 0.2
#: The global reading takes the paper for the ink's edge alone when at least this share of the
#: paper pixels lie near the ink (within 5% of the picture's long side, plus one pixel). Measured:
#: 88-100% for thick 1s cropped tightly to their ink (``benchmarks/reading.py``), 21-36% for the
#: photos with a shadow across the page (``benchmarks/photos.py``).
EDGE_ONLY_PAPER = 0.75
#: When the global reading's digit touches three sides of the picture, the local reading is kept
#: only if it holds at least this share of the global one's ink (less: it erased part of the digit).
LOCAL_INK_SHARE = 0.85
#: Where MNIST puts a digit's centre of mass in its 28x28 field (0-based row and column): see :func:`_centre`.
MNIST_CENTRE = 14.0


#: Pictures are read at most this many pixels on their long side (larger ones are down-sampled).
WORK_SIDE = 1024


#: Pictures larger than this many pixels are refused (a 200-megapixel phone photo is read).
MAX_PIXELS = 250_000_000


#: Pictures smaller than this on either side cannot hold a digit.
MIN_SIDE = 8
#: Fewest pixels a picture may have across (a digit 1 cropped tightly is narrow: 6x32 pixels).
MIN_ACROSS = 4
#: A digit fewer pixels high than this is read with a warning: at such a low resolution the
#: reading guesses (MNIST's digits are 20 pixels high).
LOW_RESOLUTION = 12


#: Another mark with at least this share of the digit's area makes the reading uncertain.
SECOND_MARK = 0.3


#: A mark wider than this many times its height is not one digit (MNIST digits are upright).
MAX_ASPECT = 1.25


#: Below this softmax probability the model's answer is called uncertain.
CONFIDENT = 0.8


#: The paper estimate's window is at least this many times the widest ink found (the diameter
#: of the largest disc inside the digit's mask, pixels). A morphological opening leaves any
#: bright structure the window fits into, so the window must be wider than the widest ink,
#: as the rolling-ball radius of ImageJ's "Subtract Background" (Sternberg 1983) must be at
#: least the radius of the largest object; twice, because a window that was too narrow has
#: already eaten the thickest parts (stroke crossings, a loop filled in by a marker) of the
#: ink it was measured on.
STROKE_WINDOW = 2.0


#: A ruled line crosses at least this share of the picture's width (:func:`_ruled_lines`).
RULED_SPAN = 0.95
#: ... and is at most this share of the picture's height thick.
RULED_THICKNESS = 0.03


#: Salt-and-pepper specks are removed (3x3 median) only when more than this fraction of the
#: picture's pixels are isolated specks (ink pixels none of whose 8 neighbours is ink): a
#: 3x3 median also erases strokes narrower than 3 pixels, so a clean picture is not filtered.
SPECK_FRACTION = 0.001


#: A sheet of paper photographed on a darker desk (:func:`_sheet_on_desk`) is at least this
#: share of the picture, ...
SHEET_MIN_SHARE = 0.08
#: ... fills at least this share of the smallest rectangle, turned any way, around it (a
#: quadrilateral; an oval, such as a thick 0, fills pi/4 = 0.79 of its rectangle) ...
SHEET_RECTANGULAR = 0.88
#: ... and is at least this much brighter than the desk (grey levels 0-1, medians).
SHEET_CONTRAST = 0.15
#: A sheet turned at least this much (degrees) in the photo is turned back upright before the
#: digit is read: a digit written on the page is turned with it, and MNIST's digits stand
#: upright (``benchmarks/reading.py``'s turned-page rendering measures it).
SHEET_TURN_MIN = 2.0


_BOMB_LOCK = threading.Lock()


class ImageError(ValueError):
    """An input image that cannot be turned into a digit (not an image, unreadable, or no ink)."""


class Steps(OrderedDict):
    """The stages of :func:`preprocess_steps` by name, plus ``warnings`` (why the reading may be
    wrong) and ``notes`` (what was left out, e.g. a frame; the reading can still be trusted)."""

    warnings: list
    notes: list


#: The layers whose feature maps a drawing's reading shows (keys of ``feature_maps``; LeNet-5's
#: two convolutions, the names of the model contract).
MAP_LAYERS = ("conv1", "conv2")

#: What the sketchpad and :class:`NoInk` say when there is nothing to read.
NO_INK_MESSAGE = "No ink on the canvas: draw a digit (mouse, finger or pen) to see the network read it."


@dataclass
class NoInk:
    """The canvas holds no ink (nothing drawn, or everything cleared/undone): nothing to read."""

    message: str = NO_INK_MESSAGE

    def __str__(self) -> str:
        return self.message


@dataclass
class DigitReading:
    """What a model made of one picture of a digit: a file or photo (:func:`read_digit`) or a
    drawing on the sketchpad (:func:`~lenet_helpers.predict_strokes`).

    Attributes:
        digit: the predicted digit (argmax of ``probabilities``), 0-9.
        probabilities: softmax over the 10 digits, ``(10,)`` float32 on the CPU, sums to 1.
        warnings: sentences saying why the answer may be wrong (two marks, a mark touching the
            edge, an unsure model); empty when the picture looked like one clear digit.
        notes: what the reading left out, such as a frame; not a reason for doubt.
        steps: the preprocessing stages of :func:`preprocess_steps` (``"28x28 centred"`` is the
            MNIST-like uint8 image, ``"model input"`` the normalised tensor, e.g. ``(1, 32, 32)``).
        maps: feature maps of the picture (the sketchpad's ``{"conv1": (6, 28, 28), "conv2":
            (16, 10, 10)}`` for LeNet-5); empty when not computed.
        image: the picture as given (the sketchpad's canvas: PIL greyscale, dark ink on white), or None.
    """

    digit: int
    probabilities: torch.Tensor
    warnings: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    steps: Steps | None = None
    maps: dict = field(default_factory=dict)
    image: Image.Image | None = None

    @property
    def probability(self) -> float:
        """The softmax probability of :attr:`digit` (0-1): the model's confidence."""
        return float(self.probabilities[self.digit])

    #: The same as :attr:`probability` (the sketchpad's word).
    confidence = probability

    @property
    def runner_up(self) -> int:
        """The second most probable digit, 0-9."""
        return int(torch.topk(self.probabilities, 2).indices[1])

    @property
    def margin(self) -> float:
        """How far the answer is ahead of the runner-up, in logits: ln p(digit) - ln p(runner-up).

        Softmax turns logit differences into log-ratios of probabilities, so this is the gap
        between the two largest logits; it still tells readings apart when both say ">99.9%"
        (a margin of 7 is odds of e^7 = 1,097 to 1, a margin of 14 odds of 1.2 million to 1).
        """
        top2 = torch.topk(self.probabilities.double(), 2).values.clamp_min(1e-300)
        return float(torch.log(top2[0]) - torch.log(top2[1]))

    @property
    def uncertain(self) -> bool:
        """True when any warning was raised: do not trust the digit without looking."""
        return bool(self.warnings)

    def __str__(self) -> str:
        return f"read as {self.digit} ({format_confidence(self.probability)})"


def _unit_range(arr: np.ndarray, what: str) -> np.ndarray:
    """Pixel values of any type and bit depth as float32 in [0, 1].

    8-bit values are divided by 255, 16-bit ones (PNG, TIFF, ``uint16`` arrays) by 65535;
    floats already in [0, 1] are kept; anything else (int32 or float TIFFs, arrays in other
    units) is stretched from its minimum to its maximum.
    """
    if arr.dtype == bool:
        return arr.astype(np.float32)
    if not np.issubdtype(arr.dtype, np.number) or np.iscomplexobj(arr):
        raise ImageError(f"{what} holds {arr.dtype} values, not pixel values: give numbers (0-255 or 0-1)")
    arr = arr.astype(np.float64)
    if not np.isfinite(arr).all():
        raise ImageError(f"{what} holds NaN or infinite values: give finite pixel values (0-255 or 0-1)")
    lo, hi = float(arr.min()), float(arr.max())
    if lo >= 0 and hi <= 1:
        scaled = arr
    elif lo >= 0 and hi <= 255 and np.issubdtype(arr.dtype, np.number) and (arr == np.round(arr)).all():
        scaled = arr / 255
    elif lo >= 0 and hi <= 65535 and (arr == np.round(arr)).all() and hi > 255:
        scaled = arr / 65535
    else:
        scaled = (arr - lo) / (hi - lo) if hi > lo else np.zeros_like(arr)
    return scaled.astype(np.float32)


def _pil_to_grey(img: Image.Image) -> np.ndarray:
    """Greyscale in [0, 1] at any bit depth; transparent areas become paper."""
    if img.mode in ("I", "F") or img.mode.startswith("I;"):  # 16/32-bit integer and float images
        return _unit_range(np.asarray(img), "the image")
    if img.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (img.mode == "P" and "transparency" in img.info):
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


def _array_to_grey(arr) -> np.ndarray:
    arr = np.asarray(arr.detach().cpu() if isinstance(arr, torch.Tensor) else arr)
    if arr.ndim == 3 and arr.shape[-1] in (3, 4) and arr.shape[0] not in (1, 3, 4):
        arr = arr[..., :3].mean(axis=-1) if arr.dtype != np.uint8 else \
            np.asarray(Image.fromarray(np.ascontiguousarray(arr[..., :3])).convert("L"))
    arr = np.squeeze(arr)
    if arr.ndim != 2:
        raise ImageError(f"an image array must be 2-D (height, width), got shape {tuple(np.shape(arr))}")
    if arr.size == 0:
        raise ImageError(f"the image array is empty (shape {arr.shape})")
    return _unit_range(arr, "the image array")


def _open_file(path: Path) -> Image.Image:
    """Open an image file with one clear :class:`ImageError` for everything that can go wrong."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise FileNotFoundError(f"{path} does not exist: check the file name and folder") from None
    except OSError as exc:
        raise ImageError(f"{path} cannot be read ({exc.strerror or exc}): check the path") from None
    if stat.S_ISDIR(info.st_mode):
        raise ImageError(f"{path} is a folder: give an image file (PNG or JPEG)")
    if not stat.S_ISREG(info.st_mode):  # a named pipe or device would block or never end
        raise ImageError(f"{path} is not a regular file (a pipe, socket or device): save the image to a file first")
    if not os.access(path, os.R_OK):
        raise ImageError(f"{path} cannot be read (permission denied): ask its owner, or copy it somewhere you can read")
    try:
        with warnings.catch_warnings():  # damaged EXIF and the like: the error below says it once
            warnings.simplefilter("ignore")
            img = _decode(path)
    except ImageError:
        raise
    except MemoryError:
        raise ImageError(f"{path} is too large to read in memory: scale it down to a few megapixels") from None
    except Exception as exc:  # Pillow raises many types on damaged files (OSError, SyntaxError, ValueError, ...)
        if path.suffix.lower() in (".pt", ".pth"):
            raise ImageError(f"{path} is a PyTorch checkpoint, not an image: give it as the model (--checkpoint "
                             f"FILE, or lh.load_checkpoint) and an image file to read") from None
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise ImageError(f"{path} is not a readable image ({first}): check that it opens in an image viewer, "
                         f"or save it again as PNG or JPEG") from None
    return img


def _decode(path: Path) -> Image.Image:
    """Pillow's open and load, with the decompression-bomb limit replaced by :data:`MAX_PIXELS`."""
    try:
        img = Image.open(path)
    except Image.DecompressionBombError:
        with _BOMB_LOCK:  # Pillow's limit is a module global; lift it only to read the size
            saved, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, None
            try:
                img = Image.open(path)
            finally:
                Image.MAX_IMAGE_PIXELS = saved
    w, h = img.size
    if w * h > MAX_PIXELS:
        raise ImageError(f"{path} is {w}x{h} pixels ({w * h / 1e6:,.0f} megapixels), more than the "
                         f"{MAX_PIXELS / 1e6:,.0f} read here: scale it down to a few megapixels first")
    if max(w, h) > WORK_SIDE:
        img.draft("L", (WORK_SIDE, WORK_SIDE))  # JPEG: decode at 1/2, 1/4 or 1/8 scale (cheap)
    img.load()
    return ImageOps.exif_transpose(img)  # phone photos carry their rotation in EXIF


def read_grey(path_or_image) -> np.ndarray:
    """Any image as greyscale float32 in [0, 1], at most :data:`WORK_SIDE` pixels on its long side.

    Args:
        path_or_image: a file path (any format and bit depth Pillow reads: 8/16-bit PNG,
            int32 and float TIFF, JPEG, ...), a PIL image, or an array/tensor ``(H, W)`` or
            ``(H, W, 3)`` (uint8 0-255, uint16 0-65535, floats 0-1, or any range, stretched).

    Raises:
        FileNotFoundError: no such file.
        ImageError: a folder, pipe or unreadable file; not an image; too large
            (over :data:`MAX_PIXELS`); values that are not finite numbers.
    """
    if isinstance(path_or_image, Image.Image):
        grey = _pil_to_grey(path_or_image)
    elif isinstance(path_or_image, (np.ndarray, torch.Tensor, list, tuple)):
        grey = _array_to_grey(path_or_image)
    elif isinstance(path_or_image, (str, os.PathLike)):
        path = Path(os.fspath(path_or_image)).expanduser()
        img = _open_file(path)
        try:
            grey = _pil_to_grey(img)
        except ImageError as exc:
            raise ImageError(f"{path}: {exc}") from None
        except Exception as exc:
            raise ImageError(f"{path} is not a readable image ({type(exc).__name__}: {exc}): save it again "
                             f"as PNG or JPEG") from None
    else:
        raise ImageError(f"cannot read a {type(path_or_image).__name__} as an image: give a file path, "
                         f"a PIL image or a 2-D array")
    h, w = grey.shape
    if max(h, w) > WORK_SIDE:
        scale = WORK_SIDE / max(h, w)
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        grey = np.asarray(Image.fromarray(grey, mode="F").resize(size, Image.BOX), dtype=np.float32)
    return np.clip(grey, 0, 1)


def _down(grey: np.ndarray, side: int) -> tuple[np.ndarray, int]:
    """A copy down-sampled (box filter, an integer factor) to at most ``side`` pixels, and the factor."""
    h, w = grey.shape
    factor = max(1, int(np.ceil(max(h, w) / side)))
    small = Image.fromarray(grey, mode="F").resize((max(1, w // factor), max(1, h // factor)), Image.BOX)
    return np.asarray(small, dtype=np.float32), factor


def _up(a: np.ndarray, shape, sigma: float) -> np.ndarray:
    """Blurred (Gaussian, ``sigma`` pixels of ``a``) and scaled back (bilinear) to ``shape``."""

    a = ndimage.gaussian_filter(a, sigma)
    return np.asarray(Image.fromarray(a.astype(np.float32), mode="F").resize(shape[::-1], Image.BILINEAR),
                      dtype=np.float32)


def _odd(n: float) -> int:
    return max(3, int(round(n)) | 1)


def _dark_ink(grey: np.ndarray) -> bool:
    """The polarity: True for dark ink on light paper.

    Ink is the minority that departs strongly from the median paper around it (the larger sum
    of squared departures, below or above). The median is taken over a window half the
    picture wide (on a copy down-sampled to at most 32 pixels: polarity needs no detail), so
    that paper is the majority of every window even for a thick marker or a digit drawn
    small: with a quarter-picture window a 40-pixel marker on a 200-pixel picture filled
    whole windows and its ink was read as paper. Half the picture still follows a shadow.
    """

    small, _ = _down(grey, 32)
    window = _odd(max(small.shape) / 2)
    residual = grey - _up(ndimage.median_filter(small, size=window, mode="nearest"), grey.shape, window / 4)
    return float((np.minimum(residual, 0) ** 2).sum()) >= float((np.maximum(residual, 0) ** 2).sum())


def _ink_and_background(grey: np.ndarray, min_window: float = 0,
                        dark_ink: bool | None = None) -> tuple[np.ndarray, np.ndarray, bool, int]:
    """``(ink, paper, dark_ink, window)``: ink made bright, the local paper level under it, the
    polarity (:func:`_dark_ink` unless given), and the paper estimate's window (pixels of ``grey``).

    The paper is estimated on a copy down-sampled to at most 64 pixels by an opening (a
    minimum then a maximum filter) with a window a quarter of the picture wide, or
    ``min_window`` pixels when wider (see :data:`STROKE_WINDOW`), capped at the picture:
    wider than any pen stroke, so the strokes vanish and the paper's own shading (a shadow, a
    gradient) remains. It is blurred and scaled back up to the picture's size.
    """

    if dark_ink is None:
        dark_ink = _dark_ink(grey)
    ink = 1 - grey if dark_ink else grey
    small, factor = _down(ink, 64)
    side = max(small.shape)
    window = min(_odd(max(side / 4, np.ceil(min_window / factor))), _odd(side))
    paper = _up(ndimage.grey_opening(small, size=(window, window), mode="nearest"), grey.shape, window / 4)
    return ink, np.minimum(paper, ink), dark_ink, window * factor


def _components(mask: np.ndarray):
    """Connected marks of ``mask`` (8-connectivity): the label image and per-mark (area, slices)."""

    labels, n = ndimage.label(mask, structure=np.ones((3, 3)))
    areas = np.bincount(labels.ravel(), minlength=n + 1)[1:]
    return labels, areas, ndimage.find_objects(labels)


def _sides_touched(sl, shape, gap: int = 0) -> int:
    """How many of the picture's four sides (``shape``) the box ``sl`` (a pair of slices) reaches,
    or comes within ``gap`` pixels of."""
    h, w = shape
    return (int(sl[0].start <= gap) + int(sl[1].start <= gap) + int(sl[0].stop >= h - gap)
            + int(sl[1].stop >= w - gap))


def _touches_edge(sl, shape) -> bool:
    return _sides_touched(sl, shape) > 0


def _is_frame(i: int, areas, boxes) -> bool:
    """A thin mark whose box holds another sizeable mark inside it: a frame drawn around the digit."""
    ys, xs = boxes[i]
    fill = areas[i] / ((ys.stop - ys.start) * (xs.stop - xs.start))
    if fill > 0.25:
        return False
    return any(j != i and areas[j] >= 0.15 * areas[i] and ys.start < oy.start and oy.stop < ys.stop
               and xs.start < ox.start and ox.stop < xs.stop for j, (oy, ox) in enumerate(boxes))


def _digit_mask(signal: np.ndarray, warnings: list, notes: list, fills_picture: bool = False) -> np.ndarray:
    """The pixels of the largest digit-like mark (with the small strokes beside it).

    ``fills_picture``: the digit fills the picture (no paper around it), so a mark along the edge
    is a piece of the digit, never a frame or the page's border to leave out.
    """
    h, w = signal.shape
    labels, areas, boxes = _components(signal > 0)
    if not len(areas):
        raise ImageError("no ink found: the image is blank or uniform; write the digit in dark ink on light "
                         "paper (or light on dark) filling a good part of the picture")
    order = np.argsort(-areas)
    edge = [] if fills_picture else [i for i in order if _touches_edge(boxes[i], (h, w)) or _is_frame(i, areas, boxes)]
    inner = [i for i in order if i not in edge]
    # A mark along the edge (a frame, the page's border, a shadow's edge) is left out when a
    # digit-sized mark lies inside it; otherwise the digit itself touches the edge.
    if inner and (not edge or areas[inner[0]] >= 0.15 * areas[edge[0]]):
        main, others = inner[0], inner[1:]
        if edge and areas[edge[0]] >= 0.3 * areas[main]:
            notes.append("left out a frame or a line along the edge of the picture")
    else:
        main, others = order[0], list(order[1:])
        if len(order) > 0 and _touches_edge(boxes[main], (h, w)) and min(h, w) >= 3 * MIN_SIDE:
            warnings.append("the mark touches the edge of the picture: leave a margin of paper around the digit")
    ys, xs = boxes[main]
    size = max(ys.stop - ys.start, xs.stop - xs.start)
    if size < max(MIN_SIDE / 2, 0.08 * min(h, w)):
        raise ImageError(f"no digit found: only specks (the largest mark is {xs.stop - xs.start}x"
                         f"{ys.stop - ys.start} pixels in a {w}x{h} picture); write the digit larger, in dark "
                         f"ink, filling a good part of the picture")
    # Strokes of the same digit that do not touch (a 4's or 5's separate bar, a broken pencil
    # line) lie within a margin of the digit's box; the box grows as they join it.
    margin = 0.1 * size
    top, bottom, left, right = ys.start, ys.stop, xs.start, xs.stop
    keep, rest = [main], [i for i in others if areas[i] >= 0.02 * areas[main]]
    joined = True
    while joined:
        joined = False
        for i in list(rest):
            oy, ox = boxes[i]
            if (oy.start < bottom + margin and oy.stop > top - margin and
                    ox.start < right + margin and ox.stop > left - margin):
                keep.append(i)
                rest.remove(i)
                top, bottom = min(top, oy.start), max(bottom, oy.stop)
                left, right = min(left, ox.start), max(right, ox.stop)
                joined = True
    rivals = sum(areas[i] >= SECOND_MARK * areas[main] for i in rest)
    if rivals:
        warnings.append(f"{rivals + 1} separate marks of similar size (two digits?): read the largest; "
                     f"give one digit per picture")
    mask = np.isin(labels, np.asarray(keep) + 1)
    rows, cols = np.nonzero(mask)
    height, width = rows.max() - rows.min() + 1, cols.max() - cols.min() + 1
    if width > MAX_ASPECT * height:
        warnings.append(f"the mark is {width / height:.1f} times wider than tall, unlike one upright digit "
                     f"(two digits side by side, or a line?)")
    return mask


def preprocess_steps(path_or_image, model=None, preprocessing: str | None = None,
                     normalize_stroke: bool = True) -> Steps:
    """Every stage of :func:`load_image`, for showing the pipeline step by step.

    Returns a :class:`Steps` (an ordered dict of named stages, in order):

    - ``original``: greyscale, values in [0, 1] (down-sampled to at most :data:`WORK_SIDE` pixels);
    - ``sheet``: only for a photo of a whole sheet of paper on a darker desk
      (:func:`_sheet_on_desk`): the sheet alone, the desk around it replaced by paper; the
      stages below read it instead of the whole picture;
    - ``paper``: the local paper level estimated under the ink (ink polarity: bright);
    - ``ink bright``: ink minus the paper around it, stretched so the digit's ink is 1, faint
      pixels and everything but the digit's mark set to 0 (specks, a frame left out);
    - ``cropped``: the digit's bounding box;
    - ``stroke width``: strokes thickened or thinned toward MNIST's width
      (:func:`~lenet_helpers.digits.strokes.normalize_stroke_width`; only when ``normalize_stroke``);
    - ``20x20 box``: scaled to fit 20x20, aspect kept;
    - ``28x28 centred``: centre of mass at the centre, uint8 0-255 as MNIST;
    - ``model input``: the normalised tensor of :func:`~lenet_helpers.data.preprocessing.input_transform`
      for ``model``'s declared preprocessing, or ``preprocessing``; ``(1, 32, 32)`` for
      LeNet-5's default ``"resize32"``.

    Its ``warnings`` list says why the reading may be wrong (two marks, a mark much wider
    than tall, a mark touching the edge); empty for a clean digit. Its ``notes`` list says
    what was left out (a frame around the picture).

    Raises:
        FileNotFoundError: no such file.
        ImageError: not a readable image (see :func:`read_grey`), smaller than
            :data:`MIN_SIDE` pixels, no ink (a blank or uniform image), or only specks.
    """
    grey = read_grey(path_or_image)
    steps = Steps(original=grey)
    steps.warnings, steps.notes = [], []
    h, w = grey.shape
    if max(h, w) < MIN_SIDE or min(h, w) < MIN_ACROSS:
        raise ImageError(f"the picture is {w}x{h} pixels, too small to hold a digit (at least {MIN_SIDE} "
                         f"pixels high or wide and {MIN_ACROSS} across needed): give a picture of one digit")
    found = _sheet_on_desk(grey)
    if found is not None:  # a whole page on a darker desk: read the page, not the desk
        grey, turned = _straight_sheet(grey, *found)
        steps["sheet"] = grey
        note = "read the sheet of paper only: left out the darker desk around it"
        if turned:
            note += (f", and turned the sheet {abs(turned):.0f} degrees "
                     f"{'clockwise' if turned > 0 else 'counter-clockwise'} to stand it upright")
        steps.notes.append(note)
    steps["paper"], steps["ink bright"] = _find_ink(grey, steps.warnings, steps.notes)
    cropped = steps["cropped"] = _crop(steps["ink bright"])
    if max(cropped.shape) < LOW_RESOLUTION:
        steps.warnings.append(f"the digit is only {max(cropped.shape)} pixels high or wide: at this resolution "
                              f"the reading guesses; photograph it larger")
    if normalize_stroke:  # thick marker, thin pencil, low resolution -> MNIST's stroke width
        cropped = steps["stroke width"] = normalize_stroke_width(cropped)
    steps["20x20 box"] = _fit_box(cropped)
    steps["28x28 centred"] = _centre(steps["20x20 box"])
    preprocessing = preprocessing or getattr(model, "preprocessing", "resize32")
    steps["model input"] = input_transform(preprocessing)(Image.fromarray(steps["28x28 centred"], mode="L"))
    return steps


def _rectangle_fill(mask: np.ndarray) -> tuple[float, float, float]:
    """``(fill, aspect, angle)``: the share of the smallest rectangle around ``mask`` (turned any
    way) that ``mask`` fills, that rectangle's long side over its short side, and how far it is
    turned (degrees, -45 to 45; positive when the shape is turned counter-clockwise as seen, so
    ``scipy.ndimage.rotate(image, -angle)`` sets it straight).

    The smallest rectangle has a side along an edge of the convex hull (Freeman & Shapira 1975),
    so each hull edge's direction is tried.
    """
    rows, cols = np.nonzero(mask)
    points = np.column_stack([cols, rows]).astype(float)
    try:
        hull = points[ConvexHull(points).vertices]
    except (QhullError, ValueError):
        return 0.0, np.inf, 0.0
    edges = np.diff(np.vstack([hull, hull[:1]]), axis=0)
    best, sides, turn = np.inf, (1.0, 1.0), 0.0
    for angle in np.unique(np.arctan2(edges[:, 1], edges[:, 0]) % (np.pi / 2)):
        c, s = np.cos(angle), np.sin(angle)
        turned = hull @ np.array([[c, -s], [s, c]])
        extent = turned.max(0) - turned.min(0) + 1
        if float(np.prod(extent)) < best:
            best, sides, turn = float(np.prod(extent)), (float(extent.max()), float(extent.min())), angle
    degrees = float(np.degrees(turn))
    return float(mask.sum()) / best, sides[0] / sides[1], -(degrees - 90 if degrees > 45 else degrees)


def _straight_sheet(grey: np.ndarray, sheet: np.ndarray, angle: float) -> tuple[np.ndarray, float]:
    """``(page, turned)``: the sheet alone, the desk around it replaced by the paper's grey, and
    turned upright when it lies turned by at least :data:`SHEET_TURN_MIN` degrees.

    Args:
        grey: the picture, ``(H, W)`` in [0, 1]; sheet: its mask, ``(H, W)`` bool; angle: how far
            the sheet is turned, degrees (see :func:`_rectangle_fill`).

    Returns:
        The page as ``(h, w)`` in [0, 1], and the degrees it was turned back (0.0 when it was not).
    """
    ys, xs = _box(sheet)
    page, on_sheet = grey[ys, xs].copy(), sheet[ys, xs]
    paper = float(np.median(page[on_sheet]))
    page[~on_sheet] = paper
    if abs(angle) < SHEET_TURN_MIN:
        return page, 0.0
    page = np.clip(ndimage.rotate(page, -angle, order=1, cval=paper), 0.0, 1.0)
    ys, xs = _box(ndimage.rotate(on_sheet.astype(np.uint8), -angle, order=0) > 0)
    return page[ys, xs], angle


def _sheet_on_desk(grey: np.ndarray) -> tuple[np.ndarray, float] | None:
    """The sheet of paper, when the picture shows a whole sheet lying on a darker desk; else None.

    The pipeline reads ink against the paper around it; a photo of a page on a desk has two
    "papers", and its border, which decides the ink's polarity, is desk. Without this step
    the bright sheet itself is read as the digit (a white square). A sheet is recognised on a
    copy down-sampled to at most 256 pixels: Otsu's threshold (Otsu 1979) splits light from
    dark; the border is mostly dark; the largest light region's convex hull (the page with the ink on it) covers
    at least :data:`SHEET_MIN_SHARE` of the picture and touches at most two of its sides, is
    mostly light (dark less than 30% of it: a thick 0 on black is mostly dark inside), is a
    quadrilateral (:data:`SHEET_RECTANGULAR`) at most 3 times longer than wide (a thick 1 is a
    long bar), has something dark written on it away from its edges (a bar's dark pixels are
    only its anti-aliased rim) and is clearly brighter than the desk (:data:`SHEET_CONTRAST`).

    Returns:
        ``(mask, angle)``: the sheet's mask at the picture's size (bool, shrunk by 2% of its side
        to leave out its blurred or shadowed edge) and how far the sheet is turned (degrees, see
        :func:`_rectangle_fill`); or None.
    """
    small, _ = _down(grey, 256)
    if min(small.shape) < 16 or float(small.max() - small.min()) < MIN_CONTRAST:
        return None
    light = small > threshold_otsu(small)
    border = np.concatenate([light[0], light[-1], light[:, 0], light[:, -1]])
    if float(border.mean()) > 0.5:
        return None  # mostly light all round: the paper reaches the picture's edges
    labels, areas, boxes = _components(light)
    if not len(areas):
        return None
    i = int(np.argmax(areas))
    region = labels == i + 1
    sheet = convex_hull_image(region)  # the page with what is written on it, also ink reaching its edge
    share, paper_share = float(sheet.mean()), float((light & sheet).sum()) / float(sheet.sum())
    fill, aspect, angle = _rectangle_fill(sheet)
    if share < SHEET_MIN_SHARE or _sides_touched(boxes[i], small.shape) > 2 or paper_share < 0.7 \
            or fill < SHEET_RECTANGULAR or aspect > 3:
        return None
    ys, xs = boxes[i]
    side = min(ys.stop - ys.start, xs.stop - xs.start)  # the page's short side, pixels of the small copy
    inside = ndimage.binary_erosion(sheet, iterations=max(1, round(0.1 * side)))
    if (inside & ~light).sum() < 0.002 * sheet.sum():
        return None  # nothing written away from its edges: a thick stroke (a 1), not a page
    if float(np.median(small[region]) - np.median(small[~sheet])) < SHEET_CONTRAST:
        return None
    sheet = ndimage.binary_erosion(sheet, iterations=max(1, round(0.02 * side)))
    up = np.asarray(Image.fromarray(sheet.astype(np.uint8) * 255).resize(grey.shape[::-1], Image.NEAREST)) > 127
    return (up, angle) if up.any() else None


def _find_ink(grey: np.ndarray, warnings: list, notes: list) -> tuple[np.ndarray, np.ndarray]:
    """``(paper, ink)``: the paper level, and the digit's ink in [0, 1] with all else 0.

    Two readings: against the paper *around* the ink (:func:`_find_ink_local`: shadows, specks,
    frames), and from the digit's own ink (:func:`_find_ink_global`: one threshold, Otsu's, for
    the whole picture). The local one needs paper around the digit: when the digit fills its
    picture (a photo cropped tightly to the digit, MNIST's own digits written to a file) there
    is no window of paper to estimate, the estimate is made of the ink itself and subtracting
    it erases most of the digit. So the global reading is used when its digit touches at least
    three of the picture's four sides and either the picture has no paper away from the ink
    (``fills_picture``) or the local reading found no digit, a digit touching the edge, or less
    than :data:`LOCAL_INK_SHARE` of the global one's ink; else the local one.
    ``benchmarks/reading.py`` (MNIST test digits written as files) and ``benchmarks/photos.py``
    measured the rule.
    """
    local_warnings, local_notes = list(warnings), list(notes)
    try:
        paper, ink = _find_ink_local(grey, local_warnings, local_notes)
    except ImageError as exc:
        paper = ink = None
        local_error = exc
    global_warnings, global_notes = list(warnings), list(notes)
    try:
        paper_g, ink_g, fills_picture = _find_ink_global(grey, global_warnings, global_notes)
    except ImageError:
        ink_g, fills_picture = None, False
    # The global digit "fills" the picture when it reaches three sides, or comes within 3% of them:
    # the faint anti-aliased rim of a digit cropped to its ink falls below the ink threshold.
    if ink_g is not None and _sides_touched(_box(ink_g), ink_g.shape, round(0.03 * max(ink_g.shape))) >= 3 and (
            fills_picture or ink is None or _touches_edge(_box(ink), ink.shape)
            or (ink > 0).sum() < LOCAL_INK_SHARE * (ink_g > 0).sum()):
        warnings[:], notes[:] = global_warnings, global_notes
        return paper_g, ink_g
    if ink is None:
        if ink_g is None:
            raise local_error
        warnings[:], notes[:] = global_warnings, global_notes
        return paper_g, ink_g
    warnings[:], notes[:] = local_warnings, local_notes
    return paper, ink


def _box(ink: np.ndarray) -> tuple[slice, slice]:
    """The bounding box of the nonzero pixels, as a pair of slices."""
    rows, cols = np.nonzero(ink)
    return slice(rows.min(), rows.max() + 1), slice(cols.min(), cols.max() + 1)


def _find_ink_global(grey: np.ndarray, warnings: list, notes: list) -> tuple[np.ndarray, np.ndarray, bool]:
    """``(paper, ink, fills_picture)`` read from the digit's own ink: one threshold for the whole picture.

    Otsu's threshold (Otsu 1979, ``skimage.filters.threshold_otsu``) splits the grey levels into
    two classes; the class that holds most of the picture's border is the paper (a digit cropped
    tightly touches the border in a few places, paper makes up the rest), the other the ink;
    when the border is split nearly evenly, the class clearly over-represented on it is the paper.
    The paper level is the median of the paper class; the ink is then read as in the local
    reading (ink minus paper, marks, specks and frames left out). ``fills_picture``: the paper
    class is only the ink's edge (:func:`_paper_is_only_edge`): a digit cropped tightly to its ink.

    Raises:
        ImageError: a uniform picture, or no digit-like mark.
    """
    if float(grey.max() - grey.min()) < MIN_CONTRAST:
        raise ImageError("no ink found: the image is blank or uniform; write the digit in dark ink on light "
                         "paper (or light on dark) filling a good part of the picture")
    dark = grey < threshold_otsu(grey)
    border = np.concatenate([dark[0], dark[-1], dark[:, 0], dark[:, -1]])
    # The paper is the class that lines most of the border: a digit cropped to its ink reaches
    # the border in a few places. When the border is split nearly evenly (a thick 1 cropped to
    # its ink is up to 75% ink and half the border), the paper is the class the border holds
    # more of than its share of the picture, if clearly (1.5 times more than the other class).
    dark_border, dark_share = float(border.mean()), float(dark.mean())
    dark_ink = dark_border < 0.5
    if abs(dark_border - 0.5) < 0.1 and 0 < dark_share < 1:
        dark_on_border, light_on_border = dark_border / dark_share, (1 - dark_border) / (1 - dark_share)
        if max(dark_on_border, light_on_border) > 1.5 * min(dark_on_border, light_on_border):
            dark_ink = light_on_border > dark_on_border
    ink = 1 - grey if dark_ink else grey
    paper_class = ~dark if dark_ink else dark
    paper_level = float(np.median(ink[paper_class])) if paper_class.any() else float(ink.min())
    paper = np.full(grey.shape, paper_level, dtype=np.float32)
    signal = np.clip(ink - paper_level, 0, None).astype(np.float32)
    on_paper = ink[paper_class] - paper_level
    noise = 1.4826 * float(np.median(np.abs(on_paper - np.median(on_paper)))) if on_paper.size else 0.0
    # When the ink fills the picture (a thick 1 cropped to its ink), the paper class is only the
    # anti-aliased edge of the strokes, whose spread is not noise: 4 x that "noise" would set the
    # ink threshold above the ink itself and erase the digit. There the noise may raise the
    # threshold to half the contrast, no further. Where there is paper away from the ink, its
    # spread is real (a shadow across the page) and keeps its full weight.
    fills_picture = _paper_is_only_edge(~paper_class)
    if fills_picture:
        noise = min(noise, float(np.percentile(signal, 99.9)) / 8)
    return paper, _ink_from_signal_despeckled(signal, warnings, notes, noise, fills_picture), fills_picture


def _paper_is_only_edge(ink_class: np.ndarray) -> bool:
    """Whether nearly all the pixels outside ``ink_class`` (a boolean mask) lie along its edge:
    at least :data:`EDGE_ONLY_PAPER` of them within 5% of the picture's long side (+1 pixel)."""
    paper = ~ink_class
    if not paper.any() or not ink_class.any():
        return False
    distance = ndimage.distance_transform_edt(paper)
    return float((distance[paper] <= 0.05 * max(ink_class.shape) + 1).mean()) >= EDGE_ONLY_PAPER


def _find_ink_local(grey: np.ndarray, warnings: list, notes: list) -> tuple[np.ndarray, np.ndarray]:
    """``(paper, ink)`` read against the paper *around* the ink: the local paper level, and the
    digit's ink in [0, 1] with all else 0.

    The digit is found with the default paper window (:func:`_ink_and_background`); when its
    widest ink (the diameter of the largest disc inside the mask, pixels) times
    :data:`STROKE_WINDOW` is wider than that window, the paper is estimated again with the
    wider window and the digit found again (at most twice more), so that a thick marker's
    strokes are not taken for paper.
    """

    min_window, found, dark_ink = 0.0, None, _dark_ink(grey)
    for _ in range(3):
        ink, paper, dark_ink, window = _ink_and_background(grey, min_window, dark_ink)
        signal = ink - paper
        if dark_ink:  # light falls on paper and ink alike (a shadow scales both): compare ink to its paper
            signal = signal / np.maximum(1 - paper, 0.1)
        pass_warnings, pass_notes = list(warnings), list(notes)
        try:
            ink_bright = _ink_from_signal_despeckled(signal, pass_warnings, pass_notes)
        except ImageError:
            if found is None:
                raise
            break  # a wider window lost the digit: keep what the narrower one found
        found = (paper, ink_bright, pass_warnings, pass_notes)
        widest = 2 * float(ndimage.distance_transform_edt(np.pad(ink_bright > 0, 1)).max())
        min_window = STROKE_WINDOW * widest
        if min_window <= window or window >= max(grey.shape):
            break
    paper, ink_bright, warnings[:], notes[:] = found
    return paper, ink_bright


def _ink_from_signal_despeckled(signal: np.ndarray, warnings: list, notes: list, noise: float | None = None,
                                fills_picture: bool = False) -> np.ndarray:
    """:func:`_ink_from_signal`, after a 3x3 median when the picture has salt-and-pepper specks.

    Specks are counted as isolated ink pixels (none of the 8 neighbours is ink) at the ink
    threshold (:func:`_threshold`); more than :data:`SPECK_FRACTION` of the picture's pixels triggers the
    median. A digit drawn with a pen narrower than 3 pixels would be erased by the median, so
    when the filtered picture has no digit the unfiltered one is read.
    """

    if min(signal.shape) >= 64:
        marks = signal > _threshold(signal, noise)[1]
        neighbours = ndimage.convolve(marks.astype(np.uint8), np.ones((3, 3), np.uint8), mode="constant") - marks
        if float((marks & (neighbours == 0)).mean()) > SPECK_FRACTION:
            try:
                kept_warnings, kept_notes = list(warnings), list(notes)
                ink_bright = _ink_from_signal(ndimage.median_filter(signal, size=3), kept_warnings, kept_notes, noise,
                                              fills_picture)
                warnings[:], notes[:] = kept_warnings, kept_notes
                return ink_bright
            except ImageError:
                pass  # ... a stroke drawn 1 pixel wide among the specks: read the unfiltered picture
    return _ink_from_signal(signal, warnings, notes, noise, fills_picture)


def _threshold(signal: np.ndarray, noise: float | None = None) -> tuple[float, float]:
    """``(contrast, threshold)`` of a signal (ink minus paper): its 99.9th percentile, and the
    level above which a pixel is ink: :data:`INK_THRESHOLD` of the contrast, at least 4 times
    the paper's noise (median absolute deviation, scaled to a standard deviation) and half of
    :data:`MIN_CONTRAST`. ``noise`` is measured on the paper when known (the global reading), else
    over the whole picture, which is mostly paper when there is a margin."""
    contrast = float(np.percentile(signal, 99.9))
    if noise is None:
        noise = 1.4826 * float(np.median(np.abs(signal - np.median(signal))))
    return contrast, max(INK_THRESHOLD * contrast, 4 * noise, MIN_CONTRAST / 2)


def _ink_from_signal(signal: np.ndarray, warnings: list, notes: list, noise: float | None = None,
                     fills_picture: bool = False) -> np.ndarray:
    contrast, threshold = _threshold(signal, noise)
    if contrast < MIN_CONTRAST:
        raise ImageError("no ink found: the image is blank, uniform or only specks; write the digit in dark ink on light "
                         "paper (or light on dark) filling a good part of the picture")
    marks = signal > threshold
    lines = _ruled_lines(marks)
    if lines.any():
        notes.append("left out the ruled lines of the paper")
        marks &= ~lines
    mask = _digit_mask(np.where(marks, signal, 0), warnings, notes, fills_picture)
    level = float(np.percentile(signal[mask], 90))
    if level < MIN_CONTRAST:
        raise ImageError("no ink found: the marks are too faint; write the digit in dark ink on light paper")
    ink_bright = np.where(mask, np.clip(signal / level, 0, 1), 0).astype(np.float32)
    ink_bright[ink_bright < INK_THRESHOLD] = 0
    return ink_bright


def _ruled_lines(marks: np.ndarray) -> np.ndarray:
    """The pixels of ruled lines (lined paper) in a mask of marks, to leave out; all False when there are none.

    A ruled line is a thin horizontal mark that crosses the whole picture: a horizontal opening
    (``scipy.ndimage.binary_opening`` with a row of :data:`RULED_SPAN` of the width) keeps only
    such runs. They count as ruled lines when there are at least two of them, each at most
    :data:`RULED_THICKNESS` of the height (a digit's one long bar, a 7's or a 2's in a picture
    cropped to the digit, is kept). Where a stroke of the digit crosses a line, the pixels with
    ink just above and below are kept (a vertical closing), so the stroke is not cut in two.
    """
    h, w = marks.shape
    if w < 3 * MIN_SIDE:
        return np.zeros_like(marks)
    runs = ndimage.binary_opening(marks, structure=np.ones((1, int(RULED_SPAN * w)), dtype=bool))
    labels, n = ndimage.label(runs)
    if n < 2:
        return np.zeros_like(marks)
    boxes = ndimage.find_objects(labels)
    thin = [i + 1 for i, (ys, _) in enumerate(boxes) if ys.stop - ys.start <= max(2, RULED_THICKNESS * h)]
    if len(thin) < 2:
        return np.zeros_like(marks)
    lines = np.isin(labels, thin)
    tall = max(boxes[i - 1][0].stop - boxes[i - 1][0].start for i in thin)
    crossing = ndimage.binary_closing(marks & ~lines, structure=np.ones((tall + 3, 1), dtype=bool)) & lines
    return lines & ~crossing


def _crop(ink: np.ndarray) -> np.ndarray:
    return ink[_box(ink)]


def _fit_box(cropped: np.ndarray) -> np.ndarray:
    """Scale to fit a 20x20 box, aspect ratio kept (MNIST), with Lanczos anti-aliasing."""
    h, w = cropped.shape
    scale = 20 / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    box = Image.fromarray((cropped * 255).astype(np.uint8), mode="L").resize(size, Image.LANCZOS)
    return np.asarray(box, dtype=np.float32) / 255


def _centre(box: np.ndarray) -> np.ndarray:
    """Place the box in a 28x28 field with its centre of mass where MNIST has it: pixel (14, 14).

    Measured on MNIST's 10,000 test digits: the mean centre of mass is at row 13.99, column 14.01
    (0-based pixel indices), not at the geometric centre 13.5 (the MNIST database page says only
    "the center of the 28x28 field"). Placing it at 13.5 put digits up to a pixel up and left of
    where MNIST has them.
    """
    total = box.sum()
    ys, xs = np.indices(box.shape)
    cy, cx = (ys * box).sum() / total, (xs * box).sum() / total
    top = int(np.clip(round(MNIST_CENTRE - cy), 0, 28 - box.shape[0]))
    left = int(np.clip(round(MNIST_CENTRE - cx), 0, 28 - box.shape[1]))
    field = np.zeros((28, 28), dtype=np.float32)
    field[top:top + box.shape[0], left:left + box.shape[1]] = box
    return (field * 255).round().astype(np.uint8)


def load_image(path_or_image, model=None, preprocessing: str | None = None,
               normalize_stroke: bool = True) -> torch.Tensor:
    """Turn an image of a handwritten digit into the model's input, the way MNIST was made.

    Greyscale at any bit depth (transparent areas become paper; large pictures down-sampled);
    ink made bright and measured against the paper *around it* (so a shadow across the page
    does not count as ink); the largest digit-like mark kept (specks, a frame and far-away
    marks left out); cropped to its bounding box; strokes brought to MNIST's width
    (``normalize_stroke``, see :func:`~lenet_helpers.digits.strokes.normalize_stroke_width`); scaled
    to fit 20x20 keeping the aspect ratio; placed in 28x28 with its centre of mass at the centre; then the preprocessing
    ``model`` declares (``preprocessing``, default ``"resize32"``: the reference tutorial's
    32x32 resize; see :mod:`lenet_helpers.data.preprocessing`). This follows the MNIST
    preprocessing description (LeCun, Cortes & Burges, MNIST database page; LeCun et al.
    1998, section III.A). :func:`preprocess_steps` shows every stage and the warnings.

    Args:
        path_or_image: a file path (PNG, JPEG, TIFF, anything Pillow reads, 8 or 16 bit,
            RGB, RGBA, greyscale), a PIL image, or a 2-D array/tensor (values 0-255 or 0-1,
            16-bit, or any range).

    Returns:
        A float32 tensor ``model.input_shape`` (``(1, 32, 32)`` by default), ready for
        ``model(x.unsqueeze(0))``.

    Raises:
        FileNotFoundError: the file does not exist.
        ImageError: not a readable image (folder, pipe, permission, damaged, too large),
            too small, or no ink (blank page, only specks).
    """
    return preprocess_steps(path_or_image, model, preprocessing, normalize_stroke)["model input"]


@torch.no_grad()
def read_digit(model, path_or_image, normalize_stroke: bool = True) -> DigitReading:
    """The digit the model reads in an image, and whether to trust it.

    Runs :func:`preprocess_steps` and the model; the reading's ``warnings`` collect the
    picture's problems (two marks, a mark wider than a digit, a mark touching the edge) and a
    softmax probability below :data:`CONFIDENT` (80%); its ``notes`` what was left out (a frame).

    Returns:
        A :class:`DigitReading` (digit, probabilities (10,), warnings, notes, steps);
        ``reading.uncertain`` is True when there is any warning.

    Raises:
        FileNotFoundError, ImageError: as :func:`load_image`.
    """

    steps = preprocess_steps(path_or_image, model, normalize_stroke=normalize_stroke)
    digits, probabilities = predict(model, steps["model input"])
    digit, probs = int(digits[0]), probabilities[0]
    warnings = list(steps.warnings)
    if float(probs[digit]) < CONFIDENT:
        warnings.append(f"the model is unsure ({format_confidence(probs[digit])} for {digit})")
    return DigitReading(digit, probs, warnings, list(steps.notes), steps)


@torch.no_grad()
def predict_image(model, path_or_image, normalize_stroke: bool = True) -> tuple[int, torch.Tensor, list[str]]:
    """The digit the model reads in an image file, its 10 softmax probabilities, and the reading's warnings.

    The warnings are :func:`read_digit`'s: why the answer may be wrong (the mark touches the
    edge, two marks, a very low resolution, an unsure model); an empty list for a clear digit.
    Show them with the answer: a confident-looking digit with a warning is a guess.

    Returns:
        ``(digit, probabilities (10,), warnings)``; ``probabilities[digit]`` is the confidence.

    Raises:
        FileNotFoundError, ImageError: as :func:`load_image`.
    """
    reading = read_digit(model, path_or_image, normalize_stroke)
    return reading.digit, reading.probabilities, list(reading.warnings)
