"""A verdict for each misread digit, from its nearest training digits, and the occlusion lines (notebook 12).

Whether a digit is *unusual* is judged without the model: by its distance, pixel by pixel,
to the nearest training digit, against the same distance for test digits in general
(:func:`lenet_helpers.analysis.neighbours.distance_rank`). The distance in the network's own
fc1 features is quoted beside it but decides nothing: the features are the network's own
reading of the digit, and a digit it misreads tends to lie far from the training digits there
(notebook 12 counts how many do).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd
import torch

from lenet_helpers.analysis.neighbours import distance_rank
from lenet_helpers.data.preprocessing import denormalize
from lenet_helpers.readings.text import probability_text

#: Rule 3's threshold: a digit is unusual when its nearest training digit, in raw pixels, is
#: farther than that of this percentage of test digits (95: farther than 19 test digits in 20).
FAR_PERCENTILE = 95

#: The rules of :func:`mistake_reading`, in the order they are tried: the first that applies
#: gives the verdict (rule numbers are 1-based positions in this list).
MISTAKE_RULES = [
    ("strange digit", "most (>= 3 of 5) raw-pixel neighbours carry the predicted label"),
    ("model error", "most raw-pixel neighbours carry the true label"),
    ("strange digit", f"pixel neighbours split, and the nearest training digit farther in raw pixels than for "
                      f"{FAR_PERCENTILE}% of test digits"),
    ("ambiguous", "none of the above"),
]


class MistakeReading(NamedTuple):
    """What :func:`mistake_reading` returns: the verdict, the number of the rule of
    :data:`MISTAKE_RULES` that decided it (1-4), and a sentence quoting the numbers."""

    verdict: str
    rule: int
    sentence: str


def mistake_reading(true: int, predicted: int, probabilities, feature_labels, feature_distances,
                    pixel_labels, typical_distance: float, *, pixel_distance: float, pixel_sample,
                    far: float = FAR_PERCENTILE) -> MistakeReading:
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
    3. **strange digit**, when the pixel neighbours are split (neither rule 1 nor 2) and the
       digit is *unusual*, judged without the model: its nearest training digit, in raw pixels,
       is farther than that of ``far`` % of the test digits in ``pixel_sample``;
    4. otherwise **ambiguous**: the neighbours are split between classes and the digit is not
       unusually far from the training digits.

    The fc1 distance (over ``typical_distance``) is quoted but decides nothing: fc1 is the
    network's own reading of the digit, and misread digits tend to lie far from the training
    digits there whether or not the digit itself is unusual.

    Args:
        true, predicted: the label and the network's reading.
        probabilities: its 10 softmax probabilities.
        feature_labels, feature_distances: labels and distances of its nearest training
            digits in fc1 space (nearest first).
        pixel_labels: labels of its nearest training digits in raw pixel space.
        typical_distance: median distance of correctly read test digits to their nearest
            training digit in fc1 space (quoted only).
        pixel_distance: its distance to its nearest training digit in raw pixels.
        pixel_sample: the same distance for a sample of test digits (any, right or wrong: a
            scale that does not depend on the model).
        far: rule 3's percentile.

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
    rank_pct = float(distance_rank([pixel_distance], pixel_sample)[0])
    order = np.argsort(-p)
    rank = int(np.where(order == true)[0][0]) + 1
    facts = (f"read as {predicted} ({100 * p[predicted]:.1f}%), true {true} ({100 * p[true]:.1f}%, rank {rank}). "
             f"Training neighbours labelled {predicted} / {true}: pixels {p_pred} / {p_true} of {len(pl)}, "
             f"fc1 {f_pred} / {f_true} of {k}; nearest in pixels farther than for {rank_pct:.0f}% of test digits "
             f"(fc1: {ratio:.1f}x typical)")
    majority = len(pl) // 2 + 1
    if p_pred >= majority:
        return MistakeReading("strange digit", 1, (
            f"{facts}. Rule 1, strange digit: even in raw pixels it resembles training {predicted}s."))
    if p_true >= majority:
        where = (f"its fc1 features sit among training {true}s: the last layer's boundary misreads it"
                 if f_true >= majority else
                 f"the network's features put it among training {predicted}s" if f_pred >= majority else
                 "the network's features place it between classes")
        return MistakeReading("model error", 2, (
            f"{facts}. Rule 2, model error: in raw pixels it resembles training {true}s, yet {where}."))
    if rank_pct > far:
        return MistakeReading("strange digit", 3, (
            f"{facts}. Rule 3, strange digit: pixel neighbours split, and unusual: farther from every training "
            f"digit than {far:g}% of test digits are."))
    return MistakeReading("ambiguous", 4, (
        f"{facts}. Rule 4, ambiguous: pixel neighbours split, and not among the {100 - far:g}% of test digits "
        f"farthest from the training digits: it sits between classes."))


def mistake_readings(indices, labels, predicted, probabilities, feature_labels, feature_distances,
                     typical_distance: float, pixel_labels, pixel_distances, pixel_sample,
                     far: float = FAR_PERCENTILE) -> pd.DataFrame:
    """:func:`mistake_reading` for every misread digit, as a table (notebook 12's error explorer).

    Args:
        indices: ``(M,)`` test indices of the misread digits.
        labels, predicted: ``(N,)`` true and predicted labels of the whole test set.
        probabilities: ``(N, 10)`` softmax probabilities of the whole test set.
        feature_labels, feature_distances: ``(M, k)`` labels and distances of each misread digit's
            nearest training digits in fc1 space.
        typical_distance: median fc1 distance of a correctly read test digit to its nearest
            training digit.
        pixel_labels: ``(M, k)`` labels of each misread digit's nearest training digits in raw pixels.
        pixel_distances: ``(M,)`` or ``(M, k)`` distances to them (only the nearest is used).
        pixel_sample: nearest-training-digit distances, in raw pixels, of a sample of test digits.
        far: rule 3's percentile.

    Returns:
        One row per misread digit: ``test index``, ``true``, ``read as``, ``verdict``, ``rule``
        (1-4), ``pixel rank %`` (share of the sample nearer to a training digit than it),
        ``fc1 ratio`` (nearest fc1 distance over the typical one) and ``reading`` (the sentence).
    """
    labels, predicted = np.asarray(_numpy(labels)), np.asarray(_numpy(predicted))
    probabilities = np.asarray(_numpy(probabilities))
    feature_labels, feature_distances = np.asarray(_numpy(feature_labels)), np.asarray(_numpy(feature_distances))
    pixel_labels, pixel_distances = np.asarray(_numpy(pixel_labels)), np.asarray(_numpy(pixel_distances))
    nearest = pixel_distances[:, 0] if pixel_distances.ndim == 2 else pixel_distances
    ranks = distance_rank(nearest, pixel_sample)
    rows = []
    for m, j in enumerate(np.asarray(indices, dtype=int)):
        verdict, rule, sentence = mistake_reading(int(labels[j]), int(predicted[j]), probabilities[j],
                                                  feature_labels[m], feature_distances[m], pixel_labels[m],
                                                  typical_distance, pixel_distance=float(nearest[m]),
                                                  pixel_sample=pixel_sample, far=far)
        rows.append({"test index": int(j), "true": int(labels[j]), "read as": int(predicted[j]), "verdict": verdict,
                     "rule": rule, "pixel rank %": float(ranks[m]),
                     "fc1 ratio": float(feature_distances[m][0]) / typical_distance, "reading": sentence})
    columns = ["test index", "true", "read as", "verdict", "rule", "pixel rank %", "fc1 ratio", "reading"]
    return pd.DataFrame(rows, columns=columns)


def rule_report(rules, ratios=None, far: float = 2.0, pixel_ranks=None,
                far_percentile: float = FAR_PERCENTILE) -> list[str]:
    """How many verdicts each rule of :data:`MISTAKE_RULES` decided, one line per rule, and how far
    the misread digits lie from the training digits in raw pixels and in fc1 space.

    Args:
        rules: the ``rule`` of every :func:`mistake_reading` (ints 1-4).
        ratios: optionally, every misread digit's nearest fc1 distance divided by the typical
            one; adds how many lie farther than ``far`` times it, and what that can and cannot say.
        pixel_ranks: optionally, every misread digit's ``pixel rank %`` (:func:`mistake_readings`);
            adds how many are unusual in raw pixels (beyond ``far_percentile``), against the
            ``100 - far_percentile`` % of test digits in general.

    Returns:
        Lines such as ``"rule 1 (most (>= 3 of 5) raw-pixel neighbours carry the predicted
        label -> strange digit): 50 of 92"``.
    """
    rules = [int(r) for r in rules]
    lines = [f"rule {n} ({text} -> {verdict}): {rules.count(n)} of {len(rules)}"
             for n, (verdict, text) in enumerate(MISTAKE_RULES, 1)]
    if pixel_ranks is not None:
        ranks = np.asarray(pixel_ranks, dtype=float)
        n, m = int((ranks > far_percentile).sum()), len(ranks)
        expected = 100 - far_percentile
        share = 100 * n / m if m else 0.0
        lines.append(f"{n} of {m} misread digits ({share:.0f}%) lie farther from their nearest training digit, in "
                     f"raw pixels, than {far_percentile:g}% of test digits do (judged without the model; "
                     f"{expected:g}% of test digits would by definition)")
    if ratios is not None:
        ratios = np.asarray(ratios, dtype=float)
        n, m = int((ratios > far).sum()), len(ratios)
        tail = ("most misread digits do, so this distance in the network's own features cannot single out an "
                "unusual digit: it decides no verdict" if n > m / 2 else
                "a distance in the network's own features, it says how the network sees the digit, not whether the "
                "digit is unusual: it decides no verdict")
        lines.append(f"{n} of {m} misread digits lie more than {far:g}x the typical distance from their nearest "
                     f"training digit in fc1 space; {tail}")
    return lines


def occlusion_report(images, maps, indices, labels, predicted, probabilities, patch: int = 8) -> list[str]:
    """One line per digit of an occlusion figure: where covering hurts the true class most, and
    whether that patch is mostly ink or background.

    For each digit: p(true), the position of the largest drop of the map (row and column of
    the ``H x W`` map), that drop, the share of ink (pixels above 0.5 once denormalised) in the
    ``patch`` x ``patch`` square around it, and the largest rise (covering that helps the class).

    Args:
        images: ``(n, 1, H, W)`` normalised model inputs, in the order of the maps.
        maps: ``(n, H, W)`` :func:`~lenet_helpers.occlusion` maps for the true class.
        indices: ``(n,)`` their test indices; labels, predicted, probabilities: of the whole test set.
        patch: the occlusion patch's side, in pixels.
    """
    images, maps = torch.as_tensor(images), torch.as_tensor(maps)
    ink = (denormalize(images[:, 0]) > 0.5).float().cpu()
    window = torch.ones(1, 1, patch, patch) / patch ** 2
    size = maps.shape[-2:]
    ink_share = torch.nn.functional.conv2d(ink.unsqueeze(1), window, padding=patch // 2)[:, 0, :size[0], :size[1]]
    side = maps.shape[-1]
    lines = []
    for k, j in enumerate(np.asarray(indices, dtype=int)):
        true, read = int(labels[j]), int(predicted[j])
        r, c = divmod(int(maps[k].argmax()), side)
        lines.append(
            f"test #{j} ({'right' if read == true else 'WRONG'}): "
            f"{probability_text(f'p(true {true})', float(probabilities[j, true]))}; covering around the pixel "
            f"{r} from the top, {c} from the left (of {side}) lowers it most, by {float(maps[k].max()):.2f} on average "
            f"(that patch is {100 * float(ink_share[k, r, c]):.0f}% ink); the largest rise is {float(-maps[k].min()):.2f}")
    return lines


def _numpy(x):
    return x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else x
