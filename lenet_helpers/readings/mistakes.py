"""A verdict for each misread digit, from its nearest training digits (notebook 12).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

#: The rules of :func:`mistake_reading`, in the order they are tried: the first that applies
#: gives the verdict (rule numbers are 1-based positions in this list).
MISTAKE_RULES = [
    ("strange digit", "most (>= 3 of 5) raw-pixel neighbours carry the predicted label"),
    ("model error", "most raw-pixel neighbours carry the true label"),
    ("strange digit", "nearest fc1 neighbour more than 2x the typical distance"),
    ("ambiguous", "none of the above"),
]


class MistakeReading(NamedTuple):
    """What :func:`mistake_reading` returns: the verdict, the number of the rule of
    :data:`MISTAKE_RULES` that decided it (1-4), and a sentence quoting the numbers."""

    verdict: str
    rule: int
    sentence: str


def mistake_reading(true: int, predicted: int, probabilities, feature_labels, feature_distances,
                    pixel_labels, typical_distance: float) -> MistakeReading:
    """A verdict, "strange digit", "model error" or "ambiguous", for one misread digit, from measured quantities.

    The rules (:data:`MISTAKE_RULES`) are tried **in this order** and the first that applies
    decides; a later rule is never reached once an earlier one has fired:

    1. **strange digit**, when the digit's nearest training digits in *raw pixels* are mostly
       (>= 3 of 5) labelled with the predicted class: even pixel by pixel it resembles training
       digits of the class the network chose, so the network reads it the way the data taught it;
    2. **model error**, when its nearest pixel neighbours are mostly labelled with the *true*
       class: it looks like training digits of its own class, yet the network misreads it
       (the sentence adds where its fc1 neighbours point: to its own class, the last layer's
       boundary is at fault; to the predicted class, the features are);
    3. **strange digit**, when the pixel neighbours are split (neither rule 1 nor 2) and its
       nearest fc1 neighbour is farther than twice the typical distance of correctly read test
       digits: it lies away from every digit the network was trained on;
    4. otherwise **ambiguous**: the neighbours are split between classes.

    Args:
        true, predicted: the label and the network's reading.
        probabilities: its 10 softmax probabilities.
        feature_labels, feature_distances: labels and distances of its nearest training
            digits in fc1 space (nearest first).
        pixel_labels: labels of its nearest training digits in raw pixel space.
        typical_distance: median distance of correctly read test digits to their nearest
            training digit in fc1 space (the scale for "far").

    Returns:
        :class:`MistakeReading` ``(verdict, rule, sentence)``; the sentence quotes every number
        the verdict rests on and names the rule.
    """
    p = np.asarray(probabilities, dtype=float)
    fl, pl = np.asarray(feature_labels), np.asarray(pixel_labels)
    k = len(fl)
    f_pred, f_true = int((fl == predicted).sum()), int((fl == true).sum())
    p_pred, p_true = int((pl == predicted).sum()), int((pl == true).sum())
    ratio = float(np.asarray(feature_distances)[0]) / typical_distance
    top3 = np.argsort(-p)[:3]
    rank = int(np.where(np.argsort(-p) == true)[0][0]) + 1
    facts = (f"read as {predicted} ({100 * p[predicted]:.1f}%), true {true} ({100 * p[true]:.1f}%, rank {rank}; "
             f"top-3 {', '.join(str(int(c)) for c in top3)}); nearest training digits: in fc1 space "
             f"{f_pred} of {k} labelled {predicted} and {f_true} labelled {true}, in raw pixels {p_pred} of {len(pl)} "
             f"labelled {predicted} and {p_true} labelled {true}; nearest fc1 distance {ratio:.1f}x the typical one")
    majority = len(pl) // 2 + 1
    if p_pred >= majority:
        return MistakeReading("strange digit", 1, (
            f"{facts}. Rule 1, strange digit: even in raw pixels it resembles training {predicted}s, "
            f"so the network reads it as the training data taught it."))
    if p_true >= majority:
        where = (f"its fc1 features still sit among training {true}s, so the last layer's boundary misreads it"
                 if f_true >= majority else
                 f"the network's features put it among training {predicted}s" if f_pred >= majority else
                 "the network's features place it between classes")
        return MistakeReading("model error", 2, (
            f"{facts}. Rule 2, model error: in raw pixels its nearest training digits are {true}s, yet {where}."))
    if ratio > 2:
        return MistakeReading("strange digit", 3, (
            f"{facts}. Rule 3, strange digit: its pixel neighbours are split and it lies {ratio:.1f}x farther "
            f"from any training digit (in fc1 space) than a typical correctly read digit does."))
    return MistakeReading("ambiguous", 4, (
        f"{facts}. Rule 4, ambiguous: its neighbours are split between classes and it is not unusually far "
        f"from the training digits; it sits on a border between digits."))


def rule_report(rules, ratios=None, far: float = 2.0) -> list[str]:
    """How many verdicts each rule of :data:`MISTAKE_RULES` decided, one line per rule.

    Args:
        rules: the ``rule`` of every :func:`mistake_reading` (ints 1-4).
        ratios: optionally, every misread digit's nearest fc1 distance divided by the typical
            one; adds how many lie farther than ``far`` times it, i.e. how many rule 3 would
            call strange if it were tried first.

    Returns:
        Lines such as ``"rule 1 (most (>= 3 of 5) raw-pixel neighbours carry the predicted
        label -> strange digit): 50 of 92"``.
    """
    rules = [int(r) for r in rules]
    lines = [f"rule {n} ({text} -> {verdict}): {rules.count(n)} of {len(rules)}"
             for n, (verdict, text) in enumerate(MISTAKE_RULES, 1)]
    if ratios is not None:
        ratios = np.asarray(ratios, dtype=float)
        lines.append(f"{int((ratios > far).sum())} of {len(ratios)} misread digits lie more than {far:g}x the typical "
                     f"distance from their nearest training digit in fc1 space (rule 3 is reached only when "
                     f"rules 1 and 2 do not apply)")
    return lines
