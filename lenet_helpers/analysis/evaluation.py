"""Scoring a trained network: predictions, the confusion matrix, per-class accuracy, mistakes.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import torch
from torch import nn
from torch.utils.data import TensorDataset

CLASSES = list(range(10))


@torch.no_grad()
def predict(model: nn.Module, images, device=None, batch_size: int = 1000) -> tuple[torch.Tensor, torch.Tensor]:
    """Predicted digits and softmax probabilities for a batch of images.

    Args:
        images: normalised images ``(N, *model.input_shape)``, e.g. ``(N, 1, 32, 32)`` (a single
            image without the batch dimension is accepted too), or a ``TensorDataset`` whose first
            tensor is such images.
        device: where to run; default the model's device.

    Returns:
        ``(predicted_digits (N,) int64, probabilities (N, 10) float32)``, both on the CPU;
        each row of probabilities sums to 1.

    Raises:
        ValueError: not a float tensor (a NumPy array, a list, uint8 pixels, float64), or
            images of another shape; the message gives the expected shape and the fix.
    """
    if isinstance(images, TensorDataset):
        images = images.tensors[0]
    images = _check_images(images, tuple(getattr(model, "input_shape", (1, 32, 32))))
    model.eval()
    device = torch.device(device) if device is not None else next(model.parameters()).device
    probs = []
    for start in range(0, len(images), batch_size):
        probs.append(softmax_of(model, model(images[start:start + batch_size].to(device))).cpu())
    probabilities = torch.cat(probs) if probs else torch.empty(0, 10)
    return probabilities.argmax(1), probabilities


def softmax_of(model: nn.Module, outputs: torch.Tensor) -> torch.Tensor:
    """The class probabilities ``(N, 10)`` of ``model``'s ``outputs``: their softmax, unless the
    model's forward already ends in a softmax and declares it (``returns_probabilities``: the
    reference project's network), whose outputs are returned as they are."""
    return outputs if getattr(model, "returns_probabilities", False) else torch.softmax(outputs, dim=1)


def _check_images(images, shape: tuple) -> torch.Tensor:
    """``images`` as a float32 batch ``(N, *shape)``, or a ValueError that says how to get one."""
    expected = f"(N, {', '.join(map(str, shape))})"
    if not isinstance(images, torch.Tensor):
        got = f"a {type(images).__module__.split('.')[0]}.{type(images).__name__}" if hasattr(images, "shape") \
            else f"a {type(images).__name__}"
        shape_note = f" of shape {tuple(images.shape)}" if hasattr(images, "shape") else ""
        raise ValueError(f"images must be a torch tensor {expected} of normalised pixels, got {got}{shape_note}: "
                         f"use lh.load_image for image files, or torch.as_tensor(...).float() then normalise")
    if images.dtype == torch.uint8:
        raise ValueError("images are uint8 pixel values 0-255: normalise them first "
                         "(lh.load_image, or lh.lenet_transform for 28x28 PIL digits)")
    if images.dtype != torch.float32:
        if not images.is_floating_point():
            raise ValueError(f"images must be float32, got {images.dtype}: normalised pixels, as lh.load_image gives")
        raise ValueError(f"images must be float32, got {images.dtype}: convert with images.float()")
    given = tuple(images.shape)
    if images.dim() == len(shape):  # one image
        images = images.unsqueeze(0)
    if tuple(images.shape[1:]) != shape:
        hint = ""
        if len(given) == len(shape) and given[1:] == shape[1:]:  # (N, 32, 32): no channel axis
            hint = "; add the channel axis with images.unsqueeze(1)"
        raise ValueError(f"images must have shape {expected} or {shape}, got {given}{hint}")
    return images


def confusion_matrix(labels, predicted) -> pd.DataFrame:
    """``sklearn.metrics.confusion_matrix`` as a labelled DataFrame.

    Rows are the **actual** digits (index name ``actual``), columns the **predicted** ones
    (``predicted``): cell (3, 5) counts threes the model called 5. (The reference tutorial's text
    says its rows are the predicted class; its figure alone cannot show which.) Ours follows scikit-learn.

    Args:
        labels, predicted: 1-D arrays or tensors of digits 0-9, of equal length N.

    Returns:
        A 10x10 DataFrame of counts summing to N.
    """
    from sklearn.metrics import confusion_matrix as sk_confusion_matrix

    cm = sk_confusion_matrix(np.asarray(labels), np.asarray(predicted), labels=CLASSES)
    return pd.DataFrame(cm, index=pd.Index(CLASSES, name="actual"), columns=pd.Index(CLASSES, name="predicted"))


def per_class_accuracy(cm: pd.DataFrame) -> pd.DataFrame:
    """Per digit: test images, correct ones, errors and accuracy (%), from a :func:`confusion_matrix`.

    Accuracy is each class's recall: the share of the actual digit's images recognised.
    One row per digit 0-9; columns ``images``, ``correct``, ``errors`` (= images - correct),
    ``accuracy``.
    """
    support = cm.sum(axis=1)
    correct = pd.Series(np.diag(cm.values), index=cm.index)
    return pd.DataFrame({"images": support, "correct": correct, "errors": support - correct,
                         "accuracy": 100.0 * correct / support})


def most_confused(cm: pd.DataFrame, top: int = 10) -> pd.DataFrame:
    """The ``top`` largest off-diagonal cells: columns ``actual``, ``predicted``, ``count``.

    Sorted by count (largest first), then by actual and predicted digit.
    """
    values = cm.to_numpy(copy=True)
    np.fill_diagonal(values, 0)
    off = pd.DataFrame(values, index=cm.index, columns=cm.columns)
    pairs = off.stack().rename("count").reset_index()
    pairs = pairs[pairs["count"] > 0].sort_values(["count", "actual", "predicted"], ascending=[False, True, True])
    return pairs.head(top).reset_index(drop=True)


def classification_report(labels, predicted) -> str:
    """``sklearn.metrics.classification_report`` for digits 0-9 (precision, recall, F1 in [0, 1]), 4 decimals.

    ``labels``, ``predicted``: ``(N,)`` digits (tensors or arrays); returns the report as text.
    """
    from sklearn.metrics import classification_report as sk_report

    return sk_report(np.asarray(labels), np.asarray(predicted), labels=CLASSES, digits=4)


# ---------------------------------------------------------------- 06: predictions and mistakes
def mixed_sample(correct: torch.Tensor, n: int, n_wrong: int | None = None, seed: int = 0) -> torch.Tensor:
    """Indices of ``n`` test digits with some mistakes among them (so a gallery shows red too).

    ``n_wrong`` mistakes (default a quarter of ``n``, at most all there are) and the rest right,
    drawn at random with ``seed`` and shuffled together.

    Args:
        correct: ``(N,)`` bool, whether each test digit was read right.

    Returns:
        ``(n,)`` int64 indices into ``correct`` (fewer when there are fewer than ``n`` digits).
    """
    correct = torch.as_tensor(correct).bool()
    g = torch.Generator().manual_seed(seed)
    wrong_idx = torch.nonzero(~correct).flatten()
    right_idx = torch.nonzero(correct).flatten()
    k = min(len(wrong_idx), n // 4 if n_wrong is None else n_wrong, n)
    pick = torch.cat([wrong_idx[torch.randperm(len(wrong_idx), generator=g)[:k]],
                      right_idx[torch.randperm(len(right_idx), generator=g)[:n - k]]])
    return pick[torch.randperm(len(pick), generator=g)]


def mistakes_table(labels, probabilities: torch.Tensor) -> pd.DataFrame:
    """Every misclassified digit with what the network thought, most confident mistake first.

    Args:
        labels: ``(N,)`` true digits; probabilities: ``(N, 10)`` softmax outputs.

    Returns:
        Columns ``index`` (position in the test set), ``true``, ``predicted``, ``confidence``
        (%, the predicted digit's probability), ``runner-up`` (second most probable digit),
        ``runner-up %``, ``true %`` (probability given to the true digit), ``true rank``
        (1 = first choice, 2 = the runner-up, ...).
    """
    labels = torch.as_tensor(labels).cpu()
    probabilities = torch.as_tensor(probabilities).cpu()
    order = probabilities.argsort(1, descending=True)
    predicted = order[:, 0]
    wrong = torch.nonzero(predicted != labels).flatten()
    if len(wrong) == 0:
        return pd.DataFrame(columns=["index", "true", "predicted", "confidence", "runner-up", "runner-up %",
                                     "true %", "true rank"])
    p = probabilities[wrong]
    rank = (order[wrong] == labels[wrong, None]).int().argmax(1) + 1
    df = pd.DataFrame({
        "index": wrong.numpy(), "true": labels[wrong].numpy(), "predicted": predicted[wrong].numpy(),
        "confidence": 100 * p.gather(1, predicted[wrong, None]).flatten().numpy(),
        "runner-up": order[wrong, 1].numpy(),
        "runner-up %": 100 * p.gather(1, order[wrong, 1:2]).flatten().numpy(),
        "true %": 100 * p.gather(1, labels[wrong, None]).flatten().numpy(),
        "true rank": rank.numpy(),
    })
    return df.sort_values("confidence", ascending=False).reset_index(drop=True)


# ---------------------------------------------------------------- 12: attribution, side by side
def correct_partners(indices, labels, predicted) -> np.ndarray:
    """For each digit in ``indices``, a different correctly read digit of the same true class.

    Notebook 12 shows each misread test digit beside one its class the network read right, so
    that saliency and occlusion maps are compared on the same digit written two ways. The k-th
    digit of ``indices`` gets the k-th correctly read digit of its class (in test-set order, k
    counted from 0 over all of ``indices``), so no two share a partner.

    Args:
        indices: ``(K,)`` positions in the test set (e.g. the misread ones).
        labels, predicted: ``(N,)`` true and predicted digits of the whole test set.

    Returns:
        ``(K,)`` int64 positions in the test set, each read right (``predicted == labels``).

    Raises:
        ValueError: a class has fewer than K correctly read digits (a tiny subset).
    """
    labels, predicted = np.asarray(labels), np.asarray(predicted)
    right = predicted == labels
    partners = []
    for k, i in enumerate(np.asarray(indices).astype(int)):
        candidates = np.flatnonzero(right & (labels == labels[i]))
        if k >= len(candidates):
            raise ValueError(f"only {len(candidates)} digits of class {labels[i]} are read right, {k + 1} are "
                             "needed: use more test digits (a larger SUBSET)")
        partners.append(int(candidates[k]))
    return np.array(partners, dtype=np.int64)
