"""Saving figures and the legibility rule every figure of the series follows (:mod:`lenet_helpers.plots`).

Every plotting helper draws on axes it is given (``ax=None`` / ``axes=None``
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

import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.text import Text

from lenet_helpers.files import atomic_write
from lenet_helpers.settings import figures_dir

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
