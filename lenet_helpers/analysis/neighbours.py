"""The network's feature space: nearest training digits, neighbour agreement, 2-D maps.

The penultimate layer of LeNet-5 (fc1 after its tanh, 84 values; LeCun et al. 1998, layer F6)
is the representation the last layer reads linearly: two digits close there are "the same"
to the classifier. Looking up a test digit's nearest training digits in that space
(scikit-learn's ``NearestNeighbors``) shows what the network thinks it resembles; a 2-D map
(scikit-learn's t-SNE, or PCA as a fast fallback) shows how the classes are laid out. The
feature vectors come from :func:`lenet_helpers.extract_features` (:mod:`lenet_helpers.models.hooks`);
the verdict on each misread digit is a reading (:func:`lenet_helpers.readings.mistake_reading`).
"""
from __future__ import annotations

import time

import numpy as np
import torch


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


def distance_rank(distances, sample) -> np.ndarray:
    """For each distance, the percentage of ``sample`` distances strictly smaller (0-100).

    With ``distances`` the distance of misread digits to their nearest training digit in raw
    pixels and ``sample`` the same distance for test digits in general, 96 means "farther from
    every training digit than 96% of test digits are": a judgement of how unusual the digit
    is that does not depend on the model.

    Args:
        distances: ``(M,)`` array-like.
        sample: ``(S,)`` array-like, ``S >= 1``, the reference distances.

    Returns:
        ``(M,)`` float array of percentages.

    Raises:
        ValueError: ``sample`` is empty.
    """
    ref = np.sort(_numpy(sample).astype(float).ravel())
    if len(ref) == 0:
        raise ValueError("the sample of reference distances is empty")
    d = _numpy(distances).astype(float).ravel()
    return 100.0 * np.searchsorted(ref, d, side="left") / len(ref)


def neighbour_agreement(features, labels, k: int = 10) -> float:
    """Share (%) of each point's ``k`` nearest other points that carry its label, averaged.

    100% means every class forms its own tight cluster; with 10 balanced classes scattered at
    random it is about 10%. Used to compare raw pixels with fc1 features in the same units
    (the accuracy of a k-nearest-neighbour vote counted per neighbour).

    Args:
        features: ``(N, D)``, N > k; labels: ``(N,)``.
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
    to 50 dimensions by PCA when wider (the preprocessing scikit-learn's ``TSNE`` documentation
    recommends; van der Maaten & Hinton 2008 cut MNIST to 30 the same way). ``perplexity``
    30 is scikit-learn's default, inside the 5-50 range the t-SNE paper calls typical.

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
    """:func:`embedding_2d` and its wall time in seconds (the notebooks print it).

    Returns ``((N, 2) float array, seconds)`` for ``features`` of shape ``(N, D)``.
    """
    start = time.perf_counter()
    out = embedding_2d(features, method, seed)
    return out, time.perf_counter() - start


def _numpy(x) -> np.ndarray:
    return x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)
