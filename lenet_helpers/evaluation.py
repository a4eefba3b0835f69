"""Reading a trained model's predictions: probabilities, the confusion matrix, per-class figures.

The counting is scikit-learn's (``confusion_matrix``, ``classification_report``); this module
runs the model and labels the results for the notebooks (rasbt's ``compute_confusion_matrix``).
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
        outputs = model(images[start:start + batch_size].to(device))
        # A model whose forward already ends in a softmax declares it (returns_probabilities).
        probs.append((outputs if getattr(model, "returns_probabilities", False) else torch.softmax(outputs, dim=1)).cpu())
    probabilities = torch.cat(probs) if probs else torch.empty(0, 10)
    return probabilities.argmax(1), probabilities


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
        raise ValueError(f"images are uint8 pixel values 0-255: normalise them first "
                         f"(lh.load_image, or lh.lenet_transform for 28x28 PIL digits)")
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


def format_confidence(probability: float) -> str:
    """A softmax probability (0-1) as a percentage with one decimal, e.g. ``"87.8%"``.

    A softmax output is never exactly 1, so values that would round to "100.0%" are shown as
    ``">99.9%"`` rather than claiming certainty.

    Raises:
        ValueError: ``probability`` outside [0, 1] (pass probabilities, not logits or %).
    """
    probability = float(probability)
    if not 0.0 <= probability <= 1.0:
        raise ValueError(f"probability must lie in [0, 1], got {probability}: pass softmax outputs, not logits or %")
    percent = 100.0 * probability
    return ">99.9%" if percent >= 99.95 else f"{percent:.1f}%"


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
    """``sklearn.metrics.classification_report`` for digits 0-9 (precision, recall, F1 in [0, 1]), 4 decimals."""
    from sklearn.metrics import classification_report as sk_report

    return sk_report(np.asarray(labels), np.asarray(predicted), labels=CLASSES, digits=4)


def learning_curve_report(history: pd.DataFrame) -> list[str]:
    """A few sentences reading a training history, with the numbers taken from it.

    Covers the best validation epoch, why valid accuracy can beat train accuracy in the first
    epoch (train figures are running averages while the weights change), the final
    train/valid gap (accuracy in percentage points, loss in nats), the ratio of the losses
    when it is large, and whether validation loss rose after its minimum (the usual sign of
    overfitting).
    """
    last = history.iloc[-1]
    first = history.iloc[0]
    best = history.loc[history["valid_acc"].idxmax()]
    min_loss = history.loc[history["valid_loss"].idxmin()]
    acc_gap = last["train_acc"] - last["valid_acc"]
    loss_gap = last["valid_loss"] - last["train_loss"]
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
        lines.append(
            f"Train loss ends {last['valid_loss'] / last['train_loss']:.0f} times below valid loss: the network fits "
            f"the digits it trained on far better than new ones (a generalisation gap), as expected when "
            f"61,706 weights see the same 55,000 digits {int(last['epoch'])} times.")
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
