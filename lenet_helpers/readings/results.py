"""Sentences about a trained network's results: learning curves (05), mistakes (06), per-class
noise and confused pairs (07), the architecture comparison (10).
"""
from __future__ import annotations

import math

import pandas as pd

from lenet_helpers.analysis.evaluation import most_confused
from lenet_helpers.readings.text import _a, count, format_confidence, printed_difference


def learning_curve_report(history: pd.DataFrame) -> list[str]:
    """A few sentences reading a training history, with the numbers taken from it.

    Covers the best validation epoch, why valid accuracy can beat train accuracy in the first
    epoch (train figures are running averages while the weights change), the final
    train/valid gap (accuracy in percentage points, loss in nats), the ratio of the losses
    when it is large (from the printed values), valid accuracy's largest fall from one epoch to
    the next when it is 0.2 points or more, and whether validation loss rose after its minimum
    (the usual sign of overfitting).
    """
    last = history.iloc[-1]
    first = history.iloc[0]
    best = history.loc[history["valid_acc"].idxmax()]
    min_loss = history.loc[history["valid_loss"].idxmin()]
    acc_gap = printed_difference(last["train_acc"], last["valid_acc"], 2)  # as the printed values give it
    loss_gap = printed_difference(last["valid_loss"], last["train_loss"], 4)
    rise = last["valid_loss"] - min_loss["valid_loss"]
    lines = [
        f"Best valid accuracy: {best['valid_acc']:.2f}% at epoch {int(best['epoch'])} of {int(last['epoch'])}; "
        f"last epoch: {last['valid_acc']:.2f}%.",
        f"Final gap: train accuracy {last['train_acc']:.2f}% vs valid {last['valid_acc']:.2f}% "
        f"({acc_gap:+.2f} points); valid loss {last['valid_loss']:.4f} vs train loss {last['train_loss']:.4f} "
        f"({loss_gap:+.4f}).",
    ]
    if first["valid_acc"] > first["train_acc"]:
        lines.insert(1,
            f"In epoch {int(first['epoch'])} valid accuracy ({first['valid_acc']:.2f}%) beat train accuracy "
            f"({first['train_acc']:.2f}%) by {first['valid_acc'] - first['train_acc']:.2f} points: train accuracy is "
            f"averaged over the epoch's batches while the weights were still improving (the first batches were "
            f"scored by a nearly untrained network), valid accuracy is measured once, by the end-of-epoch network.")
    if last["train_loss"] > 0 and last["valid_loss"] > 5 * last["train_loss"]:
        shown_train, shown_valid = round(float(last["train_loss"]), 4), round(float(last["valid_loss"]), 4)
        ratio = shown_valid / shown_train if shown_train > 0 else last["valid_loss"] / last["train_loss"]
        lines.append(
            f"Valid loss ends {ratio:.0f} times train loss ({shown_valid:.4f} vs {shown_train:.4f}): the network fits "
            f"the digits it trained on far better than new ones (a generalisation gap), as expected when "
            f"a network sees the same training digits {int(last['epoch'])} times.")
    dip = _largest_dip(history)
    if dip:
        lines.append(dip)
    if int(min_loss["epoch"]) < int(last["epoch"]) and rise > 0.1 * min_loss["valid_loss"]:
        lines.append(
            f"Valid loss was lowest at epoch {int(min_loss['epoch'])} ({min_loss['valid_loss']:.4f}) and rose by "
            f"{rise:.4f} since while train loss kept falling: the model has started to overfit "
            f"(it grows more confident on training digits than the validation digits justify).")
    else:
        lines.append(
            f"Valid loss is at or near its minimum ({min_loss['valid_loss']:.4f} at epoch {int(min_loss['epoch'])}): "
            f"no clear sign of overfitting within these epochs.")
    return lines


def _largest_dip(history: pd.DataFrame, at_least: float = 0.2) -> str | None:
    """A sentence on valid accuracy's largest fall from one epoch to the next, when it is at least
    ``at_least`` points (as printed, 2 decimals) and not in the last epoch; ``None`` otherwise."""
    acc = history["valid_acc"].round(2).reset_index(drop=True)
    falls = acc.diff().round(2)  # as a reader subtracts the printed values
    if len(acc) < 3 or falls.iloc[1:-1].min() > -at_least:
        return None
    k = int(falls.iloc[1:-1].idxmin())
    before, at = history.iloc[k - 1], history.iloc[k]
    text = (f"Valid accuracy does not rise every epoch: its largest fall is {-falls[k]:.2f} points at epoch "
            f"{int(at['epoch'])} ({acc[k - 1]:.2f}% -> {acc[k]:.2f}%)")
    if round(at["valid_loss"], 4) > round(before["valid_loss"], 4):
        text += f", with valid loss rising too ({before['valid_loss']:.4f} -> {at['valid_loss']:.4f})"
    back = [i for i in range(k + 1, len(acc)) if acc[i] > acc[k - 1]]
    text += (f"; it was above {acc[k - 1]:.2f}% again at epoch {int(history.iloc[back[0]]['epoch'])}" if back
             else f"; it did not get back above {acc[k - 1]:.2f}%")
    tail = acc.iloc[-6:].diff().abs().iloc[1:]  # the last (up to) five epochs, each against the one before
    steady = (f"in the last {count(len(tail), 'epoch')} valid accuracy changed by at most {tail.max():.2f} points "
              f"from the epoch before.")
    if "lr" in history and history["lr"].iloc[-1] < history["lr"].iloc[k]:
        text += (f". One epoch of large steps can leave the weights at a slightly worse point for a while: the learning "
                 f"rate was still {at['lr']:.2g} at the end of that epoch and falls to {history['lr'].iloc[-1]:.2g} by "
                 f"epoch {int(history['epoch'].iloc[-1])}; {steady}")
    else:
        text += f". One epoch's steps can leave the weights at a slightly worse point for a while; {steady}"
    return text


def format_mistakes(table: pd.DataFrame) -> pd.DataFrame:
    """:func:`~lenet_helpers.mistakes_table` with its percentages written for reading: confidences through
    :func:`~lenet_helpers.readings.format_confidence` (never a rounded "100.0%"), the small
    probabilities with two significant digits."""

    out = table.copy()
    out["confidence"] = [format_confidence(c / 100) for c in table["confidence"]]
    for col in ("runner-up %", "true %"):
        out[col] = [f"{v:.2g}%" if v < 99.95 else format_confidence(v / 100) for v in table[col]]
    return out


def mistakes_report(table: pd.DataFrame, confident: float = 90.0) -> list[str]:
    """Sentences on :func:`~lenet_helpers.mistakes_table`: overconfidence, the runner-up, the true digit's probability."""

    n = len(table)
    if n == 0:
        return ["No mistakes: every digit was read correctly."]
    sure = int((table["confidence"] > confident).sum())
    top = table.iloc[0]
    second = int((table["true rank"] == 2).sum())
    # "often" for a quarter of the mistakes or more; below that, confident mistakes are the exception
    meaning = ("a wrong answer is often a confident one (overconfidence)" if sure >= n / 4 else
               "most wrong answers come with less confidence, but some are confident")
    lines = [
        f"{sure} of the {n} mistakes ({100 * sure / n:.0f}%) are made with more than {confident:.0f}% confidence: "
        f"{meaning}, so a high softmax probability is no guarantee.",
        f"The most confident mistake, test digit #{int(top['index'])}, is {_a(top['true'])} read as "
        f"{int(top['predicted'])} with {format_confidence(top['confidence'] / 100)}; the true digit gets "
        f"{top['true %']:.2g}% (rank {int(top['true rank'])} of 10).",
        f"In {second} of the {n} mistakes ({100 * second / n:.0f}%) the true digit is the runner-up, the network's "
        f"second choice; the median probability left for the true digit is {table['true %'].median():.2g}%.",
    ]
    return lines


# ---------------------------------------------------------------- 07: confusion matrix
def per_class_noise_report(per_class: pd.DataFrame) -> list[str]:
    """Whether per-digit error counts differ by more than counting noise.

    A digit whose images are misread at a fixed rate gives, on a fresh test set of the same
    size, an error count that scatters by about its square root (binomial with a small rate
    ~ Poisson: standard deviation sqrt(n p (1 - p)) ~ sqrt(errors)). Two counts e1 and e2
    differ by more than noise when |e1 - e2| > 2 sqrt(e1 + e2) (two standard deviations of
    the difference).

    Args:
        per_class: :func:`~lenet_helpers.analysis.evaluation.per_class_accuracy`'s table.
    """
    rows = per_class.loc[per_class["images"] > 0]  # digits with test images
    errors = rows["errors"].astype(int)
    worst, best = int(rows["accuracy"].idxmin()), int(rows["accuracy"].idxmax())
    e1, e2 = int(errors[worst]), int(errors[best])
    sd = math.sqrt(e1 + e2) if e1 + e2 else 0.0
    z = abs(e1 - e2) / sd if sd else 0.0
    typical = errors.mean()
    band = 2 * math.sqrt(2 * typical)
    lines = [
        f"Counting noise: a digit misread {typical:.0f} times (the mean here) would, on a new test set of the same "
        f"size, be misread {typical:.0f} +- {math.sqrt(typical):.0f} times (the square root of a count); two digits "
        f"with such counts must differ by more than about {band:.0f} errors before the difference means anything.",
    ]
    pair = (f"The least and best recognised digits, {worst} ({e1} errors) and {best} ({e2}), differ by "
            f"{e1 - e2} errors, {z:.1f} standard deviations of the difference")
    if z > 3:
        lines.append(pair + ": a real difference.")
    elif z > 2:
        lines.append(pair + ": borderline. They are the extremes of ten counts, and extremes picked from 45 pairs "
                            "are expected to lie 2-3 standard deviations apart by chance alone.")
    else:
        lines.append(pair + ": within noise.")
    close = [(a, b) for a in errors.index for b in errors.index
             if a < b and abs(errors[a] - errors[b]) <= 2 * math.sqrt(max(1, errors[a] + errors[b]))]
    n_pairs = len(errors) * (len(errors) - 1) // 2
    lines.append(f"{len(close)} of the {n_pairs} pairs of digits have error counts within noise of each other.")
    return lines


def confused_pair_report(cm: pd.DataFrame) -> list[str]:
    """The most frequent confusion and its reverse direction, from a confusion matrix."""

    pairs = most_confused(cm, top=1)
    if pairs.empty:
        return ["No confusions at all."]
    a, b, n = (int(v) for v in pairs.iloc[0][["actual", "predicted", "count"]])
    back = int(cm.loc[b, a])
    lines = [f"The most frequent confusion is {a} read as {b}: {n} of {int(cm.loc[a].sum()):,} {a}s "
             f"({100 * n / cm.loc[a].sum():.2f}%)."]
    tied = [f"{int(r.actual)} read as {int(r.predicted)}" for r in most_confused(cm, top=90).itertuples()
            if int(r.count) == n and (int(r.actual), int(r.predicted)) != (a, b)]
    if tied:
        lines[0] = lines[0][:-1] + f", tied with {_join(tied)} ({n} each); the figure above follows {a} and {b}."
    if back == n:
        lines.append(f"The other way, {b} read as {a}, happens exactly as often ({back}): a symmetric confusion.")
    else:
        lines.append(f"The other way, {b} read as {a}, happens {back} times: confusions need not be symmetric "
                     f"(cell ({a}, {b}) and cell ({b}, {a}) of the matrix count different mistakes).")
    return lines


def _join(names) -> str:
    """``"a"``, ``"a and b"``, ``"a, b and c"``."""
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _gap_words(gap: float, spread: float | None) -> str:
    """How a gap in accuracy (points) reads against the seed-to-seed spread."""
    if spread is None:
        return "one run of each, with no measure of what the seed alone moves: too little to rank them"
    if abs(gap) <= spread:
        return (f"within the {spread:.2f} points the seed alone moves the score, so this run cannot tell them "
                f"apart")
    return f"more than the {spread:.2f} points the seed alone moves the score"


def architecture_report(table: pd.DataFrame, spread: float | None = None, baseline: str = "lenet5",
                        spread_source: str = "") -> list[str]:
    """Sentences reading a :func:`~lenet_helpers.results_table`, every number taken from it.

    Networks are ranked and chosen by **validation** accuracy (notebook 04's rule: choose on the
    validation digits, score the test set once at the end); the test column is quoted only as
    the final score of the network chosen. A gap between two networks is read against
    ``spread``, what the seed alone moves the validation accuracy (e.g. the range of one
    network's validation accuracy over a few seeds of the same recipe): a gap no larger than
    it is called "cannot tell apart", never a win or a loss, and no conclusion is drawn from
    it. Without ``spread`` (one run, no measure of the noise) nothing is ranked.

    Covers the highest and lowest validation accuracy and the networks within the spread of
    the highest, the smallest network against ``baseline``, the network without convolutions
    (``mlp``) against the best convolutional one, speed, and the test score of the choice.

    Args:
        table: :func:`~lenet_helpers.results_table`'s table (columns ``valid acc %``,
            ``test acc %``, ``test errors``, ``parameters``, ``multiply-adds``, ``s/epoch``).
        spread: seed-to-seed spread of validation accuracy, in points; None when unmeasured.
        baseline: the network the smallest one is compared with.
        spread_source: a few words saying where ``spread`` comes from, quoted with it.
    """
    v = table["valid acc %"]
    t = table.sort_values("valid acc %", ascending=False)
    best, worst = t.index[0], t.index[-1]
    source = f", {spread_source}" if spread_source else ""
    first = (f"Ranked by validation accuracy (the digits kept for choosing; the test set is the final score, "
             f"below): highest {best} with {v[best]:.2f}% ({t.loc[best, 'parameters']:,} parameters, "
             f"{t.loc[best, 'multiply-adds']:,} multiply-adds per digit), lowest {worst} with {v[worst]:.2f}%.")
    lines = [first]
    tied = [] if spread is None else [n for n in t.index[1:] if v[best] - v[n] <= spread]
    if spread is None:
        lines.append("One run per network and no measure of what the seed alone moves: the order above is not a "
                     "ranking (gaps of a few tenths of a point can be noise).")
    else:
        if tied:
            lines.append(
                f"Within the seed-to-seed spread ({spread:.2f} points{source}) of {best}: "
                + ", ".join(f"{n} ({v[n]:.2f}%)" for n in tied)
                + f"; this run cannot tell {'it' if len(tied) == 1 else 'them'} apart from {best}.")
        else:
            lines.append(f"Every other network is more than the seed-to-seed spread ({spread:.2f} points{source}) "
                         f"below {best}.")
    smallest = table["parameters"].idxmin()
    if baseline in table.index and smallest != baseline:
        ratio = table.loc[baseline, "parameters"] / table.loc[smallest, "parameters"]
        gap = printed_difference(v[smallest], v[baseline], 2)
        if spread is not None and abs(gap) > spread:
            verdict = ("in this run the smaller network is ahead: parameters alone do not decide accuracy"
                       if gap > 0 else f"in this run the {ratio:.1f} times larger {baseline} is ahead")
            words = f"{_gap_words(gap, spread)}: {verdict}"
        else:
            words = _gap_words(gap, spread)
        lines.append(
            f"The smallest network, {smallest} ({table.loc[smallest, 'parameters']:,} parameters, {ratio:.1f} times "
            f"fewer than {baseline}), reaches {v[smallest]:.2f}% against {baseline}'s {v[baseline]:.2f}%: "
            f"{gap:+.2f} points, {words}.")
    if "mlp" in table.index and len(table) > 1:
        convs = table.drop(index="mlp")
        best_conv = convs["valid acc %"].idxmax()
        gap = printed_difference(v["mlp"], v[best_conv], 2)
        lines.append(
            f"Without convolutions, mlp ({table.loc['mlp', 'parameters']:,} parameters) reaches {v['mlp']:.2f}% "
            f"against {v[best_conv]:.2f}% for the best convolutional network, {best_conv}: {gap:+.2f} points, "
            f"{_gap_words(gap, spread)}.")
    fast, slow = table["s/epoch"].idxmin(), table["s/epoch"].idxmax()
    cheapest = table["multiply-adds"].idxmin()
    # the ratio of the times as printed (2 decimals), so a student's check gives the same figure
    time_ratio = round(table.loc[slow, "s/epoch"], 2) / max(round(table.loc[fast, "s/epoch"], 2), 0.01)
    work_ratio = table.loc[slow, "multiply-adds"] / table.loc[fast, "multiply-adds"]
    if time_ratio > 2 * max(work_ratio, 1):  # far slower than its work explains: the machine was busy
        why = (f". {slow} needs {work_ratio:.1f} times {fast}'s multiply-adds per digit, yet took {time_ratio:.1f} "
               f"times as long: these times measure what else the machine was doing while each network trained "
               f"more than the networks themselves.")
    else:
        why = (f" ({time_ratio:.1f} times as long, for {work_ratio:.1f} times the multiply-adds per digit). Wall "
               f"time follows the machine's load as well as the network: other work on the machine while a "
               f"network trains slows its epochs.")
    lines.append(
        f"Time per epoch when these networks were trained (a reused checkpoint keeps the times of the run that "
        f"made it): {fast} {table.loc[fast, 's/epoch']:.2f} s, the least; {slow} "
        f"{table.loc[slow, 's/epoch']:.2f} s, the most{why} Compare costs by the multiply-adds column "
        f"({cheapest} needs the fewest per digit) and speeds in a quiet, longer run (the 15-epoch figures below).")
    lines.append(
        f"Chosen on validation: {best}"
        + (f" (the highest, though {_join(tied)} would be as fair a choice by this run)" if tied else
           " (the highest of one run each: the choice may be luck)" if spread is None else "")
        + f". Its test accuracy, the final score, is {table.loc[best, 'test acc %']:.2f}% "
        f"({int(table.loc[best, 'test errors'])} errors); the other networks' test scores choose nothing (a "
        f"network picked by its test score would have a flattering one).")
    return lines


def benchmark_report(summary: pd.DataFrame, baseline: str = "lenet5") -> list[str]:
    """Sentences reading a :func:`~lenet_helpers.benchmark_summary` against ``baseline``, every number taken from it.

    Networks are compared by **validation** accuracy (notebook 04's rule); the test accuracy is
    quoted once, at the end, as the final score of the network chosen on validation. A network is
    called better (worse) than the baseline only when its whole range of validation accuracy over
    the seeds lies above (below) the baseline's range; when the ranges overlap, the difference is
    within what the seed alone moves and the two cannot be told apart. With one seed nothing is
    ranked.

    Raises:
        ValueError: ``baseline`` is not in the summary.
    """
    if baseline not in summary.index:
        raise ValueError(f"{baseline!r} is not in the benchmark summary: it has {', '.join(summary.index)}")
    b = summary.loc[baseline]
    lines = [f"{baseline}: {b['valid mean']:.2f}% mean validation accuracy over {int(b['seeds'])} seed(s), from "
             f"{b['valid min']:.2f}% to {b['valid max']:.2f}% (the seed alone moves it by "
             f"{printed_difference(b['valid max'], b['valid min'], 2):.2f} points)."]
    others = summary.drop(index=baseline)
    if b["seeds"] < 2:
        lines.append("One seed only: what the seed alone moves is unknown, so none of these differences in "
                     "validation accuracy can be told from noise: "
                     + ", ".join(f"{n} ({printed_difference(r['valid mean'], b['valid mean'], 2):+.2f})" for n, r in others.iterrows())
                     + " points.")
    else:
        groups = {"above": [], "within": [], "below": []}
        for name, row in others.iterrows():
            side = ("above" if row["valid min"] > b["valid max"] else
                    "below" if row["valid max"] < b["valid min"] else "within")
            groups[side].append(f"{name} ({printed_difference(row['valid mean'], b['valid mean'], 2):+.2f})")
        words = {"above": f"Better than {baseline} on every seed (its whole validation range above {baseline}'s)",
                 "within": f"Not distinguishable from {baseline} (the validation ranges overlap: within what the "
                           f"seed alone moves)",
                 "below": f"Worse than {baseline} on every seed (its whole validation range below {baseline}'s)"}
        for side, names in groups.items():
            if names:
                lines.append(f"{words[side]}: " + ", ".join(names)
                             + f" (mean validation accuracy minus {baseline}'s, in points).")
    chosen = summary["valid mean"].idxmax()
    c = summary.loc[chosen]
    ties = [n for n, r in summary.drop(index=chosen).iterrows()
            if c["seeds"] >= 2 and r["valid max"] >= c["valid min"]]
    tie = (f"; {', '.join(ties)} overlap{'s' if len(ties) == 1 else ''} its range, so the choice between them is "
           f"a toss-up" if ties else "")
    test = (f"{chosen} {c['test mean']:.2f}% mean ({c['test min']:.2f}% to {c['test max']:.2f}%)"
            + (f", against {b['test mean']:.2f}% for {baseline}" if chosen != baseline else ""))
    lines.append(f"Chosen on validation: {chosen} (highest mean validation accuracy, {c['valid mean']:.2f}%){tie}. "
                 f"Its test accuracy, the final score, scored once per run and never used to choose: {test}.")
    return lines
