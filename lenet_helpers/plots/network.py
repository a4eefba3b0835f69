"""Figures of the network's insides: feature maps, a vector of activations, conv1's kernels.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import torch

from lenet_helpers.plots.figures import grid


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
            decimals; e.g. :func:`~lenet_helpers.readings.format_confidence` for probabilities).
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
