"""Figures of training and results: class counts, learning curves, several networks' histories,
the confusion matrix, per-class errors, shared mistakes.
"""
from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.colors import LogNorm
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.patches import Rectangle
from matplotlib.ticker import MaxNLocator


def plot_class_counts(labels, ax=None, title="Images per digit"):
    """Bar chart of how many images each digit 0-9 has, with the count on each bar.

    ``labels``: ``(N,)`` digits (a tensor or array); returns the Axes.
    """
    counts = pd.Series(np.asarray(labels)).value_counts().reindex(range(10), fill_value=0)
    ax = ax or plt.figure(figsize=(7, 3.5)).gca()
    bars = ax.bar(counts.index, counts.values, color="tab:blue")
    ax.bar_label(bars, labels=[f"{c:,}" for c in counts.values], fontsize=10)
    ax.set(xticks=range(10), xlabel="digit", ylabel="images", title=title)
    ax.margins(y=0.12)
    return ax


def plot_per_class_errors(per_class: pd.DataFrame, ax=None, title=None):
    """Bar chart of the test errors per actual digit, from zero, each bar labelled "count (rate %)".

    ``per_class`` is :func:`~lenet_helpers.analysis.evaluation.per_class_accuracy`'s table. Errors are
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
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # counts: whole numbers on the axis
    ax.legend(loc="upper left", fontsize=10)
    return ax


def plot_learning_curves(history: pd.DataFrame, axes=None, log_loss: bool = True):
    """Loss (left) and accuracy (right) per epoch for train and valid, best valid epoch marked.

    Args:
        history: the DataFrame :func:`lenet_helpers.train` returns (or its CSV).
        axes: two axes, or None for a new 10x4.2 inch figure.
        log_loss: draw the loss on a logarithmic axis (default): after the first epoch the
            losses are small (0.01-0.05) and on a linear axis the gap between train and valid,
            which is what a learning curve is read for, is squeezed against the bottom.

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
        ax.set(xlabel="epoch", ylabel=unit)
        if len(history) <= 15:  # one tick per epoch; longer runs keep matplotlib's ticks
            ax.set_xticks(history["epoch"])
        ax.grid(alpha=0.3)
        ax.legend()
    ax_acc.annotate(f"{best['valid_acc']:.2f}%", (best["epoch"], best["valid_acc"]), textcoords="offset points",
                    xytext=(0, -16), ha="center", color="tab:orange",
                    bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none"})  # over the dashed line
    if log_loss and (history[["train_loss", "valid_loss"]] > 0).all().all():
        ax_loss.set_yscale("log")
        ax_loss.set_ylabel("cross-entropy (log scale)")
    ax_loss.set_title("Loss per epoch")
    ax_acc.set_title("Accuracy per epoch")
    return ax_loss, ax_acc


def plot_confusion_matrix(cm: pd.DataFrame, ax=None, title="Confusion matrix (test set)"):
    """A seaborn heatmap of counts; rows = actual digit, columns = predicted digit.

    The colour scale is logarithmic so that the few mistakes show beside the ~1,000 correct
    images per digit; every cell is labelled with its count.
    """

    ax = ax or plt.figure(figsize=(8.5, 7)).gca()
    sns.heatmap(cm, annot=True, fmt="d", cmap="Blues", norm=LogNorm(vmin=1, vmax=max(2, cm.values.max())),
                cbar_kws={"label": "images (log scale)"}, linewidths=0.5, linecolor="white", square=True, ax=ax,
                annot_kws={"fontsize": 11})
    ax.set(xlabel="predicted digit", ylabel="actual digit", title=title)
    ax.tick_params(axis="y", rotation=0)
    return ax


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
    """Heatmap of :func:`lenet_helpers.analysis.comparison.error_overlap`: shared mistakes of each pair of networks.

    The colour scale follows the off-diagonal (shared) counts; the diagonal, each network's own
    number of mistakes (larger, on another scale), is drawn in grey with its count. Returns the Axes.
    """

    n = len(overlap)
    ax = ax or plt.figure(figsize=(0.8 * n + 3, 0.7 * n + 2)).gca()
    values = overlap.to_numpy()
    diagonal = np.eye(n, dtype=bool)
    shared = values[~diagonal]
    vmax = max(1, int(shared.max())) if n > 1 else 1
    sns.heatmap(overlap, mask=diagonal, annot=True, fmt="d", cmap="Reds", vmin=0, vmax=vmax, square=True,
                cbar_kws={"label": "test digits both misread\n(grey diagonal: own mistakes)"},
                linewidths=0.5, linecolor="white", ax=ax, annot_kws={"fontsize": 10})
    for i in range(n):
        ax.add_patch(Rectangle((i, i), 1, 1, facecolor="0.85", edgecolor="white", linewidth=0.5))
        ax.text(i + 0.5, i + 0.5, f"{values[i, i]}", ha="center", va="center", fontsize=10, color="black")
    ax.set(title=title)
    ax.tick_params(axis="x", rotation=45)
    ax.tick_params(axis="y", rotation=0)
    return ax
