"""The network's feature space: fc1 feature vectors, nearest training digits, 2-D maps.

The penultimate layer of LeNet-5 (fc1 after its tanh, 84 values; LeCun et al. 1998, layer F6)
is the representation the last layer reads linearly: two digits close there are "the same"
to the classifier. Looking up a test digit's nearest training digits in that space
(scikit-learn's ``NearestNeighbors``) shows what the network thinks it resembles; a 2-D map
(scikit-learn's t-SNE, or PCA as a fast fallback) shows how the classes are laid out.
"""
from __future__ import annotations

import time
from typing import NamedTuple

import numpy as np
import torch
from torch import nn
from torch.utils.data import TensorDataset

#: Submodule whose output is each model's fc1 feature vector when the model does not declare
#: ``feature_layers`` (LeNet5: ``tanh4``, the 84 values after fc1's tanh).
FC1_FALLBACK = "tanh4"


def feature_layer(model: nn.Module, layer: str = "fc1") -> str:
    """Name of the submodule whose output is ``layer`` for this model.

    Reads the model's ``feature_layers`` dict (the series' model contract); a model without
    one (the original :class:`~lenet_helpers.LeNet5`) maps ``"fc1"`` to ``tanh4``.

    Raises:
        ValueError: the model has no such layer (the message lists the ones it has).
    """
    layers = dict(getattr(model, "feature_layers", None) or {})
    if not layers:
        from .model import FEATURE_LAYERS

        layers = {**FEATURE_LAYERS, "fc1": FC1_FALLBACK}
    if layer not in layers:
        raise ValueError(f"{type(model).__name__} has no feature layer {layer!r}; it has {sorted(layers)}")
    return layers[layer]


@torch.no_grad()
def extract_features(model: nn.Module, images, layer: str = "fc1", batch_size: int = 1000,
                     device=None) -> torch.Tensor:
    """The output of one layer for many images, flattened: e.g. fc1's 84 values per digit.

    A forward hook on the layer's module (:func:`feature_layer`) records its output batch by batch.

    Args:
        images: normalised inputs ``(N, 1, H, W)`` or a ``TensorDataset`` whose first tensor they are.
        layer: a key of the model's ``feature_layers`` (``"fc1"``: the penultimate features).

    Returns:
        ``(N, D)`` float32 on the CPU (``D = 84`` for LeNet-5's fc1).

    Raises:
        ValueError: unknown layer.
    """
    if isinstance(images, TensorDataset):
        images = images.tensors[0]
    module = model.get_submodule(feature_layer(model, layer))
    device = torch.device(device) if device is not None else next(model.parameters()).device
    model.eval()
    out: list[torch.Tensor] = []
    handle = module.register_forward_hook(lambda _m, _i, o: out.append(o.detach().flatten(1).cpu()))
    try:
        for start in range(0, len(images), batch_size):
            model(images[start:start + batch_size].to(device))
    finally:
        handle.remove()
    return torch.cat(out) if out else torch.empty(0, 0)


def nearest_neighbours(queries, reference, k: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` nearest reference vectors of every query, by Euclidean distance.

    ``sklearn.neighbors.NearestNeighbors`` (exact search).

    Args:
        queries: ``(M, D)`` array or tensor (e.g. fc1 features of test mistakes).
        reference: ``(N, D)`` (e.g. fc1 features of the training digits), ``N >= k``.

    Returns:
        ``(distances (M, k), indices (M, k))`` into ``reference``, nearest first; distances in
        the features' own units.

    Raises:
        ValueError: dimensions differ or fewer than ``k`` reference vectors.
    """
    from sklearn.neighbors import NearestNeighbors

    q, r = _numpy(queries), _numpy(reference)
    if q.ndim != 2 or r.ndim != 2 or q.shape[1] != r.shape[1]:
        raise ValueError(f"queries (M, D) and reference (N, D) must share D, got {q.shape} and {r.shape}")
    if len(r) < k:
        raise ValueError(f"need at least k={k} reference vectors, got {len(r)}")
    distances, indices = NearestNeighbors(n_neighbors=k).fit(r).kneighbors(q)
    return distances, indices


def neighbour_agreement(features, labels, k: int = 10) -> float:
    """Share (%) of each point's ``k`` nearest other points that carry its label, averaged.

    100% means every class forms its own tight cluster; with 10 balanced classes scattered at
    random it is about 10%. Used to compare raw pixels with fc1 features in the same units.
    """
    x, y = _numpy(features), _numpy(labels).astype(int)
    _, idx = nearest_neighbours(x, x, k + 1)
    return float(100.0 * (y[idx[:, 1:]] == y[:, None]).mean())


def embedding_2d(features, method: str = "tsne", seed: int = 0, perplexity: float = 30.0) -> np.ndarray:
    """A 2-D map of high-dimensional vectors for plotting, by t-SNE or PCA.

    t-SNE (van der Maaten & Hinton 2008; ``sklearn.manifold.TSNE``, PCA initialisation,
    Barnes-Hut) keeps neighbours together and is the standard picture of a feature space;
    its distances between far clusters mean little. PCA (``sklearn.decomposition.PCA``) is
    the fast, linear fallback: the two directions of largest variance. Inputs are first cut
    to 50 dimensions by PCA when wider (the usual t-SNE preprocessing).

    Args:
        features: ``(N, D)`` array or tensor, e.g. 84-d fc1 features or 1024 raw pixels.
        method: ``"tsne"`` or ``"pca"``.
        seed: random state of t-SNE (the map changes with it; the clusters do not).

    Returns:
        ``(N, 2)`` float array.

    Raises:
        ValueError: unknown method, or too few points for the perplexity.
    """
    from sklearn.decomposition import PCA

    x = _numpy(features).astype(np.float32).reshape(len(features), -1)
    if method == "pca":
        return PCA(n_components=2, random_state=seed).fit_transform(x)
    if method != "tsne":
        raise ValueError(f"method must be 'tsne' or 'pca', got {method!r}")
    if len(x) <= 3 * perplexity:
        raise ValueError(f"t-SNE with perplexity {perplexity} needs more than {3 * perplexity:.0f} points, got {len(x)}")
    from sklearn.manifold import TSNE

    if x.shape[1] > 50:
        x = PCA(n_components=50, random_state=seed).fit_transform(x)
    return TSNE(n_components=2, perplexity=perplexity, init="pca", random_state=seed).fit_transform(x)


def timed_embedding(features, method: str = "tsne", seed: int = 0) -> tuple[np.ndarray, float]:
    """:func:`embedding_2d` and its wall time in seconds (the notebooks print it)."""
    start = time.perf_counter()
    out = embedding_2d(features, method, seed)
    return out, time.perf_counter() - start


def _numpy(x) -> np.ndarray:
    return x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)


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
