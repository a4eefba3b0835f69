"""Sentences and tables of the invariance lab (notebook 13): where each curve breaks and whether
augmentation moved the break.
"""
from __future__ import annotations

import math

import pandas as pd

from lenet_helpers.analysis.robustness import break_changes, breaking_point
from lenet_helpers.data.distortions import TRANSFORMS
from lenet_helpers.readings.text import format_level


def _never(b) -> bool:
    return b is None or (isinstance(b, float) and math.isnan(b))


def _break_text(b, threshold: float) -> str:
    return f"never below {threshold:g}%" if _never(b) else format_level(b)


def break_summary(curves: pd.DataFrame, threshold: float = 90.0, reference: str | None = None) -> list[str]:
    """One sentence per non-reference model: for which transformations its break comes later,
    earlier or at the same level as the reference model's (:func:`break_changes`), with the levels.

    E.g. ``"Break (first level below 90%) of augmented vs default: later (at a harsher level) for shift
    (3 -> 5), larger (1.6 -> never below 90%); earlier (at a milder level) for noise (0.3 -> 0.2);
    at the same level for rotation (30)."``
    """
    changes = break_changes(curves, threshold, reference)
    reference = reference or list(dict.fromkeys(curves["model"]))[0]
    out = []
    for mname, group in changes.groupby("model", sort=False):
        parts = []
        for change, words in (("later", "later (at a harsher level)"), ("earlier", "earlier (at a milder level)"),
                              ("unchanged", "at the same level")):
            rows = group[group["change"] == change]
            if rows.empty:
                continue
            items = [f"{r['transform']} ({_break_text(r['reference_break'], threshold)})" if change == "unchanged" else
                     f"{r['transform']} ({_break_text(r['reference_break'], threshold)} -> "
                     f"{_break_text(r['break'], threshold)})" for _, r in rows.iterrows()]
            parts.append(f"{words} for {', '.join(items)}")
        out.append(f"Break (first level below {threshold:g}%) of {mname} vs {reference}: " + "; ".join(parts) + ".")
    return out


def curves_table(curves: pd.DataFrame, transforms: dict | None = None, decimals: int = 1) -> str:
    """:func:`~lenet_helpers.invariance_curves`' accuracies as one small text table per transformation: the
    levels as columns (:func:`format_level`), one row per model, accuracies (%) rounded to
    ``decimals`` (the rounding of :func:`curves_report`, so both print the same numbers)."""
    transforms = transforms or TRANSFORMS
    blocks = []
    for tname, group in curves.groupby("transform", sort=False):
        label = transforms[tname][2] if tname in transforms else tname
        levels = list(dict.fromkeys(group["level"]))
        table = group.pivot(index="model", columns="level", values="accuracy")
        table = table.loc[list(dict.fromkeys(group["model"])), levels]
        table.columns = [format_level(v) for v in levels]
        table.index.name = None
        text = table.to_string(float_format=lambda v: f"{v:.{decimals}f}")
        blocks.append(f"{tname}: {label}\n{text}")
    return "\n\n".join(blocks)


def curves_report(curves: pd.DataFrame, threshold: float = 90.0, transforms: dict | None = None) -> list[str]:
    """One sentence per transformation reading :func:`~lenet_helpers.invariance_curves`' numbers.

    For each transformation and model: the clean accuracy, the first level where accuracy
    falls below ``threshold`` % (the "break"), and the accuracy at the harshest level; then,
    with several models, whether each other model's break comes later, earlier or at the same
    level as the first model's (:func:`break_changes`), and which model keeps the most accuracy
    at the harshest level. Levels are read in :data:`TRANSFORMS`' order, which runs from the
    identity to the harshest level, and printed with :func:`format_level`.
    """
    transforms = transforms or TRANSFORMS
    changes = break_changes(curves, threshold) if curves["model"].nunique() > 1 else None
    lines = []
    for tname, group in curves.groupby("transform", sort=False):
        label = transforms[tname][2] if tname in transforms else tname
        parts, last = [], {}
        for mname, curve in group.groupby("model", sort=False):
            b = breaking_point(curve, threshold)
            last[mname] = curve.iloc[-1]
            parts.append(f"{mname}: {curve.iloc[0]['accuracy']:.1f}% clean, "
                         + (f"below {threshold:g}% from {format_level(b)}" if b is not None
                            else f"never below {threshold:g}%")
                         + f", {curve.iloc[-1]['accuracy']:.1f}% at {format_level(curve.iloc[-1]['level'])}")
        line = f"{tname} ({label}): " + "; ".join(parts) + "."
        if changes is not None:
            moves = changes[changes["transform"] == tname]
            line += " " + " ".join(
                f"The break stays at the same level for {r['model']}." if r["change"] == "unchanged" else
                f"The break moves {r['change']} for {r['model']} ({_break_text(r['reference_break'], threshold)} -> "
                f"{_break_text(r['break'], threshold)})." for _, r in moves.iterrows())
            best = max(last, key=lambda m: last[m]["accuracy"])
            spread = max(r["accuracy"] for r in last.values()) - min(r["accuracy"] for r in last.values())
            line += f" At the harshest level {best} keeps {spread:.1f} points more."
        lines.append(line)
    return lines
