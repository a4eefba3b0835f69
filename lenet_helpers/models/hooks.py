"""What each layer sees: activations captured with forward hooks, and the first layer's kernels.

One helper, :func:`layer_outputs`, registers forward hooks (``register_forward_hook``) on the
layers a model declares in ``model.feature_layers`` (the series' model contract), runs the
images through in batches and removes the hooks; :func:`feature_maps` (one image, every
layer: notebooks 08 and 11) and :func:`extract_features` (many images, one layer: notebooks
08 and 12) are built on it.
"""
from __future__ import annotations

import torch
from torch import nn
from torch.utils.data import TensorDataset


def feature_layer(model: nn.Module, layer: str = "fc1") -> str:
    """Name of the submodule whose output is ``layer`` (a key of ``model.feature_layers``).

    Raises:
        ValueError: the model declares no such layer (the message lists the ones it has).
    """
    layers = dict(getattr(model, "feature_layers", None) or {})
    if not layers:
        raise ValueError(f"{type(model).__name__} declares no feature_layers: build it with lh.build_model(name)")
    if layer not in layers:
        raise ValueError(f"{type(model).__name__} has no feature layer {layer!r}; it has {sorted(layers)}")
    return layers[layer]


@torch.no_grad()
def layer_outputs(model: nn.Module, images: torch.Tensor, layers, batch_size: int = 1000,
                  device=None) -> dict[str, torch.Tensor]:
    """The outputs of several layers for many images, recorded with forward hooks.

    A forward hook (``register_forward_hook``) on each layer's module records its output
    batch by batch during forward passes in eval mode, without gradients; the hooks are
    removed afterwards, even when the model raises.

    Args:
        images: normalised inputs ``(N, *model.input_shape)``.
        layers: keys of ``model.feature_layers`` (e.g. ``["conv1", "fc1"]``).
        device: default the model's device.

    Returns:
        ``{layer: (N, ...)}`` on the CPU, each the layer's output shape with the batch axis first.

    Raises:
        ValueError: a layer the model does not declare (see :func:`feature_layer`).
    """
    modules = {key: model.get_submodule(feature_layer(model, key)) for key in layers}
    device = torch.device(device) if device is not None else next(model.parameters()).device
    model.eval()
    captured: dict[str, list[torch.Tensor]] = {key: [] for key in modules}
    handles = [module.register_forward_hook(lambda _m, _i, out, key=key: captured[key].append(out.detach().cpu()))
               for key, module in modules.items()]
    try:
        for start in range(0, len(images), batch_size):
            model(images[start:start + batch_size].to(device))
    finally:
        for handle in handles:
            handle.remove()
    return {key: torch.cat(out) if out else torch.empty(0, 0) for key, out in captured.items()}


def feature_maps(model: nn.Module, image: torch.Tensor, device=None) -> dict[str, torch.Tensor]:
    """Activations of one image at every layer the model declares in ``model.feature_layers``.

    Convolutional maps (``conv1``, ``conv2``, ...) are taken after their activation (what the
    next layer receives; in [-1, 1] for tanh); ``fc1`` is the penultimate feature vector where
    the model has one (84 numbers for LeNet-5); ``fc`` is the 10 logits of the last layer (the
    reference tutorial's "output of the final fully-connected layer"). Recorded by
    :func:`layer_outputs`.

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
    layers = getattr(model, "feature_layers", None)
    if not layers:
        raise ValueError(f"{type(model).__name__} declares no feature_layers: build it with lh.build_model(name)")
    if image.dim() == 3:
        image = image.unsqueeze(0)
    expected = tuple(getattr(model, "input_shape", image.shape[1:]))
    if image.dim() != 4 or image.shape[0] != 1 or tuple(image.shape[1:]) != expected:
        raise ValueError(f"feature_maps takes one image {expected}, got a tensor of shape {tuple(image.shape)}")
    return {key: out[0] for key, out in layer_outputs(model, image, list(layers), device=device).items()}


def feature_shapes(model: nn.Module) -> dict[str, tuple[int, ...]]:
    """Shape of each activation :func:`feature_maps` captures for one image (batch dimension dropped).

    Read from the model by running one blank image through it: for ``lenet5``
    ``{"conv1": (6, 28, 28), "conv2": (16, 10, 10), "conv3": (120, 1, 1), "fc1": (84,), "fc": (10,)}``.
    """
    device = next(model.parameters()).device
    maps = feature_maps(model, torch.zeros(1, *model.input_shape, device=device))
    return {key: tuple(value.shape) for key, value in maps.items()}


def extract_features(model: nn.Module, images, layer: str = "fc1", batch_size: int = 1000,
                     device=None) -> torch.Tensor:
    """The output of one layer for many images, flattened: e.g. fc1's 84 values per digit.

    Recorded by :func:`layer_outputs`. Notebook 12 reads fc1 (the penultimate features, LeCun
    et al. 1998's F6); notebook 08 conv3's 120 values (its "code" of a digit).

    Args:
        images: normalised inputs ``(N, *model.input_shape)`` or a ``TensorDataset`` whose first tensor they are.
        layer: a key of the model's ``feature_layers`` (``"fc1"``: the penultimate features).

    Returns:
        ``(N, D)`` float32 on the CPU (``D = 84`` for LeNet-5's fc1, 120 for conv3).

    Raises:
        ValueError: a layer the model does not declare.
    """
    if isinstance(images, TensorDataset):
        images = images.tensors[0]
    return layer_outputs(model, images, [layer], batch_size, device)[layer].flatten(1)


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
