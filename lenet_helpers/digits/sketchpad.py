"""Draw a digit in the notebook and watch the network read it.

Two layers, so that the logic is testable without a browser:

* :func:`predict_strokes` is the plain function: pen strokes (lists of points in canvas
  pixels) are drawn with Pillow the way the canvas draws them, prepared by
  :func:`~lenet_helpers.digits.page.read_digit` exactly as notebook 09 reads a photo (warnings too),
  and read by the model. It returns a :class:`~lenet_helpers.DigitReading` (digit, probabilities, every
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
from pathlib import Path

import numpy as np
import torch
from matplotlib import colormaps
from PIL import Image

from lenet_helpers.digits.page import MAP_LAYERS, NO_INK_MESSAGE, DigitReading, ImageError, NoInk, read_digit
from lenet_helpers.digits.synthetic import CANVAS_SIZE, PEN_WIDTH, _points, rasterize_strokes
from lenet_helpers.models.hooks import feature_maps
from lenet_helpers.readings.text import format_confidence
from lenet_helpers.training.checkpoint import load_checkpoint
from lenet_helpers.training.reference import load_trained_model

#: One line for front ends that cannot show widgets (a static HTML export, a plain terminal).
FALLBACK_LINE = ("The drawing pad appears when this cell runs in a live kernel (JupyterLab 4 or Notebook 7: run the "
                 "cell). Without one, predict a saved drawing instead: lh.predict_image(model, 'my_digit.png'), "
                 "or from a terminal: python -m lenet_helpers predict my_digit.png")


def predict_strokes(model: torch.nn.Module, strokes, size: int = CANVAS_SIZE,
                    pen_width: int = PEN_WIDTH) -> DigitReading | NoInk:
    """Read a drawing given as pen strokes: the sketchpad's whole drawing-to-prediction path.

    The strokes are drawn with :func:`rasterize_strokes` and read by
    :func:`~lenet_helpers.digits.page.read_digit`, exactly as notebook 09 reads a photo (ink made
    bright on black, cropped, fitted in 20x20, centred by centre of mass in 28x28, then the
    model's own input preprocessing: the MNIST recipe of LeCun et al. 1998, section III.A), with
    the same warnings (two separate marks, a mark touching the edge, an unsure model); the
    conv1/conv2 feature maps are added where the model's ``feature_layers`` has them.

    Args:
        model: a trained registered model (``lh.build_model`` / ``lh.load_checkpoint``), any
            architecture; its ``preprocessing`` decides the input (e.g. ``(1, 32, 32)``).
        strokes: one list of ``(x, y)`` canvas points per stroke; ``[]`` for an empty canvas.
        size, pen_width: the canvas's side and pen width in pixels.

    Returns:
        A :class:`~lenet_helpers.DigitReading`, or :class:`NoInk` when the canvas holds no ink.

    Raises:
        ValueError: malformed strokes (see :func:`rasterize_strokes`).
    """
    image = rasterize_strokes(strokes, size, pen_width)
    if not any(len(_points(s)) for s in strokes):
        return NoInk()
    try:
        reading = read_digit(model, image)  # notebook 09's reading of a file: same steps, same warnings
    except ImageError:
        return NoInk()
    if any(k in getattr(model, "feature_layers", {}) for k in MAP_LAYERS):  # the model contract's layer names
        captured = feature_maps(model, reading.steps["model input"])
        reading.maps = {k: captured[k] for k in MAP_LAYERS if k in captured}
    reading.image = image
    return reading


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

    Colours as notebook 08's :func:`~lenet_helpers.plot_feature_maps`: red
    positive, blue negative, white 0, one scale for all channels (the largest
    absolute activation). Each map is enlarged ``scale`` times (nearest pixel), with
    ``gap`` white pixels between maps.
    """

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


def reading_panel(reading: DigitReading | NoInk, model_name: str = "") -> dict:
    """The widget's panel as plain JSON (what :class:`Sketchpad` sends to the browser).

    Keys: ``status`` (``"ok"`` or ``"noink"``), ``message``; for ``"ok"`` also ``digit``,
    ``confidence`` (text of :func:`~lenet_helpers.readings.format_confidence`),
    ``probabilities`` (10 floats), ``bars`` (10 confidence texts), ``images``
    (``[caption, PNG data URL]`` pairs: the 28x28 image, the model input, the conv1 and
    conv2 maps), ``warnings`` (the reading's warnings, shown under the answer: why it may be
    wrong) and ``note`` (why maps are missing, if they are).
    """
    if isinstance(reading, NoInk):
        return {"status": "noink", "message": reading.message}
    probs = [float(p) for p in reading.probabilities]
    mnist_like = reading.steps["28x28 centred"]
    model_input = reading.steps["model input"]
    h, w = model_input.shape[-2:]
    images = [["28x28, centred as MNIST", _png_data_url(_grey(mnist_like, 4))],
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
            "bars": [format_confidence(p) for p in probs], "images": images,
            "warnings": list(reading.warnings), "note": note}


def _model_name(model) -> str:
    return getattr(model, "name", None) or type(model).__name__


def _load_default_model(checkpoint, device):
    if checkpoint is None:
        model, _history, meta = load_trained_model(device=device)  # yours, else the reference model; one line says which
        source = "your model" if meta.get("source") == "yours" else "the reference model"
        return model, f"{source}, {Path(meta.get('path', '')).name}"
    model, _meta = load_checkpoint(checkpoint, device=device)
    return model, str(checkpoint)


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
            model: a trained model; default: ``lh.load_checkpoint(checkpoint)`` when ``checkpoint``
                is given, else ``lh.load_trained_model()`` (your model of notebook 04, else the
                reference model shipped with the package).
            checkpoint: a checkpoint file to load instead of the default.
            device: where a loaded model runs (default :func:`~lenet_helpers.pick_device`).
            size: canvas side in pixels. pen_width: pen diameter in pixels.

        Attributes:
            reading: the last :class:`~lenet_helpers.DigitReading` or :class:`NoInk` (for use in Python).

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
            self.reading: DigitReading | NoInk = NoInk()
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

        def draw(self, strokes) -> DigitReading | NoInk:
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
