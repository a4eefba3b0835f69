"""Baselines that do not train."""
from __future__ import annotations

import torch


@torch.no_grad()
def nearest_class_mean(train_images: torch.Tensor, train_labels: torch.Tensor, images: torch.Tensor,
                       num_classes: int = 10) -> torch.Tensor:
    """Label each image with the class whose mean training image is closest (Euclidean distance).

    The "ideal digit" baseline of fastbook chapter 4 (there for 3s vs 7s), for all ten digits:
    average the training images of each digit, then give each image the label of the nearest
    average. No weights are learned beyond the ten means.

    Args:
        train_images: ``(N, ...)`` float images (any preprocessing, flattened inside).
        train_labels: ``(N,)`` digits 0-9.
        images: ``(M, ...)`` images of the same shape as ``train_images``.

    Returns:
        Predicted digits ``(M,)`` int64 on the CPU.

    Raises:
        ValueError: mismatched shapes, or a class with no training image.
    """
    if train_images.shape[1:] != images.shape[1:] or len(train_images) != len(train_labels):
        raise ValueError(f"nearest_class_mean: training images {tuple(train_images.shape)} with "
                         f"{len(train_labels)} labels cannot score images {tuple(images.shape)}")
    x = train_images.reshape(len(train_images), -1).float().cpu()
    labels = train_labels.cpu()
    counts = torch.bincount(labels, minlength=num_classes)
    if (counts == 0).any():
        raise ValueError(f"nearest_class_mean: no training image of digit(s) {torch.nonzero(counts == 0).flatten().tolist()}")
    means = torch.zeros(num_classes, x.shape[1]).index_add_(0, labels, x) / counts[:, None]
    return torch.cdist(images.reshape(len(images), -1).float().cpu(), means).argmin(1)
