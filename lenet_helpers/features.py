"""What each layer sees: activations captured with forward hooks, and the first layer's kernels."""
from __future__ import annotations

import torch
from torch import nn

from .model import FEATURE_LAYERS

#: Shape of each captured activation for one 32x32 image (batch dimension dropped).
FEATURE_SHAPES = {"conv1": (6, 28, 28), "conv2": (16, 10, 10), "conv3": (120, 1, 1), "fc": (10,)}


@torch.no_grad()
def feature_maps(model: nn.Module, image: torch.Tensor, device=None) -> dict[str, torch.Tensor]:
    """Activations of one image at conv1, conv2, conv3 and the last fully connected layer.

    Forward hooks (``register_forward_hook``) on the layers named in
    :data:`~lenet_helpers.model.FEATURE_LAYERS` record their outputs during one forward pass
    and are removed afterwards. The convolutional maps are taken after their tanh (what the
    next layer receives, values in [-1, 1]); ``fc`` is the 10 logits of ``fc2``
    (seed 004's "output of the final fully-connected layer").

    Args:
        image: one normalised image ``(1, 32, 32)`` or ``(1, 1, 32, 32)``.

    Returns:
        ``{"conv1": (6, 28, 28), "conv2": (16, 10, 10), "conv3": (120, 1, 1), "fc": (10,)}``
        tensors on the CPU.

    Raises:
        ValueError: more than one image, or the wrong shape.
    """
    if image.dim() == 3:
        image = image.unsqueeze(0)
    if image.dim() != 4 or image.shape[0] != 1:
        raise ValueError(f"feature_maps takes one image (1, 32, 32), got a tensor of shape {tuple(image.shape)}")
    model.eval()
    device = torch.device(device) if device is not None else next(model.parameters()).device
    captured: dict[str, torch.Tensor] = {}
    handles = []
    for key, module_name in FEATURE_LAYERS.items():
        module = model.get_submodule(module_name)
        handles.append(module.register_forward_hook(
            lambda _m, _inp, out, key=key: captured.__setitem__(key, out.detach()[0].cpu())))
    try:
        model(image.to(device))
    finally:
        for h in handles:
            h.remove()
    return captured


def conv1_kernels(model: nn.Module) -> torch.Tensor:
    """The six learned 5x5 kernels of conv1, ``(6, 5, 5)`` on the CPU (seed 002's kernel plot)."""
    return model.get_submodule("conv1").weight.detach().cpu()[:, 0]
