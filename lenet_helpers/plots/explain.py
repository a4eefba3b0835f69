"""Figures of notebooks 12 and 13: attribution maps, the error explorer, feature-space maps and
the invariance lab's curves. Same conventions as :mod:`~lenet_helpers.plots.figures`: every helper
draws on the figure/axes it is given (or makes one), returns what it drew and never calls
``plt.show()``; text is at least 10 pt at the figure's size.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from lenet_helpers.plots.figures import _as_image
from lenet_helpers.readings.text import format_confidence

FONT = 10


def _outline(ax, image):
    """The digit's outline (half-way grey level) drawn over a map, so the map can be read against the strokes."""
    v = _as_image(image)
    ax.contour(v, levels=[(float(v.min()) + float(v.max())) / 2], colors="limegreen", linewidths=1.0)


def _attribution(ax, values, kind, image=None, limit=None):
    """Draw one map; ``limit``: the colour scale's end (occlusion: +-limit, saliency: 0..limit),
    default the map's own largest absolute value."""
    v = _as_image(values)
    lim = max(float(np.abs(v).max()) if limit is None else float(limit), 1e-6)
    if kind == "occlusion":  # signed: red = covering it lowers the class's probability
        im = ax.imshow(v, cmap="RdBu_r", vmin=-lim, vmax=lim)
    else:
        im = ax.imshow(v, cmap="inferno", vmin=0, vmax=lim)
    if image is not None:
        _outline(ax, image)
    return im


def _group_limits(maps, group: int) -> list[float]:
    """The largest absolute value of each map, shared by consecutive groups of ``group`` maps."""
    peaks = [float(np.abs(_as_image(m)).max()) for m in maps]
    return [max(peaks[i - i % group:i - i % group + group]) for i in range(len(peaks))]


def plot_attributions(images, saliency_maps, occlusion_maps, titles, fig=None, share_scale: int = 1,
                      occlusion_title: str = "occlusion:\ndrop in p(class)", per_row: int = 1,
                      title_colors=None):
    """Each digit as three panels: the digit, its saliency map, its occlusion map (the maps with
    the digit's outline in green and a colour bar), ``per_row`` digits side by side in each row.

    Args:
        images: ``(N, 1, H, W)`` model inputs; saliency_maps, occlusion_maps: ``(N, H, W)``
            from :func:`~lenet_helpers.saliency` and :func:`~lenet_helpers.occlusion`.
        titles: one string per digit (e.g. "test #115\ntrue 4, read 9"); keep lines short when
            ``per_row`` > 1 (a panel is then about 1.4 in wide).
        share_scale: consecutive groups of this many digits share one occlusion colour scale
            (2: a correctly read digit and a misread one of the same class, compared in the same
            units of probability); 1: every map has its own. Saliency maps always keep their own
            scale (their pattern, not their size, is what is read; a misread digit's gradients
            can be several times larger and would leave its partner's map black). When a row's
            digits share one scale (``share_scale == per_row``), the row has one occlusion colour
            bar, at its right.
        occlusion_title: the occlusion panels' title; name the class the maps were made for
            (e.g. "occlusion:\ndrop in p(true)").
        per_row: digits in each row (2 with ``share_scale=2``: each pair side by side).
        title_colors: one colour per digit title (e.g. blue for a right reading, red for a wrong
            one, as in the series' other figures); default black.

    Returns:
        The ``(N, 3)`` array of axes, one row per digit (digit, saliency, occlusion).

    Raises:
        ValueError: if ``per_row`` is below 1.
    """
    if per_row < 1:
        raise ValueError(f"per_row must be 1 or more, not {per_row}")
    n = len(images)
    rows = (n + per_row - 1) // per_row
    size = (9.5, 2.9 * rows) if per_row == 1 else (5 * per_row, 2.5 * rows)
    fig = fig or plt.figure(figsize=size, layout="constrained")
    grid = fig.subplots(rows, 3 * per_row, squeeze=False)
    axes = grid.reshape(rows * per_row, 3)
    occ_lim = _group_limits(occlusion_maps, share_scale)
    one_bar_per_row = per_row > 1 and share_scale == per_row
    for i in range(len(axes)):
        for ax in axes[i]:
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_visible(i < n)
        if i >= n:
            continue
        axes[i, 0].imshow(_as_image(images[i]), cmap="gray")
        axes[i, 0].set_title(titles[i], fontsize=FONT + 1,
                             color="black" if title_colors is None else title_colors[i])
        im = _attribution(axes[i, 1], saliency_maps[i], "saliency", images[i])
        fig.colorbar(im, ax=axes[i, 1], shrink=0.85).ax.tick_params(labelsize=FONT)
        axes[i, 1].set_title("saliency\n|gradient|" if per_row > 1 else "saliency |gradient|", fontsize=FONT + 1)
        im = _attribution(axes[i, 2], occlusion_maps[i], "occlusion", images[i], occ_lim[i])
        last_in_row = i % per_row == per_row - 1 or i == n - 1
        if not one_bar_per_row:
            fig.colorbar(im, ax=axes[i, 2], shrink=0.85).ax.tick_params(labelsize=FONT)
        elif last_in_row:
            row = i // per_row
            fig.colorbar(im, ax=list(grid[row]), shrink=0.85).ax.tick_params(labelsize=FONT)
        axes[i, 2].set_title(occlusion_title, fontsize=FONT + 1)
    if fig.get_layout_engine() is None:
        fig.tight_layout()
    return axes[:n]


def plot_error_explorer(images, labels, probabilities, occlusion_maps, neighbour_images, neighbour_labels,
                        neighbour_distances, fig=None):
    """One row per misread digit: the digit with its top-3 classes, its occlusion map for the
    predicted class, and its nearest training digits in fc1 space (label and distance).

    The default figure is 10 in wide (1.45 in per row), so its 10 pt text is shown at 10 pt in a
    notebook column (see :func:`~lenet_helpers.plots.figures.small_text`).

    Args:
        images: ``(M, 1, H, W)``; labels: ``(M,)`` true digits; probabilities: ``(M, 10)``.
        occlusion_maps: ``(M, H, W)``.
        neighbour_images: ``(M, k, 1, H, W)``; neighbour_labels, neighbour_distances: ``(M, k)``.

    Returns:
        The ``(M, 3 + k)`` array of axes.
    """
    m, k = len(images), len(neighbour_labels[0])
    fig = fig or plt.figure(figsize=(10, 1.5 * m + 0.9), layout="constrained")
    axes = fig.subplots(m, k + 3, squeeze=False, gridspec_kw={"width_ratios": [1, 1.7, 1] + [1] * k})
    probabilities = np.asarray(probabilities)
    for i in range(m):
        p = probabilities[i]
        top = np.argsort(-p)[:3]
        axes[i, 0].imshow(_as_image(images[i]), cmap="gray")
        axes[i, 0].set_title(f"#{i + 1}: true {int(labels[i])}", fontsize=FONT, color="tab:blue")
        ax = axes[i, 1]
        colours = ["tab:red" if c != labels[i] else "tab:blue" for c in top]
        ax.barh(range(3), p[top][::-1] * 100, color=colours[::-1])
        ax.set_yticks(range(3), [str(c) for c in top[::-1]], fontsize=FONT)
        ax.set_xlim(0, 100)
        ax.set_xticks([])
        ax.set_title("top-3", fontsize=FONT)
        for j, c in enumerate(top[::-1]):
            ax.text(min(p[c] * 100 + 3, 52), j, format_confidence(p[c]), va="center", fontsize=FONT)
        _attribution(axes[i, 2], occlusion_maps[i], "occlusion", images[i])
        axes[i, 2].set_title(f"occl. p({top[0]})", fontsize=FONT)
        for j in range(k):
            a = axes[i, 3 + j]
            a.imshow(_as_image(neighbour_images[i][j]), cmap="gray")
            lab = int(neighbour_labels[i][j])
            a.set_title(f"{lab}, d={neighbour_distances[i][j]:.1f}", fontsize=FONT,
                        color="tab:blue" if lab == int(labels[i]) else "tab:red")
        for a in [axes[i, 0], axes[i, 2], *axes[i, 3:]]:
            a.set_xticks([])
            a.set_yticks([])
    fig.suptitle("Misread test digits: top-3 classes (blue = the true label, red = others); occlusion map for the\n"
                 "read class (red: covering there lowers its probability, blue: raises it; own scale per row);\n"
                 "nearest training digits in fc1 space (label, distance; blue = the true label)", fontsize=FONT + 1)
    if fig.get_layout_engine() is None:
        fig.tight_layout()
    return axes


def plot_embedding(xy, labels, mistakes=None, ax=None, title=None):
    """A 2-D map (t-SNE or PCA) coloured by digit, each class labelled at its median point,
    mistakes drawn as black crosses.

    Args:
        xy: ``(N, 2)``; labels: ``(N,)`` true digits; mistakes: ``(N,)`` bool or None.
    """
    ax = ax or plt.figure(figsize=(7, 7)).gca()
    xy, labels = np.asarray(xy), np.asarray(labels)
    cmap = plt.get_cmap("tab10")
    ax.scatter(xy[:, 0], xy[:, 1], c=[cmap(int(c)) for c in labels], s=6, alpha=0.6, linewidths=0)
    for c in range(10):
        if (labels == c).any():
            mx, my = np.median(xy[labels == c], axis=0)
            ax.text(mx, my, str(c), fontsize=18, weight="bold", ha="center", va="center", color=cmap(c),
                    bbox=dict(boxstyle="round,pad=0.15", fc="white", ec=cmap(c), alpha=0.85))
    if mistakes is not None and np.asarray(mistakes).any():
        mk = np.asarray(mistakes, dtype=bool)
        ax.scatter(xy[mk, 0], xy[mk, 1], marker="x", c="black", s=40, linewidths=1.5,
                   label=f"misread ({int(mk.sum())})")
        # under the map, not on it: inside, the box hid the points of whichever cluster lay in its corner
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, 0.0), frameon=False, fontsize=FONT + 1)
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=FONT + 2)
    return ax


def _row_label(name: str, axis_label: str) -> str:
    """A short row label: the transformation's name over its unit, from the axis label's brackets
    ("shift", "shift right (pixels of 28)" -> "shift\n(pixels of 28)"; when the brackets hold the name,
    what comes before them: "smaller", "scale factor (smaller)" -> "smaller\n(scale factor)")."""
    head, _, unit = axis_label.partition(" (")
    unit = unit.rstrip(")")
    return f"{name}\n({head if unit in ('', name) else unit})"


def plot_transform_examples(digit, transforms, fig=None):
    """One digit under every level of every transformation: a row per transformation.

    Each row is labelled with the transformation's name and unit (from its axis label), each
    image with its level, and the figure says so in its title. The default figure is at most 10 in
    wide (about 1.1 in per image), so its 10 pt text is shown at 10 pt in a notebook column.

    Args:
        digit: ``(28, 28)`` in [0, 1].
        transforms: name -> (function, levels, axis label), e.g. ``lh.TRANSFORMS``.

    Returns:
        The ``(len(transforms), most levels)`` array of axes.
    """
    width = max(len(levels) for _, levels, _ in transforms.values())
    size = min(1.2, 8.8 / width)  # inches per image; about 1.2 in is left for the row names
    fig = fig or plt.figure(figsize=(size * width + 1.2, (size + 0.3) * len(transforms)), layout="constrained")
    axes = fig.subplots(len(transforms), width, squeeze=False)
    for r, (name, (fn, levels, label)) in enumerate(transforms.items()):
        for c in range(width):
            ax = axes[r, c]
            ax.set_xticks([])
            ax.set_yticks([])
            if c >= len(levels):
                ax.set_axis_off()
                continue
            ax.imshow(_as_image(fn(digit.unsqueeze(0), levels[c])[0]), cmap="gray", vmin=0, vmax=1)
            ax.set_title(f"{levels[c]}", fontsize=FONT)
        axes[r, 0].set_ylabel(_row_label(name, label), fontsize=FONT)
    fig.suptitle("One test digit under each transformation (row: what changes, and its unit; "
                 "above each image: the level)", fontsize=FONT + 1)
    if fig.get_layout_engine() is None:
        fig.tight_layout()
    return axes


def plot_invariance_curves(curves: pd.DataFrame, transforms, threshold: float = 90.0, fig=None, ncols: int = 3):
    """Accuracy (%) against the level of each transformation, one panel per transformation,
    one line per model, a dashed line at ``threshold`` %.

    The default figure is 10 in wide (``ncols`` panels a row); the legend goes in a spare panel
    when there is one, else on the first. Levels are plotted in the order of the curve (identity
    first, harshest last): a panel whose levels decrease (smaller, resolution) has its x axis
    inverted, so every curve reads harsher to the right.

    Args:
        curves: :func:`~lenet_helpers.invariance_curves`' DataFrame.
        transforms: name -> (function, levels, axis label) for the axis labels.
    """
    names = list(dict.fromkeys(curves["transform"]))
    nrows = (len(names) + ncols - 1) // ncols
    fig = fig or plt.figure(figsize=(10, 3.0 * nrows + 0.3), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    markers = ["o", "s", "^", "D"]
    for ax, name in zip(axes, names):
        group = curves[curves["transform"] == name]
        for j, (model, curve) in enumerate(group.groupby("model", sort=False)):
            ax.plot(curve["level"], curve["accuracy"], marker=markers[j % 4], label=model)
        ax.axhline(threshold, color="gray", ls="--", lw=1, label=f"{threshold:g}% (\"breaks\" below)")
        ax.set_xlabel(transforms[name][2] if name in transforms else name, fontsize=FONT)
        ax.set_ylabel("test accuracy (%)", fontsize=FONT)
        ax.set_ylim(0, 101)
        ax.tick_params(labelsize=FONT)
        ax.set_title(name, fontsize=FONT + 2)
        ax.grid(alpha=0.3)
        levels = list(dict.fromkeys(group["level"]))
        if len(levels) > 1 and levels[-1] < levels[0]:  # harsher = smaller (scale, resolution)
            ax.invert_xaxis()
    for ax in axes[len(names):]:
        ax.set_axis_off()
    fig.suptitle("Test accuracy under each transformation (every panel: harsher to the right)", fontsize=FONT + 2)
    handles, labels = axes[0].get_legend_handles_labels()
    if len(names) < len(axes):
        axes[len(names)].legend(handles, labels, loc="center", fontsize=FONT + 1, title="model",
                                title_fontsize=FONT + 1)
    else:
        axes[0].legend(fontsize=FONT)
    if fig.get_layout_engine() is None:
        fig.tight_layout()
    return axes
