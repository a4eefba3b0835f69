"""Figures of digits: pixel values, grids of labelled digits, predictions, the preprocessing steps
of a photo (notebook 09) and the sketchpad's reading of a drawing (notebook 11).
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import torch

from lenet_helpers.digits.page import MAP_LAYERS, DigitReading, NoInk
from lenet_helpers.plots.figures import GRID_WIDTH_IN, RIGHT, WRONG, _as_image, grid
from lenet_helpers.readings.text import format_confidence


def ink_box(image) -> tuple[int, int, int, int]:
    """``(top, bottom, left, right)`` pixel indices (inclusive) of the non-zero pixels of a 2-D image.

    Raises:
        ValueError: the image has no non-zero pixel.
    """
    img = _as_image(image)
    rows, cols = np.nonzero(img)
    if len(rows) == 0:
        raise ValueError("the image has no ink (all pixels are 0)")
    return int(rows.min()), int(rows.max()), int(cols.min()), int(cols.max())


def plot_digit_pixels(image, ax=None, label=None, crop: bool = True):
    """A digit with each non-zero pixel's grey value (0-255) written on it, at 10 pt.

    With ``crop`` (default) only the ink's bounding box (at most 20x20 for MNIST) is drawn,
    big enough for the values to be read from the back of a room; the axes keep the pixel
    rows and columns of the full image, and the title says which part is shown.

    Args:
        image: ``(28, 28)`` or ``(1, H, W)``, values 0-255 (a PIL image or uint8 array works).
    """
    img = _as_image(image)
    h, w = img.shape
    top, bottom, left, right = ink_box(img) if crop and img.any() else (0, h - 1, 0, w - 1)
    part = img[top:bottom + 1, left:right + 1]
    ax = ax or plt.figure(figsize=(9, 9)).gca()
    ax.imshow(part, cmap="gray", vmin=0, vmax=255,
              extent=(left - 0.5, right + 0.5, bottom + 0.5, top - 0.5))
    for (i, j), v in np.ndenumerate(part):
        if v:
            ax.text(left + j, top + i, str(int(v)), ha="center", va="center", fontsize=10,
                    color="black" if v > 128 else "white")
    ax.set_xticks(range(left, right + 1, 2))
    ax.set_yticks(range(top, bottom + 1, 2))
    ax.set(xlabel="column", ylabel="row")
    shown = "" if (top, bottom, left, right) == (0, h - 1, 0, w - 1) else \
        f": rows {top}-{bottom}, columns {left}-{right} hold all the ink"
    ax.set_title(f"{h}x{w} digit" + (f" (label {label})" if label is not None else "") + shown)
    return ax


def plot_images(images, titles=None, colors=None, ncols: int = 8, size: float | None = None, fig=None,
                cmap="gray"):
    """A grid of greyscale images with optional titles (and title colours).

    Args:
        images: ``(N, 1, H, W)`` or ``(N, H, W)`` tensor/array, or a list of images/PIL images.
        titles, colors: one string per image, or None.
        size: each panel's side in inches (default: the row fills :data:`GRID_WIDTH_IN`).

    Returns:
        The array of N axes drawn on.
    """
    lines = max((str(t).count("\n") + 1 for t in titles), default=0) if titles is not None else 0
    fig, axes = grid(len(images), ncols, size, fig, title_lines=lines)
    for k, ax in enumerate(axes):
        ax.imshow(_as_image(images[k]), cmap=cmap)
        if titles is not None:
            kw = {} if colors is None else {"color": colors[k]}
            ax.set_title(titles[k], fontsize=10, **kw)
    return axes


def plot_predictions(images, labels, predicted, probabilities, ncols: int = 8, fig=None,
                     show_true: bool = False, show_runner_up: bool = False, title: str | None = None):
    """Digits titled with the predicted digit and its confidence, blue if right, red if wrong.

    Confidence is the softmax probability of the predicted digit (:func:`format_confidence`:
    ">99.9%" when it would round to 100.0%). A wrong answer's title also gives the true digit
    ("0 (96.2%)" over "true 6"), so a sample can be read without the next figure; with
    ``show_true`` every title has that second line, in the same form.

    Args:
        images: ``(N, 1, 32, 32)``; labels, predicted: ``(N,)``; probabilities: ``(N, 10)``.
        show_true: give the true label in every title, right answers too (for galleries).
        show_runner_up: give, on the second line, the network's second choice and its
            probability ("2nd: 3 (38.2%)"; for right answers the network was unsure of). A wrong
            answer's title still gives the true digit (on a third line).
        ncols: digits per row.
        title: the figure's title (``suptitle``), if any.

    Returns:
        The array of N axes.
    """
    labels, predicted = np.asarray(labels), np.asarray(predicted)
    probabilities = np.asarray(probabilities)
    conf = [format_confidence(c) for c in probabilities[np.arange(len(predicted)), predicted]]
    second = np.argsort(-probabilities, axis=1, kind="stable")[:, 1]
    titles = [f"{p} ({c})"
              + (f"\n2nd: {s} ({format_confidence(probabilities[k, s])})" if show_runner_up else "")
              + (f"\ntrue {t}" if show_true or t != p else "")
              for k, (t, p, c, s) in enumerate(zip(labels, predicted, conf, second))]
    colors = [RIGHT if t == p else WRONG for t, p in zip(labels, predicted)]
    axes = plot_images(images, titles, colors, ncols=ncols, fig=fig)
    if title:
        axes[0].figure.suptitle(title, fontsize=12)
    return axes


def plot_confused_pair(images, labels, predicted, probabilities, a: int, b: int, shown: tuple[int, int] = (12, 6),
                       ncols: int = 6):
    """The test digits of one confusion in both directions, ``a`` read as ``b`` in the top rows and
    ``b`` read as ``a`` in the rows below, each direction titled with how many are shown of how
    many there are; digit titles as :func:`plot_predictions` with ``show_true``.

    Args:
        images: ``(N, 1, H, W)`` images as shown (e.g. :func:`~lenet_helpers.denormalize` of the test
            inputs); labels, predicted: ``(N,)``; probabilities: ``(N, 10)``.
        a, b: the two digits; shown: at most this many of each direction (first ones in test order).
        ncols: digits per row.

    Returns:
        The figure.

    Raises:
        ValueError: if neither direction has a digit to show.
    """
    labels, predicted = torch.as_tensor(labels), torch.as_tensor(predicted)
    probabilities = torch.as_tensor(probabilities)
    directions = []
    for (t, p), most in zip(((a, b), (b, a)), shown):
        every = torch.nonzero((labels == t) & (predicted == p)).flatten()
        directions.append((t, p, every[:most], len(every)))
    if not any(len(idx) for *_, idx, _ in directions):
        raise ValueError(f"no test digit of {a} is read as {b} or of {b} as {a}: choose a pair from the confusion matrix")
    directions = [d for d in directions if len(d[2])]
    size = min(1.4, GRID_WIDTH_IN / ncols)
    # each direction: its rows of panels with two title lines (grid's size + 0.08 + 0.2 x 2), and its own title
    heights = [(len(idx) + ncols - 1) // ncols * (size + 0.48) + 0.35 for _, _, idx, _ in directions]
    fig = plt.figure(figsize=(ncols * size, sum(heights)), layout="constrained")
    subs = np.atleast_1d(fig.subfigures(len(directions), 1, height_ratios=heights))
    for sub, (t, p, idx, total) in zip(subs, directions):
        plot_predictions(images[idx], labels[idx], predicted[idx], probabilities[idx], ncols=ncols, fig=sub,
                         show_true=True, title=f"{t} read as {p}: {len(idx)} shown of {total}")
    return fig


def plot_steps(steps: dict, ncols: int = 3, fig=None, names: dict | None = None):
    """Images of different sizes side by side in equal square frames, titled with their real size.

    For :func:`lenet_helpers.preprocess_steps`: every panel has the same size, each image is
    drawn at the scale that fits its longer side to the frame (pixels stay square; the rest of
    the frame, outside the image, is light grey), and each title gives the array's height x width
    in pixels. Each image is drawn from its darkest to its brightest pixel, except ``"paper"``
    (the paper level in the ink's units), drawn on the fixed scale white (0) to black (1).

    Args:
        steps: ``{name: 2-D array or (1, H, W) tensor}``.
        names: display names for some keys (e.g. ``{"20x20 box": "scaled to fit 20x20"}``).

    Returns:
        The array of axes.
    """
    names = names or {}
    nrows = (len(steps) + ncols - 1) // ncols
    side_in = min(3.0, GRID_WIDTH_IN / ncols)
    fig = fig or plt.figure(figsize=(ncols * side_in, nrows * (side_in + 0.5)), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax in axes[len(steps):]:
        ax.set_axis_off()
    for ax, (name, img) in zip(axes, steps.items()):
        arr = _as_image(img)
        h, w = arr.shape
        side = max(h, w)
        if name == "paper":
            # The paper level is in the ink's units (0 = white paper, 1 = as dark as ink): drawn on that
            # fixed scale, light to dark, so that it looks like the paper it stands for (an even page
            # is an even light grey, a shadow a darker patch) rather than its noise stretched.
            ax.imshow(arr, cmap="gray_r", vmin=0, vmax=1, extent=(-0.5, w - 0.5, h - 0.5, -0.5))
        else:
            ax.imshow(arr, cmap="gray", extent=(-0.5, w - 0.5, h - 0.5, -0.5))
        ax.set(xlim=(-0.5, side - 0.5), ylim=(side - 0.5, -0.5), xticks=[], yticks=[])
        ax.set_facecolor("#dddddd")
        ax.set_title(f"{names.get(name, name)}\n{h}x{w} pixels", fontsize=11)
    return axes[:len(steps)]


def plot_reading(reading: DigitReading, fig=None, title: str | None = None):
    """A reading as one matplotlib figure, the widget's panel for notebooks and reports.

    Top row: the drawing (for a reading of a file or photo, :func:`~lenet_helpers.read_digit`,
    the picture as read), the 28x28 MNIST-like image, the model input, the softmax bar
    chart (top answer in blue, confidence by :func:`format_confidence`). Below: the conv1 and
    conv2 feature maps (red positive, blue negative, one scale per layer).

    Returns:
        The figure.

    Raises:
        TypeError: given :class:`NoInk` (there is nothing to plot).
    """


    if isinstance(reading, NoInk):
        raise TypeError(f"nothing to plot: {reading.message}")
    layers = [k for k in MAP_LAYERS if k in reading.maps]
    fig = fig or plt.figure(figsize=(10, 3.2 + 1.6 * len(layers)), layout="constrained")  # <= 10 in: text >= 10 pt
    subs = fig.subfigures(1 + len(layers), 1, height_ratios=[2.2] + [1.5] * len(layers)) if layers else [fig]
    subs = np.atleast_1d(subs)
    top = subs[0].subplots(1, 4, width_ratios=[1, 1, 1, 1.8])
    model_input = reading.steps["model input"]
    h, w = model_input.shape[-2:]
    # a sketchpad reading keeps its canvas; one of read_digit (a file, a photo) shows the picture as read
    picture, what = ((reading.image, "your drawing") if reading.image is not None
                     else (reading.steps["original"], "your picture"))
    for ax, img, name in zip(top[:3], [picture, reading.steps["28x28 centred"], model_input],
                             [what, "28x28, centred", f"model input {h}x{w}"]):
        arr = np.asarray(img.detach().cpu() if isinstance(img, torch.Tensor) else img, dtype=np.float32)
        ax.imshow(arr.reshape(arr.shape[-2:]), cmap="gray")
        ax.set_title(name, fontsize=11)
        ax.set_axis_off()
    probs = reading.probabilities.numpy()
    colors = ["lightgrey"] * 10
    colors[reading.digit] = RIGHT
    bars = top[3].barh(range(10), probs * 100, color=colors)
    top[3].set(yticks=range(10), xlim=(0, 118), xlabel="softmax probability (%)", ylabel="digit")
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


def plot_reading_maps(readings: dict, layer: str = "conv1", size: float = 1.3):
    """Several readings' feature maps of one layer side by side, one row per reading (notebook 11).

    Each row starts with the model input, then every map of ``layer`` (red positive, blue
    negative, one colour scale for the whole figure so that rows compare); the row is labelled
    with the reading's name and answer.

    Args:
        readings: ``{name: DigitReading}`` whose ``maps`` hold ``layer`` (``(C, H, W)`` each),
            e.g. from :func:`~lenet_helpers.predict_strokes`.
        layer: ``"conv1"`` or ``"conv2"``.
        size: inches per map (1.3 for conv1's 6 maps, 0.45 for conv2's 16).

    Returns:
        The figure.

    Raises:
        ValueError: no readings, or a reading without ``layer`` in its maps (e.g. the MLP).
    """
    if not readings:
        raise ValueError("no readings to plot")
    missing = [name for name, r in readings.items() if layer not in getattr(r, "maps", {})]
    if missing:
        raise ValueError(f"no {layer} maps in the reading(s) {', '.join(missing)}: read them with a convolutional model")
    lim = max(float(r.maps[layer].abs().max()) for r in readings.values())
    channels = next(iter(readings.values())).maps[layer].shape[0]
    fig, axes = plt.subplots(len(readings), channels + 1, figsize=(size * (channels + 1) + 2.2, size * len(readings)),
                             squeeze=False, gridspec_kw={"wspace": 0.08, "hspace": 0.12})
    for i, (name, r) in enumerate(readings.items()):
        axes[i, 0].imshow(np.asarray(r.steps["model input"][0]), cmap="gray")
        axes[i, 0].set_ylabel(f"{name}\nread as {r.digit}", rotation=0, ha="right", va="center", fontsize=10)
        for k in range(channels):
            axes[i, k + 1].imshow(r.maps[layer][k].numpy(), cmap="RdBu_r", vmin=-lim, vmax=lim)
            if i == 0:
                axes[i, k + 1].set_title(f"map {k}" if channels <= 8 else str(k), fontsize=10)
        for ax in axes[i]:
            ax.set_xticks([]), ax.set_yticks([])
    axes[0, 0].set_title("input", fontsize=10)
    top = max(ax.get_position().y1 for ax in fig.axes) + 0.4 / fig.get_figheight()  # above the column titles
    fig.suptitle(f"{layer} feature maps of the {len(readings)} drawings (red +, blue -, one scale)", fontsize=12, y=top)
    return fig
