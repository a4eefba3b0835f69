"""Figures of the series. Every helper draws on axes it is given (``ax=None`` / ``axes=None``
creates them), returns what it drew, and never calls ``plt.show()``: notebooks compose and
show them; :func:`save_figure` writes them to ``artifacts/figures/``.

Legibility rule (checked by :func:`small_text` and by :func:`save_figure`, which warns):
every visible text of a figure is at least :data:`MIN_FONT_PT` (10 pt) **as displayed**.
A notebook shows a figure at matplotlib's 100 px per inch and a browser shrinks any image
wider than the column (taken as :data:`COLUMN_PX` = 1,000 px) to fit; so the displayed size of
a text is its font size x min(1, 10 in / the figure's drawn width). The PNG saved at 150 dpi
has the same layout, sharper; shown in the same 1,000 px column it is shrunk by the same
factor (or less). In practice: figures at most 10 inches wide (bbox included) with text of
10 pt and more, or wider figures with proportionally larger text.
"""
from __future__ import annotations

from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
from matplotlib.layout_engine import ConstrainedLayoutEngine

from .io import atomic_write
from .evaluation import format_confidence
from .settings import figures_dir

RIGHT, WRONG = "tab:blue", "tab:red"  # right and wrong predictions

#: Smallest font size (points) a text may have at its displayed size.
MIN_FONT_PT = 10.0
#: Width (px) of the notebook column figures are displayed in, and the display's px per inch.
COLUMN_PX, DISPLAY_DPI = 1000, 100
#: Resolution of saved PNGs (dots per inch).
SAVE_DPI = 150


class LegibilityWarning(UserWarning):
    """A figure has text below :data:`MIN_FONT_PT` at its displayed size."""


def displayed_scale(fig) -> float:
    """How much a browser shrinks ``fig`` to fit a :data:`COLUMN_PX` column (1.0 = not at all).

    Uses the figure's drawn extent (``bbox_inches="tight"``, as saved) at :data:`DISPLAY_DPI`.
    """
    fig.canvas.draw()
    width_in = fig.get_tightbbox(fig.canvas.get_renderer()).width
    return min(1.0, COLUMN_PX / (width_in * DISPLAY_DPI))


def small_text(fig, min_pt: float = MIN_FONT_PT) -> list[tuple[str, float]]:
    """The visible texts of ``fig`` smaller than ``min_pt`` points as displayed (see the module doc).

    Returns:
        ``[(text, displayed size in pt), ...]``, empty when the figure is legible.
    """
    from matplotlib.text import Text

    scale = displayed_scale(fig)
    small = []
    for t in fig.findobj(Text):
        if t.get_visible() and t.get_text().strip() and t.get_figure() is not None:
            shown = t.get_fontsize() * scale
            if shown < min_pt - 1e-6:
                small.append((t.get_text(), round(shown, 1)))
    return small


def _as_image(img) -> np.ndarray:
    img = img.detach().cpu().numpy() if isinstance(img, torch.Tensor) else np.asarray(img)
    return img.reshape(img.shape[-2:]) if img.ndim > 2 else img


def save_figure(fig, name: str, dpi: int = SAVE_DPI) -> Path:
    """Save ``fig`` as ``artifacts/figures/<name>.png`` (atomically, ``dpi`` >= 150) and return the path.

    Warns (:class:`LegibilityWarning`, one line naming the figure and its smallest texts) when
    some text would be under 10 pt as displayed: see the module's legibility rule.

    Raises:
        ValueError: ``dpi`` below 150.
    """
    import warnings

    if dpi < SAVE_DPI:
        raise ValueError(f"save_figure needs dpi >= {SAVE_DPI} (projector-legible PNGs), got {dpi}")
    small = small_text(fig)
    if small:
        shown = ", ".join(f"{text[:20]!r} {pt} pt" for text, pt in sorted(small, key=lambda x: x[1])[:3])
        warnings.warn(f"figure {name!r} has {len(small)} texts under {MIN_FONT_PT:g} pt as displayed ({shown}): "
                      f"use larger fonts or a narrower figure (<= 10 in)", LegibilityWarning, stacklevel=2)
    path = figures_dir() / (name if name.endswith(".png") else f"{name}.png")
    atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=dpi, bbox_inches="tight", format="png"))
    return path


#: Widest a figure of image panels is drawn by default (inches), leaving room in a 10 in column.
GRID_WIDTH_IN = 9.6


def grid(n: int, ncols: int = 8, size: float | None = None, fig=None, title_lines: int = 1):
    """A figure with ``n`` image axes in rows of ``ncols``, ticks off; returns ``(fig, axes[:n])``.

    ``size`` is each panel's side in inches; by default the panels share :data:`GRID_WIDTH_IN`
    (at most 1.4 in each), so that the figure fits a notebook column without shrinking.
    Each row gets room for ``title_lines`` lines of 10 pt title above its panels.
    """
    size = size or min(1.4, GRID_WIDTH_IN / ncols)
    nrows = (n + ncols - 1) // ncols
    fig = fig or plt.figure(figsize=(ncols * size, nrows * (size + 0.08 + 0.2 * title_lines)), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax in axes:
        ax.set_axis_off()
    return fig, axes[:n]


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


def show_digit_pixels(image, ax=None, label=None, crop: bool = True):
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


def show_images(images, titles=None, colors=None, ncols: int = 8, size: float | None = None, fig=None,
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


def plot_class_counts(labels, ax=None, title="Images per digit"):
    """Bar chart of how many images each digit 0-9 has, with the count on each bar."""
    counts = pd.Series(np.asarray(labels)).value_counts().reindex(range(10), fill_value=0)
    ax = ax or plt.figure(figsize=(7, 3.5)).gca()
    bars = ax.bar(counts.index, counts.values, color="tab:blue")
    ax.bar_label(bars, labels=[f"{c:,}" for c in counts.values], fontsize=10)
    ax.set(xticks=range(10), xlabel="digit", ylabel="images", title=title)
    ax.margins(y=0.12)
    return ax


def plot_per_class_errors(per_class: pd.DataFrame, ax=None, title=None):
    """Bar chart of the test errors per actual digit, from zero, each bar labelled "count (rate %)".

    ``per_class`` is :func:`~lenet_helpers.evaluation.per_class_accuracy`'s table. Errors are
    drawn rather than accuracies: at ~99% every accuracy bar looks the same height unless the
    axis is cut, which exaggerates the gaps; counted from zero, 14 misread sevens beside 4
    misread ones (the 15-epoch model, seed 0) show the real 3.5-fold difference. A dashed line
    marks the mean errors per digit. A digit with no images gets an empty bar labelled "0".
    """
    ax = ax or plt.figure(figsize=(8, 3.8)).gca()
    errors = per_class["errors"]
    rates = 100.0 * errors / per_class["images"].where(per_class["images"] > 0)
    bars = ax.bar(per_class.index, errors, color="tab:red")
    ax.bar_label(bars, labels=[f"{e}\n({r:.2f}%)" if pd.notna(r) else f"{e}" for e, r in zip(errors, rates)],
                 fontsize=10)
    total, images = int(errors.sum()), int(per_class["images"].sum())
    ax.axhline(errors.mean(), color="gray", ls="--", lw=1, label=f"mean {errors.mean():.1f} errors per digit")
    ax.set(xticks=range(10), xlabel="actual digit", ylabel="test images misread",
           title=title or f"Test errors per digit ({total:,} of {images:,} images, {100 * total / images:.2f}%)")
    ax.set_ylim(0, max(1, errors.max()) * 1.3)
    ax.legend(loc="upper left", fontsize=10)
    return ax


def plot_learning_curves(history: pd.DataFrame, axes=None):
    """Loss (left) and accuracy (right) per epoch for train and valid, best valid epoch marked.

    Args:
        history: the DataFrame :func:`lenet_helpers.train` returns (or its CSV).
        axes: two axes, or None for a new 10x4.2 inch figure.

    Returns:
        ``(ax_loss, ax_acc)``.
    """
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(10, 4.2), layout="constrained")
    ax_loss, ax_acc = axes
    best = history.loc[history["valid_acc"].idxmax()]
    for ax, metric, unit in ((ax_loss, "loss", "cross-entropy"), (ax_acc, "acc", "accuracy (%)")):
        ax.plot(history["epoch"], history[f"train_{metric}"], "o-", label=f"train {metric}", color="tab:blue")
        ax.plot(history["epoch"], history[f"valid_{metric}"], "s-", label=f"valid {metric}", color="tab:orange")
        ax.axvline(best["epoch"], color="gray", ls="--", lw=1, label=f"best valid acc. (epoch {int(best['epoch'])})")
        ax.set(xlabel="epoch", ylabel=unit, xticks=history["epoch"] if len(history) <= 15 else None)
        ax.grid(alpha=0.3)
        ax.legend()
    ax_acc.annotate(f"{best['valid_acc']:.2f}%", (best["epoch"], best["valid_acc"]), textcoords="offset points",
                    xytext=(0, -16), ha="center", color="tab:orange")
    ax_loss.set_title("Loss per epoch")
    ax_acc.set_title("Accuracy per epoch")
    return ax_loss, ax_acc


def plot_predictions(images, labels, predicted, probabilities, ncols: int | None = None, fig=None,
                     show_true: bool = False):
    """Digits titled with the predicted digit and its confidence, blue if right, red if wrong.

    Confidence is the softmax probability of the predicted digit (:func:`format_confidence`:
    ">99.9%" when it would round to 100.0%).

    Args:
        images: ``(N, 1, 32, 32)``; labels, predicted: ``(N,)``; probabilities: ``(N, 10)``.
        show_true: add the true label to the title (for galleries of mistakes).
        ncols: digits per row; default 8, or 6 with ``show_true`` (longer titles).

    Returns:
        The array of N axes.
    """
    labels, predicted = np.asarray(labels), np.asarray(predicted)
    conf = [format_confidence(c) for c in np.asarray(probabilities)[np.arange(len(predicted)), predicted]]
    titles = [
        (f"true {t}, pred {p}\n({c})" if show_true else f"{p} ({c})")
        for t, p, c in zip(labels, predicted, conf)
    ]
    colors = [RIGHT if t == p else WRONG for t, p in zip(labels, predicted)]
    ncols = ncols or (6 if show_true else 8)
    return show_images(images, titles, colors, ncols=ncols, fig=fig)


def plot_confusion_matrix(cm: pd.DataFrame, ax=None, title="Confusion matrix (test set)"):
    """A seaborn heatmap of counts; rows = actual digit, columns = predicted digit.

    The colour scale is logarithmic so that the few mistakes show beside the ~1,000 correct
    images per digit; every cell is labelled with its count.
    """
    import seaborn as sns
    from matplotlib.colors import LogNorm

    ax = ax or plt.figure(figsize=(8.5, 7)).gca()
    sns.heatmap(cm, annot=True, fmt="d", cmap="Blues", norm=LogNorm(vmin=1, vmax=max(2, cm.values.max())),
                cbar_kws={"label": "images (log scale)"}, linewidths=0.5, linecolor="white", square=True, ax=ax,
                annot_kws={"fontsize": 11})
    ax.set(xlabel="predicted digit", ylabel="actual digit", title=title)
    ax.tick_params(axis="y", rotation=0)
    return ax


def plot_feature_maps(maps: torch.Tensor, ncols: int = 8, fig=None, title: str | None = None,
                      size: float | None = None, panel_titles: bool = True):
    """One small image per channel of an activation ``(C, H, W)``, diverging colours around 0.

    All channels share one colour scale (tanh outputs lie in [-1, 1]), with a colour bar
    labelled ``title`` (no title above the panels, which carry "map k"; ``panel_titles=False``
    drops those, e.g. for 120 maps of 1x1).

    Returns:
        The array of C axes.
    """
    maps = maps.detach().cpu()
    lim = float(maps.abs().max()) or 1.0
    fig, axes = grid(len(maps), ncols, size or min(1.5, 8.4 / ncols), fig)
    for k, ax in enumerate(axes):
        im = ax.imshow(maps[k], cmap="RdBu_r", vmin=-lim, vmax=lim)
        if panel_titles:
            ax.set_title(f"map {k}", fontsize=10)
    fig.colorbar(im, ax=list(axes), shrink=0.9, label=title or "activation")
    return axes


def plot_vector(values, shape, ax=None, title=None, cmap="RdBu_r", annotate=False, labels=None, fmt=None):
    """A vector drawn as a ``shape`` grid of coloured cells (e.g. 120 conv3 values as 10x12).

    Args:
        values: 1-D (or squeezable) tensor/array of ``prod(shape)`` values.
        annotate: write each value in its cell (2 decimals).
        labels: tick labels for the columns (e.g. digits 0-9 for the output layer).
        fmt: how a value is written when annotating, a function of the value (default 2
            decimals; e.g. :func:`~lenet_helpers.evaluation.format_confidence` for probabilities).
    """
    v = np.asarray(values.detach().cpu() if isinstance(values, torch.Tensor) else values).reshape(shape)
    ax = ax or plt.figure(figsize=(max(4, shape[1] * 0.7), max(1.6, shape[0] * 0.6))).gca()
    lim = float(np.abs(v).max()) or 1.0
    im = ax.imshow(v, cmap=cmap, vmin=-lim if cmap == "RdBu_r" else None, vmax=lim if cmap == "RdBu_r" else None)
    if annotate:
        dark = 0.6 * (lim if cmap == "RdBu_r" else float(v.max()) or 1.0)
        for (i, j), x in np.ndenumerate(v):
            ax.text(j, i, fmt(x) if fmt else f"{x:.2f}", ha="center", va="center", fontsize=10,
                    color="white" if abs(x) > dark else "black")  # readable on dark cells
    ax.set_xticks(range(shape[1]), labels if labels is not None else range(shape[1]))
    ax.set_yticks(range(shape[0]))
    if shape[0] == 1:
        ax.set_yticks([])
    ax.figure.colorbar(im, ax=ax, shrink=0.8)
    if title:
        ax.set_title(title)
    return ax


def plot_kernels(kernels: torch.Tensor, fig=None, title="conv1 kernel weight", ncols: int = 3,
                 annotate: bool = True, vmax: float | None = None):
    """The 5x5 kernels ``(K, 5, 5)`` of conv1, red positive, blue negative, weights written in (10 pt).

    ``ncols`` kernels per row (3 by default: 3 in per kernel, room for the values; with
    ``annotate=False`` the values are left out, for many small kernels); ``title`` labels the
    shared colour bar, which runs from ``-vmax`` to ``vmax`` (default: the largest absolute
    weight; pass one value to draw several networks' kernels on the same scale).
    """
    kernels = kernels.detach().cpu()
    lim = vmax or float(kernels.abs().max()) or 1.0
    fig, axes = grid(len(kernels), ncols, min(3.0, 8.4 / ncols), fig)
    for k, ax in enumerate(axes):
        im = ax.imshow(kernels[k], cmap="RdBu_r", vmin=-lim, vmax=lim)
        ax.set_aspect("equal", adjustable="box")  # square cells: with adjustable="datalim" (found set here) a
        # constrained-layout subfigure stretched the 5x5 kernels
        for (i, j), x in (np.ndenumerate(kernels[k].numpy()) if annotate else ()):
            ax.text(j, i, f"{x:.2f}", ha="center", va="center", fontsize=10,
                    color="white" if abs(x) > 0.6 * lim else "black")
        ax.set_title(f"kernel {k} (map {k})" if annotate else f"kernel {k}", fontsize=11 if annotate else 10)
    fig.colorbar(im, ax=list(axes), shrink=0.9, label=title)
    return axes


# --- Comparing networks (notebook 10) -------------------------------------------------------

def plot_histories(histories: dict, axes=None):
    """Every network's learning curves on one figure: training loss (left), valid accuracy (right).

    The legend goes below the two panels when their figure uses constrained layout (so it covers
    no curve), else inside the accuracy panel. Lines already drawn on either axes with a label
    (e.g. a reference level) join the legend. A network whose accuracy stays more than 10 points
    under the others' is left below the accuracy axis and named there, with its range (%).

    Args:
        histories: ``{label: history DataFrame}`` as :func:`lenet_helpers.train` returns them.
        axes: two axes, or None for a new 10x4.6 inch figure.

    Returns:
        ``(ax_loss, ax_acc)``.
    """
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(10, 4.6), layout="constrained")
    ax_loss, ax_acc = axes
    for i, (label, history) in enumerate(histories.items()):
        style = dict(color=plt.cm.tab10(i % 10), marker="os^vD<>ph*"[i % 10], label=label)
        ax_loss.plot(history["epoch"], history["train_loss"], "-", **style)
        ax_acc.plot(history["epoch"], history["valid_acc"], "-", **style)
    ax_loss.set(xlabel="epoch", ylabel="training loss (cross-entropy, log scale)", yscale="log",
                title="Training loss per epoch")
    plain = matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}")  # 0.01, 2 rather than 10^-2, 2x10^0
    ax_loss.yaxis.set_major_formatter(plain)
    ax_loss.yaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    losses = pd.concat([h["train_loss"] for h in histories.values()])
    if losses.max() < 10 * losses.min():
        # Within about one decade the decade ticks alone leave most of the axis unlabelled: label 1, 1.5, 2, 3, 5, 7.
        ax_loss.yaxis.set_major_locator(matplotlib.ticker.LogLocator(base=10, subs=(1.0, 1.5, 2.0, 3.0, 5.0, 7.0)))
    ax_acc.set(xlabel="epoch", ylabel="valid accuracy (%)", title="Validation accuracy per epoch")
    # A network far below the others (more than 10 points under the median network's lowest point) would
    # squeeze every other curve into a sliver: keep the axis on the others and name it below the axis.
    lowest = pd.Series({label: h["valid_acc"].min() for label, h in histories.items()})
    behind = [label for label, h in histories.items() if h["valid_acc"].max() < lowest.median() - 10]
    if behind and len(behind) < len(histories):
        bottom = lowest.drop(index=behind).min() - 1
        ax_acc.set_ylim(bottom, None)
        ax_acc.text(0.98, 0.03, "below the axis:\n" + "\n".join(  # one per line, bottom right: curves rise
            f"{label} ({lowest[label]:.1f}-{histories[label]['valid_acc'].max():.1f}%)"
            for label in behind), transform=ax_acc.transAxes, fontsize=10, color="0.3", va="bottom", ha="right")
    epochs = max(len(h) for h in histories.values())
    for ax in axes:
        ax.set_xticks(range(1, epochs + 1))
        ax.grid(alpha=0.3)
    handles = {}
    for ax in (ax_acc, ax_loss):
        for handle, label in zip(*ax.get_legend_handles_labels()):
            handles.setdefault(label, handle)
    fig = ax_acc.figure
    if isinstance(fig.get_layout_engine(), ConstrainedLayoutEngine):
        longest = max(len(label) for label in handles)
        ncols = max(1, min(4, len(handles), 80 // (longest + 6)))  # about 80 characters of 10 pt text per row
        fig.legend(handles.values(), handles.keys(), loc="outside lower center", ncols=ncols, fontsize=10)
    else:
        ax_acc.legend(handles.values(), handles.keys(), loc="lower right", fontsize=10)
    return ax_loss, ax_acc


def plot_error_overlap(overlap: pd.DataFrame, ax=None, title="Test digits both networks get wrong"):
    """Heatmap of :func:`lenet_helpers.comparison.error_overlap`: shared mistakes of each pair of networks.

    The diagonal is each network's own number of mistakes; the colour scale follows the off-diagonal
    (shared) counts, so the diagonal saturates. Returns the Axes.
    """
    import seaborn as sns

    n = len(overlap)
    ax = ax or plt.figure(figsize=(0.8 * n + 3, 0.7 * n + 2)).gca()
    values = overlap.to_numpy()
    shared = values[~np.eye(n, dtype=bool)]
    # The colour scale follows the shared mistakes; the diagonal (each network's own count, larger) saturates.
    vmax = max(1, int(shared.max())) if n > 1 else None
    sns.heatmap(overlap, annot=True, fmt="d", cmap="Reds", vmin=0, vmax=vmax, square=True,
                cbar_kws={"label": "test digits both misread\n(diagonal: own mistakes, off the scale)"},
                linewidths=0.5, linecolor="white", ax=ax, annot_kws={"fontsize": 10})
    ax.set(title=title)
    ax.tick_params(axis="x", rotation=45)
    ax.tick_params(axis="y", rotation=0)
    return ax


def plot_steps(steps: dict, ncols: int = 3, fig=None, names: dict | None = None):
    """Images of different sizes side by side in equal square frames, titled with their real size.

    For :func:`lenet_helpers.preprocess_steps`: every panel has the same size, each image is
    drawn at the scale that fits its longer side to the frame (pixels stay square; the rest of
    the frame is light grey), and each title gives the array's height x width in pixels.

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
        ax.imshow(arr, cmap="gray", extent=(-0.5, w - 0.5, h - 0.5, -0.5))
        ax.set(xlim=(-0.5, side - 0.5), ylim=(side - 0.5, -0.5), xticks=[], yticks=[])
        ax.set_facecolor("#dddddd")
        ax.set_title(f"{names.get(name, name)}\n{h}x{w} pixels", fontsize=11)
    return axes[:len(steps)]
