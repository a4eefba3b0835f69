"""What each layer sees: activations captured with forward hooks, and the first layer's kernels."""
from __future__ import annotations

import torch
from torch import nn


def _feature_layers(model: nn.Module) -> dict[str, str]:
    layers = getattr(model, "feature_layers", None)
    if not layers:
        raise ValueError(f"{type(model).__name__} declares no feature_layers: build it with lh.build_model(name)")
    return layers


@torch.no_grad()
def feature_maps(model: nn.Module, image: torch.Tensor, device=None) -> dict[str, torch.Tensor]:
    """Activations of one image at the layers the model declares in ``model.feature_layers``.

    Forward hooks (``register_forward_hook``) on those submodules record their outputs during
    one forward pass and are removed afterwards. Convolutional maps (``conv1``, ``conv2``, ...)
    are taken after their activation (what the next layer receives; in [-1, 1] for tanh);
    ``fc1`` is the penultimate feature vector where the model has one (84 numbers for LeNet-5);
    ``fc`` is the 10 logits of the last layer (the reference tutorial's "output of the final
    fully-connected layer").

    Args:
        image: one normalised image ``model.input_shape`` (e.g. ``(1, 32, 32)``), with or
            without a batch dimension of 1.

    Returns:
        ``{key: tensor}`` on the CPU, batch dimension dropped; for ``lenet5``:
        ``{"conv1": (6, 28, 28), "conv2": (16, 10, 10), "conv3": (120, 1, 1), "fc1": (84,), "fc": (10,)}``
        (see :func:`feature_shapes`).

    Raises:
        ValueError: more than one image, the wrong shape, or a model without ``feature_layers``.
    """
    layers = _feature_layers(model)
    if image.dim() == 3:
        image = image.unsqueeze(0)
    expected = tuple(getattr(model, "input_shape", image.shape[1:]))
    if image.dim() != 4 or image.shape[0] != 1 or tuple(image.shape[1:]) != expected:
        raise ValueError(f"feature_maps takes one image {expected}, got a tensor of shape {tuple(image.shape)}")
    model.eval()
    device = torch.device(device) if device is not None else next(model.parameters()).device
    captured: dict[str, torch.Tensor] = {}
    handles = []
    for key, module_name in layers.items():
        module = model.get_submodule(module_name)
        handles.append(module.register_forward_hook(
            lambda _m, _inp, out, key=key: captured.__setitem__(key, out.detach()[0].cpu())))
    try:
        model(image.to(device))
    finally:
        for h in handles:
            h.remove()
    return {key: captured[key] for key in layers}


def feature_shapes(model: nn.Module) -> dict[str, tuple[int, ...]]:
    """Shape of each activation :func:`feature_maps` captures for one image (batch dimension dropped).

    Read from the model by running one blank image through it: for ``lenet5``
    ``{"conv1": (6, 28, 28), "conv2": (16, 10, 10), "conv3": (120, 1, 1), "fc1": (84,), "fc": (10,)}``.
    """
    device = next(model.parameters()).device
    maps = feature_maps(model, torch.zeros(1, *model.input_shape, device=device))
    return {key: tuple(value.shape) for key, value in maps.items()}


def conv1_kernels(model: nn.Module) -> torch.Tensor:
    """The learned kernels of the first convolution ``conv1``: ``(out_channels, k, k)`` on the CPU.

    Six 5x5 kernels for LeNet-5, ten 3x3 for ``small_cnn`` (one reference project plots these).

    Raises:
        ValueError: the model has no ``conv1`` (e.g. ``mlp``).
    """
    try:
        conv = model.get_submodule("conv1")
    except AttributeError:
        raise ValueError(f"{type(model).__name__} has no conv1 layer: it has no kernels to show") from None
    return conv.weight.detach().cpu()[:, 0]
