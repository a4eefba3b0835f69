"""Draw a digit in the notebook and watch the network read it.

Two layers, so that the logic is testable without a browser:

* :func:`predict_strokes` is the plain function: pen strokes (lists of points in canvas
  pixels) are drawn with Pillow the way the canvas draws them, prepared by
  :func:`~lenet_helpers.images.preprocess_steps` exactly as notebook 09 prepares a photo,
  and read by the model. It returns a :class:`Reading` (digit, probabilities, every
  preprocessing step, the conv1 and conv2 feature maps) or :class:`NoInk`.
* :class:`Sketchpad` is the widget: a square canvas (mouse, touch and pen through pointer
  events), Undo and Clear, and beside it what :func:`predict_strokes` returns, redrawn after
  each stroke. It is an anywidget (its JavaScript is ``sketchpad.js`` beside this file, an
  ES module loaded as is: no build step, no Jupyter extension to enable).
"""
from __future__ import annotations

import base64
import io
import os
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np
import torch
from PIL import Image, ImageDraw

from .evaluation import format_confidence, predict
from .features import feature_maps
from .images import ImageError, preprocess_steps

#: Side of the square canvas in pixels (10x MNIST's 28 pixels).
CANVAS_SIZE = 280
#: Pen width on the canvas in pixels. A digit about 200 px tall drawn with it becomes a
#: stroke about 2 px wide once scaled into MNIST's 20x20 box, as in MNIST itself.
PEN_WIDTH = 20
#: What the widget and :class:`NoInk` say when there is nothing to read.
NO_INK_MESSAGE = "No ink on the canvas: draw a digit (mouse, finger or pen) to see the network read it."
#: The layers whose feature maps are shown (keys of ``feature_maps``).
MAP_LAYERS = ("conv1", "conv2")
#: One line for front ends that cannot show widgets (a static HTML export, a plain terminal).
FALLBACK_LINE = ("The sketchpad needs a live Jupyter front end with widgets (JupyterLab 4, Notebook 7); here, "
                 "predict a saved drawing instead: lh.predict_image(model, 'my_digit.png') or "
                 "`python -m lenet_helpers predict my_digit.png`.")


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

@dataclass
class NoInk:
    """The canvas holds no ink (nothing drawn, or everything cleared/undone): nothing to read."""

    message: str = NO_INK_MESSAGE

    def __str__(self) -> str:
        return self.message


@dataclass
class Reading:
    """What the model made of one drawing.

    Attributes:
        digit: the predicted digit (argmax of ``probabilities``).
        probabilities: softmax over the 10 digits, ``(10,)`` float32 on the CPU, sums to 1.
        steps: the preprocessing stages of :func:`~lenet_helpers.images.preprocess_steps`
            (``"28x28 centred"`` is the MNIST-like uint8 image, ``"model input"`` the
            normalised tensor the model reads, e.g. ``(1, 32, 32)``).
        maps: feature maps of the drawing, ``{"conv1": (C1, H1, W1), "conv2": (C2, H2, W2)}``
            (LeNet-5: ``(6, 28, 28)`` and ``(16, 10, 10)``); empty for a model without
            convolutional layers.
        image: the canvas as drawn (PIL greyscale, ``size`` x ``size``, dark ink on white).
    """

    digit: int
    probabilities: torch.Tensor
    steps: "OrderedDict[str, np.ndarray | torch.Tensor]"
    maps: dict[str, torch.Tensor] = field(default_factory=dict)
    image: Image.Image | None = None

    @property
    def confidence(self) -> float:
        """The softmax probability of :attr:`digit` (0-1)."""
        return float(self.probabilities[self.digit])

    def __str__(self) -> str:
        return f"read as {self.digit} ({format_confidence(self.confidence)})"


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


def predict_strokes(model: torch.nn.Module, strokes, size: int = CANVAS_SIZE,
                    pen_width: int = PEN_WIDTH) -> Reading | NoInk:
    """Read a drawing given as pen strokes: the sketchpad's whole drawing-to-prediction path.

    The strokes are drawn with :func:`rasterize_strokes`, prepared by
    :func:`~lenet_helpers.images.preprocess_steps` (ink made bright on black, cropped, fitted
    in 20x20, centred by centre of mass in 28x28, then the model's own input preprocessing:
    the MNIST recipe of LeCun et al. 1998, section III.A, exactly as notebook 09), and read by
    ``model`` (softmax probabilities, and the conv1/conv2 feature maps where its
    ``feature_layers`` has them).

    Args:
        model: a trained registered model (``lh.build_model`` / ``lh.load_checkpoint``), any
            architecture; its ``preprocessing`` decides the input (e.g. ``(1, 32, 32)``).
        strokes: one list of ``(x, y)`` canvas points per stroke; ``[]`` for an empty canvas.
        size, pen_width: the canvas's side and pen width in pixels.

    Returns:
        A :class:`Reading`, or :class:`NoInk` when the canvas holds no ink.

    Raises:
        ValueError: malformed strokes (see :func:`rasterize_strokes`).
    """
    image = rasterize_strokes(strokes, size, pen_width)
    if not any(len(_points(s)) for s in strokes):
        return NoInk()
    try:
        steps = preprocess_steps(image, model=model)  # the model's own input preprocessing
    except ImageError:
        return NoInk()
    x = steps["model input"]
    digits, probabilities = predict(model, x)
    maps = {}
    if any(k in getattr(model, "feature_layers", {}) for k in MAP_LAYERS):  # the model contract's layer names
        captured = feature_maps(model, x)
        maps = {k: captured[k] for k in MAP_LAYERS if k in captured}
    return Reading(int(digits[0]), probabilities[0], steps, maps, image)


# --- pictures of a reading ---------------------------------------------------------------

def _png_data_url(arr: np.ndarray) -> str:
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format="PNG", optimize=False)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _upscale(arr: np.ndarray, scale: int) -> np.ndarray:
    return np.repeat(np.repeat(arr, scale, axis=0), scale, axis=1)


def _grey(img, scale: int) -> np.ndarray:
    arr = np.asarray(img.detach().cpu() if isinstance(img, torch.Tensor) else img, dtype=np.float32)
    arr = arr.reshape(arr.shape[-2:])
    lo, hi = float(arr.min()), float(arr.max())
    arr = (arr - lo) / (hi - lo) if hi > lo else np.zeros_like(arr)
    return _upscale((arr * 255).round().astype(np.uint8), scale)


def map_grid(maps: torch.Tensor, ncols: int, scale: int, gap: int = 2) -> np.ndarray:
    """Feature maps ``(C, H, W)`` tiled in rows of ``ncols`` as one RGB image (uint8).

    Colours as notebook 08's :func:`~lenet_helpers.plotting.plot_feature_maps`: red
    positive, blue negative, white 0, one scale for all channels (the largest
    absolute activation). Each map is enlarged ``scale`` times (nearest pixel), with
    ``gap`` white pixels between maps.
    """
    from matplotlib import colormaps

    maps = maps.detach().cpu().float()
    c, h, w = maps.shape
    lim = float(maps.abs().max()) or 1.0
    rgb = colormaps["RdBu_r"]((maps.numpy() / lim + 1) / 2)[..., :3]
    rows = (c + ncols - 1) // ncols
    H, W = h * scale, w * scale
    out = np.full((rows * (H + gap) - gap, ncols * (W + gap) - gap, 3), 255, dtype=np.uint8)
    for k in range(c):
        r, col = divmod(k, ncols)
        out[r * (H + gap):r * (H + gap) + H, col * (W + gap):col * (W + gap) + W] = \
            _upscale((rgb[k] * 255).round().astype(np.uint8), scale)
    return out


def reading_panel(reading: Reading | NoInk, model_name: str = "") -> dict:
    """The widget's panel as plain JSON (what :class:`Sketchpad` sends to the browser).

    Keys: ``status`` (``"ok"`` or ``"noink"``), ``message``; for ``"ok"`` also ``digit``,
    ``confidence`` (text of :func:`~lenet_helpers.evaluation.format_confidence`),
    ``probabilities`` (10 floats), ``bars`` (10 confidence texts), ``images``
    (``[caption, PNG data URL]`` pairs: the 28x28 image, the model input, the conv1 and
    conv2 maps) and ``note`` (why maps are missing, if they are).
    """
    if isinstance(reading, NoInk):
        return {"status": "noink", "message": reading.message}
    probs = [float(p) for p in reading.probabilities]
    mnist_like = reading.steps["28x28 centred"]
    model_input = reading.steps["model input"]
    h, w = model_input.shape[-2:]
    images = [[f"28x28, centred as MNIST", _png_data_url(_grey(mnist_like, 4))],
              [f"model input {h}x{w}", _png_data_url(_grey(model_input, max(1, 112 // h)))]]
    for key in MAP_LAYERS:
        if key in reading.maps:
            maps = reading.maps[key]
            c, mh, mw = maps.shape
            ncols = c if c <= 8 else 8
            scale = max(1, min(6, 500 // (ncols * (mw + 2))))  # about 500 px wide
            images.append([f"{key}: {c} maps of {mh}x{mw} (red +, blue -)", _png_data_url(map_grid(maps, ncols, scale))])
    missing = [k for k in MAP_LAYERS if k not in reading.maps]
    note = ""
    if missing:
        note = (f"{model_name or 'this model'} has no {' or '.join(missing)} layer: no feature maps to show "
                "(a model without convolutional layers sees the image as one long vector)")
    return {"status": "ok", "message": str(reading), "digit": reading.digit,
            "confidence": format_confidence(reading.confidence), "probabilities": probs,
            "bars": [format_confidence(p) for p in probs], "images": images, "note": note}


def plot_reading(reading: Reading, fig=None, title: str | None = None):
    """A reading as one matplotlib figure, the widget's panel for notebooks and reports.

    Top row: the drawing, the 28x28 MNIST-like image, the model input, the softmax bar
    chart (top answer in blue, confidence by :func:`format_confidence`). Below: the conv1 and
    conv2 feature maps (red positive, blue negative, one scale per layer).

    Returns:
        The figure.

    Raises:
        TypeError: given :class:`NoInk` (there is nothing to plot).
    """
    import matplotlib.pyplot as plt

    from .plotting import RIGHT

    if isinstance(reading, NoInk):
        raise TypeError(f"nothing to plot: {reading.message}")
    layers = [k for k in MAP_LAYERS if k in reading.maps]
    fig = fig or plt.figure(figsize=(10, 3.2 + 1.6 * len(layers)), layout="constrained")  # <= 10 in: text >= 10 pt
    subs = fig.subfigures(1 + len(layers), 1, height_ratios=[2.2] + [1.5] * len(layers)) if layers else [fig]
    subs = np.atleast_1d(subs)
    top = subs[0].subplots(1, 4, width_ratios=[1, 1, 1, 1.8])
    model_input = reading.steps["model input"]
    h, w = model_input.shape[-2:]
    for ax, img, name in zip(top[:3], [reading.image, reading.steps["28x28 centred"], model_input],
                             ["your drawing", "28x28, centred", f"model input {h}x{w}"]):
        arr = np.asarray(img.detach().cpu() if isinstance(img, torch.Tensor) else img, dtype=np.float32)
        ax.imshow(arr.reshape(arr.shape[-2:]), cmap="gray")
        ax.set_title(name, fontsize=11)
        ax.set_axis_off()
    probs = reading.probabilities.numpy()
    colors = ["lightgrey"] * 10
    colors[reading.digit] = RIGHT
    bars = top[3].barh(range(10), probs * 100, color=colors)
    top[3].set(yticks=range(10), xlim=(0, 118), xlabel="softmax probability (%)")
    top[3].invert_yaxis()
    top[3].bar_label(bars, [format_confidence(p) if p >= 0.005 else "" for p in probs], padding=3, fontsize=10)
    top[3].set_title(f"read as {reading.digit} ({format_confidence(reading.confidence)})", fontsize=12)
    top[3].tick_params(labelsize=10)
    for sub, key in zip(subs[1:], layers):
        maps = reading.maps[key]
        lim = float(maps.abs().max()) or 1.0
        axes = sub.subplots(1, len(maps)) if len(maps) <= 8 else sub.subplots(2, (len(maps) + 1) // 2)
        for k, ax in enumerate(np.ravel(axes)):
            ax.set_axis_off()
            if k < len(maps):
                ax.imshow(maps[k].numpy(), cmap="RdBu_r", vmin=-lim, vmax=lim)
                ax.set_title(str(k), fontsize=10)
        sub.suptitle(f"{key} feature maps {tuple(maps.shape)} (red +, blue -)", fontsize=11)
    if title:
        fig.suptitle(title, fontsize=13)
    return fig


# --- the widget -------------------------------------------------------------------------

def _model_name(model) -> str:
    return getattr(model, "name", None) or type(model).__name__


def _load_default_model(checkpoint, device):
    from . import checkpoint as _ckpt

    if checkpoint is None:
        import lenet_helpers as lh

        loader = getattr(lh, "load_trained_model", None)  # your checkpoint, else the shipped reference model
        if loader is not None:
            model, _history, meta = loader(device=device)  # prints one line saying which model
            source = "your model" if meta.get("source") == "yours" else "the reference model"
            return model, f"{source}, {Path(meta.get('path', '')).name}"
    model, _meta = _ckpt.load_checkpoint(checkpoint, device=device)
    from .settings import checkpoint_path

    return model, str(checkpoint or checkpoint_path())


try:
    import anywidget
    import traitlets
except ImportError:  # pragma: no cover - anywidget is a dependency; a clear message if it is missing
    anywidget = None


if anywidget is not None:
    class Sketchpad(anywidget.AnyWidget):
        """Draw a digit and watch the network read it: canvas, Undo, Clear, and the model's view.

        After each stroke the drawing's strokes go to the kernel, :func:`predict_strokes`
        reads them and the panel beside the canvas shows the 28x28 MNIST-like image and the
        model input, the softmax bar chart with the answer and its confidence, and the conv1
        and conv2 feature maps. One reading is in flight at a time; strokes drawn meanwhile
        are read as soon as it returns (the page never waits for the kernel).

        Built on anywidget (an ES module loaded by the front end as is) rather than ipycanvas:
        it runs in JupyterLab 4 and Notebook 7 after ``pip install`` with no extension to
        enable, and pointer events (mouse, touch, pen) are plain browser JavaScript.

        Args:
            model: a trained model; default: the series' checkpoint (``lh.load_trained_model``
                where it exists, else ``lh.load_checkpoint(checkpoint)``).
            checkpoint: a checkpoint file to load instead of the default.
            size: canvas side in pixels. pen_width: pen diameter in pixels.

        Attributes:
            reading: the last :class:`Reading` or :class:`NoInk` (for use in Python).

        Raises:
            FileNotFoundError, CheckpointError: no model given and the checkpoint cannot be loaded.
        """

        _esm = Path(__file__).with_name("sketchpad.js")
        _css = Path(__file__).with_name("sketchpad.css")
        size = traitlets.Int(CANVAS_SIZE).tag(sync=True)
        pen_width = traitlets.Int(PEN_WIDTH).tag(sync=True)
        #: The drawing: one list of [x, y] canvas points per stroke.
        strokes = traitlets.List().tag(sync=True)
        #: Incremented by the front end (or :meth:`draw`) for each drawing to read.
        seq = traitlets.Int(0).tag(sync=True)
        #: The panel for the last drawing read (see :func:`reading_panel`), with its ``seq``.
        result = traitlets.Dict().tag(sync=True)
        model_name = traitlets.Unicode("").tag(sync=True)
        #: Shown when the kernel does not answer (e.g. a static page): how to predict a file.
        help_line = traitlets.Unicode(FALLBACK_LINE).tag(sync=True)

        def __init__(self, model=None, checkpoint: str | os.PathLike | None = None, device=None,
                     size: int = CANVAS_SIZE, pen_width: int = PEN_WIDTH, **kwargs):
            if model is None:
                model, source = _load_default_model(checkpoint, device)
            else:
                source = "given"
            self.model = model.eval()
            self.reading: Reading | NoInk = NoInk()
            super().__init__(size=size, pen_width=pen_width, model_name=f"{_model_name(model)} ({source})", **kwargs)
            self._read()

        @traitlets.observe("seq")
        def _on_seq(self, _change):
            self._read()

        def _read(self):
            try:
                self.reading = predict_strokes(self.model, self.strokes, self.size, self.pen_width)
                panel = reading_panel(self.reading, _model_name(self.model))
            except Exception as exc:  # shown in the panel: a kernel-side error must not hang the page
                panel = {"status": "error", "message": f"could not read the drawing: {type(exc).__name__}: {exc}"}
            panel["seq"] = self.seq
            panel["strokes"] = len(self.strokes)
            self.result = panel

        def draw(self, strokes) -> Reading | NoInk:
            """Replace the drawing with ``strokes`` (lists of [x, y] canvas points) and read it."""
            self.strokes = [[[float(x), float(y)] for x, y in _points(s)] for s in strokes]
            self.seq += 1
            return self.reading

        def clear(self) -> NoInk:
            """Empty the canvas (as the Clear button)."""
            return self.draw([])

        def _repr_mimebundle_(self, **kwargs):
            data = super()._repr_mimebundle_(**kwargs)
            bundle = data[0] if isinstance(data, tuple) else data
            bundle["text/plain"] = ""  # the line of _ipython_display_ says it once
            return data

        def _ipython_display_(self):
            from IPython.display import display

            # Front ends without widgets (a plain HTML export, a terminal) show this line; a live
            # front end hides it once the canvas renders (sketchpad.js).
            display({"text/plain": FALLBACK_LINE,
                     "text/html": f'<div class="lenet-sketchpad-fallback">{FALLBACK_LINE}</div>'}, raw=True)
            data = self._repr_mimebundle_()
            bundle, metadata = data if isinstance(data, tuple) else (data, {})
            display(bundle, metadata=metadata, raw=True)
else:  # pragma: no cover
    class Sketchpad:  # noqa: D101
        def __init__(self, *args, **kwargs):
            raise ImportError("the sketchpad needs anywidget: pip install anywidget")
