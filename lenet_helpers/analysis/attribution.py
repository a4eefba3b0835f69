"""Which pixels a prediction rests on: occlusion sensitivity and input-gradient saliency.

Both maps come from Captum (``captum.attr.Occlusion`` and ``captum.attr.Saliency``), PyTorch's
own attribution library: well tested, and the names students will meet again. This module
chooses what is measured (the softmax probability of one class for occlusion, its logit for
saliency), the grey patch and the shapes the notebooks plot.

Sources: occlusion sensitivity, Zeiler & Fergus (2014), "Visualizing and Understanding
Convolutional Networks", section 4.2 (a grey square slid over the image, the drop in the
correct class's probability recorded); saliency, Simonyan, Vedaldi & Zisserman (2014), "Deep
Inside Convolutional Networks", section 3 (the absolute gradient of the class score with
respect to the input pixels).
"""
from __future__ import annotations

import torch
from torch import nn

from lenet_helpers.analysis.evaluation import softmax_of
from lenet_helpers.data.preprocessing import MNIST_MEAN, MNIST_STD

#: Grey of the occluding patch as a pixel value in [0, 1] (Zeiler & Fergus' grey square);
#: MNIST's background is 0 (black) and its ink 1 (white).
GREY = 0.5


def _batch(images: torch.Tensor) -> torch.Tensor:
    if images.dim() == 3:
        images = images.unsqueeze(0)
    if images.dim() != 4:
        raise ValueError(f"attribution takes images (N, C, H, W) or one image (C, H, W), got shape {tuple(images.shape)}")
    return images


def _targets(model, images, target):
    if target is None:
        with torch.no_grad():
            return model(images).argmax(1)
    target = torch.as_tensor(target, dtype=torch.long).reshape(-1)
    if target.numel() == 1:
        target = target.expand(len(images))
    if target.numel() != len(images):
        raise ValueError(f"target must be one class or one per image ({len(images)}), got {target.numel()}")
    return target.to(images.device)


def _device(model):
    return next(model.parameters()).device


def saliency(model: nn.Module, images: torch.Tensor, target=None) -> torch.Tensor:
    """Input-gradient saliency: ``|d logit[target] / d pixel|`` for every input pixel.

    Simonyan et al. (2014), section 3, via ``captum.attr.Saliency(model).attribute(..., abs=True)``.
    Large values mark pixels where a small change of grey would move the class's score most.
    The gradient of the logit (the class score before softmax) is taken, as in the paper; for a
    model whose forward ends in a softmax (``returns_probabilities``), of the log-probability,
    the closest score left (the logit minus the log of the softmax's denominator).

    Args:
        model: a classifier returning logits ``(N, 10)``; put in eval mode, not changed.
        images: normalised model inputs ``(N, 1, H, W)``, or one image ``(1, H, W)``.
        target: the class whose score is explained: an int, one int per image, or ``None``
            for each image's predicted class.

    Returns:
        ``(N, H, W)`` float32 on the CPU, values >= 0 (units: logit per normalised grey level).

    Raises:
        ValueError: images not 3-D or 4-D, or a target count that does not match.
    """
    from captum.attr import Saliency

    model.eval()
    images = _batch(images).to(_device(model))
    target = _targets(model, images, target)
    inputs = images.clone().requires_grad_(True)
    if getattr(model, "returns_probabilities", False):  # the logit is gone: log p = logit - logsumexp
        def scores(x):
            return torch.log(model(x).clamp_min(1e-30))
    else:
        scores = model
    attr = Saliency(scores).attribute(inputs, target=target, abs=True)
    return attr.detach().sum(1).cpu()  # one channel: sum = squeeze


def occlusion(model: nn.Module, images: torch.Tensor, target=None, patch: int = 8, stride: int = 2,
              fill: float = GREY) -> torch.Tensor:
    """Occlusion sensitivity: how much the class's probability drops when a patch is covered.

    A ``patch`` x ``patch`` square of grey ``fill`` slides over the image by ``stride``
    pixels; for each position the softmax probability of ``target`` is recomputed, and every
    pixel gets the mean drop over the patches that covered it (Zeiler & Fergus 2014, section
    4.2; computed by ``captum.attr.Occlusion`` on the softmax of the model's logits).

    Args:
        model: a classifier returning logits ``(N, 10)``.
        images: normalised model inputs ``(N, 1, H, W)`` or one image ``(1, H, W)``.
        target: class explained (int, one per image, or ``None`` = predicted class).
        patch: side of the square, in input pixels (8 of 32 covers a quarter of a stroke's length).
        stride: step of the slide, in pixels (2: 13 x 13 positions on 32 x 32 with an 8 patch).
        fill: the patch's grey as a pixel value in [0, 1] (0.5 default; 0 = MNIST's black
            background, which erases ink instead of covering it).

    Returns:
        ``(N, H, W)`` float32 on the CPU: drop in probability, in [-1, 1] (positive: covering
        the pixel lowers the class's probability, so the pixel supports the class).

    Raises:
        ValueError: images not 3-D or 4-D, a bad target count, or ``patch``/``stride`` < 1.
    """
    from captum.attr import Occlusion

    if patch < 1 or stride < 1:
        raise ValueError(f"patch and stride must be at least 1 pixel, got patch={patch}, stride={stride}")
    model.eval()
    images = _batch(images).to(_device(model))
    target = _targets(model, images, target)
    channels = images.shape[1]
    baseline = (fill - MNIST_MEAN) / MNIST_STD  # the grey in the model's normalised units

    def probabilities(x):
        return softmax_of(model, model(x))

    with torch.no_grad():
        attr = Occlusion(probabilities).attribute(
            images, sliding_window_shapes=(channels, patch, patch), strides=(channels, stride, stride),
            target=target, baselines=baseline, perturbations_per_eval=64)
    return attr.sum(1).cpu()
