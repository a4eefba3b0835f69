"""Figures of the network's insides: feature maps, a vector of activations, conv1's kernels.

Every figure here has a title (``title=``: the figure's or subfigure's title for the panel
grids, the axes' title for :func:`plot_vector`) and a colour bar labelled with what the colour
measures (``cbar_label=``, e.g. "activation (tanh output, -1 to 1)"). Numbers written in
cells are white on dark cells and black on light ones (:func:`text_colour`).
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.colors import to_rgba

from lenet_helpers.plots.figures import grid


def relative_luminance(colour) -> float:
    """WCAG relative luminance of a matplotlib colour (0 = black, 1 = white).

    Args:
        colour: anything :func:`matplotlib.colors.to_rgba` accepts (a name, ``"#rrggbb"``, an
            RGB(A) tuple of floats in [0, 1]). A fully transparent colour (e.g. a colormap's
            "bad" colour for NaN) counts as the white axes behind it.
    """
    r, g, b, a = to_rgba(colour)
    if a == 0:
        return 1.0

    def linear(c):
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)


def contrast_ratio(colour1, colour2) -> float:
    """WCAG contrast ratio of two colours, from 1 (the same) to 21 (black on white)."""
    hi, lo = sorted((relative_luminance(colour1), relative_luminance(colour2)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def text_colour(background) -> str:
    """``"white"`` or ``"black"``, whichever contrasts more with ``background`` (a cell's colour).

    Chosen from the cell colour's luminance (black when it is above about 0.18), so the
    contrast ratio is never below 4.5 (the WCAG minimum for normal text).
    """
    return "black" if contrast_ratio(background, "black") >= contrast_ratio(background, "white") else "white"


def _annotate(ax, im, values: np.ndarray, fmt) -> None:
    """Write each value of the 2-D ``values`` drawn by ``im`` in its cell, coloured to contrast with it."""
    for (i, j), x in np.ndenumerate(values):
        ax.text(j, i, fmt(x), ha="center", va="center", fontsize=10, color=text_colour(im.cmap(im.norm(x))))


def plot_feature_maps(maps: torch.Tensor, ncols: int = 8, fig=None, title: str | None = None,
                      size: float | None = None, panel_titles: bool = True, cbar_label: str = "activation"):
    """One small image per channel of an activation ``(C, H, W)``, diverging colours around 0.

    All channels share one colour scale, from ``-m`` to ``m`` with ``m`` the largest absolute
    value (tanh outputs lie in [-1, 1]): red positive, blue negative, white 0. Maps with no
    negative value (a ReLU's outputs) get a scale from 0 to ``m`` in reds, white 0, so that the
    colour bar holds no value that cannot occur.

    Args:
        maps: ``(C, H, W)`` activations of one image (e.g. conv1's ``(6, 28, 28)``).
        ncols: maps per row.
        fig: a figure or subfigure to draw in (default: a new one from
            :func:`~lenet_helpers.plots.figures.grid`).
        title: the figure's (or subfigure's) title, above all panels; ``None`` for none.
        size: each panel's side in inches (default: the panels share about 8.4 in).
        panel_titles: ``True``: each panel is titled "map k". ``False`` (e.g. for 120 maps
            of 1x1): no panel titles; instead each row is labelled, on its left, with the
            number of its first map and each column, above the top row, with ``+j``, so map
            ``k`` is in the row labelled ``k - k % ncols`` and the column labelled ``+(k % ncols)``.
        cbar_label: what the colour measures, written along the shared colour bar (e.g.
            ``"activation (tanh output, -1 to 1)"``).

    Returns:
        The array of C axes.
    """
    maps = maps.detach().cpu().numpy()
    lim = float(np.abs(maps).max()) or 1.0
    fig, axes = grid(len(maps), ncols, size or min(1.5, 8.4 / ncols), fig)
    cmap, low = ("Reds", 0.0) if maps.min() >= 0 else ("RdBu_r", -lim)
    for k, ax in enumerate(axes):
        im = ax.imshow(maps[k], cmap=cmap, vmin=low, vmax=lim)
        if panel_titles:
            ax.set_title(f"map {k}", fontsize=10)
            continue
        row, col = divmod(k, ncols)
        if col == 0:  # the row's first map number, left of the row
            ax.text(-0.12, 0.5, str(k), transform=ax.transAxes, ha="right", va="center", fontsize=10)
        if row == 0:  # the column's offset, above the top row
            ax.text(0.5, 1.08, f"+{col}", transform=ax.transAxes, ha="center", va="bottom", fontsize=10)
    fig.colorbar(im, ax=list(axes), shrink=0.9, label=cbar_label)
    if title:
        fig.suptitle(title, fontsize=12)
    return axes


def plot_vector(values, shape, ax=None, title=None, cmap="RdBu_r", annotate=False, labels=None, fmt=None,
                cbar_label: str = "value", row_labels=None):
    """A vector drawn as a ``shape`` grid of coloured cells (e.g. 120 conv3 values as 10x12).

    With ``cmap="RdBu_r"`` (the default) the colours are symmetric around 0 (-m to m, m the
    largest absolute value); with any other colormap they run from the smallest to the largest value.

    Args:
        values: 1-D (or squeezable) tensor/array of ``prod(shape)`` values, drawn row by row.
        shape: ``(rows, columns)`` of the grid.
        ax: axes to draw on (default: a new figure sized to the grid).
        title: the axes' title (``None`` for none).
        annotate: write each value in its cell (10 pt; white on dark cells, black on light
            ones, see :func:`text_colour`).
        labels: tick labels for the columns (default 0, 1, ...; e.g. digits 0-9 for the output layer).
        row_labels: tick labels for the rows (default 0, 1, ...; e.g. ``range(0, 120, 12)``
            to label each row of a 10x12 grid with the index of its first value).
        fmt: how a value is written when annotating, a function of the value (default 2
            decimals; e.g. :func:`~lenet_helpers.readings.format_confidence` for probabilities).
        cbar_label: what the colour measures, along the colour bar (e.g. ``"logit"``).

    Returns:
        The axes.
    """
    v = np.asarray(values.detach().cpu() if isinstance(values, torch.Tensor) else values, dtype=float).reshape(shape)
    ax = ax or plt.figure(figsize=(max(4, shape[1] * 0.7), max(1.6, shape[0] * 0.6))).gca()
    lim = float(np.nanmax(np.abs(v))) if np.isfinite(v).any() else 1.0
    lim = lim or 1.0
    symmetric = cmap == "RdBu_r"
    im = ax.imshow(v, cmap=cmap, vmin=-lim if symmetric else None, vmax=lim if symmetric else None)
    if annotate:
        _annotate(ax, im, v, fmt or (lambda x: f"{x:.2f}"))
    ax.set_xticks(range(shape[1]), labels if labels is not None else range(shape[1]))
    ax.set_yticks(range(shape[0]), row_labels if row_labels is not None else range(shape[0]))
    if shape[0] == 1:
        ax.set_yticks([])
    ax.figure.colorbar(im, ax=ax, shrink=0.8, label=cbar_label)
    if title:
        ax.set_title(title)
    return ax


def plot_kernels(kernels: torch.Tensor, fig=None, title: str | None = "conv1 kernels", ncols: int = 3,
                 annotate: bool = True, vmax: float | None = None, cbar_label: str = "kernel weight"):
    """Convolution kernels ``(K, h, w)`` (conv1's 5x5 ones), red positive, blue negative, weights written in (10 pt).

    Args:
        kernels: ``(K, h, w)`` weights (conv1's ``(6, 5, 5)``, from :func:`~lenet_helpers.conv1_kernels`).
        fig: a figure or subfigure to draw in (default: a new one).
        title: the figure's (or subfigure's) title, above the panels; ``None`` for none.
        ncols: kernels per row (3 by default: 3 in per kernel, room for the values; with
            ``annotate=False`` the values are left out, for many small kernels).
        annotate: write each weight in its cell (white on dark cells, black on light ones).
        vmax: the shared colour bar runs from ``-vmax`` to ``vmax`` (default: the largest absolute
            weight; pass one value to draw several networks' kernels on the same scale).
        cbar_label: what the colour measures, along the colour bar.

    Returns:
        The array of K axes.
    """
    kernels = kernels.detach().cpu().numpy()
    lim = vmax or float(np.abs(kernels).max()) or 1.0
    fig, axes = grid(len(kernels), ncols, min(3.0, 8.4 / ncols), fig)
    for k, ax in enumerate(axes):
        im = ax.imshow(kernels[k], cmap="RdBu_r", vmin=-lim, vmax=lim)
        ax.set_aspect("equal", adjustable="box")  # square cells: with adjustable="datalim" (found set here) a
        # constrained-layout subfigure stretched the 5x5 kernels
        if annotate:
            _annotate(ax, im, kernels[k], lambda x: f"{x:.2f}")
        ax.set_title(f"kernel {k} (map {k})" if annotate else f"kernel {k}", fontsize=11 if annotate else 10)
    fig.colorbar(im, ax=list(axes), shrink=0.9, label=cbar_label)
    if title:
        fig.suptitle(title, fontsize=12)
    return axes
