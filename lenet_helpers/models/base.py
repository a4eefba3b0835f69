"""The model contract and the registry of architectures.

Every network of the series is an ``nn.Module`` subclass of :class:`MNISTNet` registered under a
name with :func:`register_model`. The class declares what the rest of the package needs, so
nothing about a network is repeated elsewhere:

* ``input_shape``: ``(1, 32, 32)`` or ``(1, 28, 28)``;
* ``preprocessing``: ``"resize32"``, ``"pad32"`` or ``"raw28"`` (see :mod:`lenet_helpers.data.preprocessing`);
* ``feature_layers``: which submodules' outputs :func:`lenet_helpers.feature_maps` captures
  (``"conv1"``, ``"conv2"``, ... for the convolutional maps after their activation, ``"fc1"``
  for the penultimate feature vector, ``"fc"`` for the logits);
* ``source``: where the design comes from, and ``reported``: the accuracy that source reports;
* ``config``: the constructor's arguments, recorded when the model is built, so a checkpoint
  can rebuild it (:func:`lenet_helpers.training.checkpoint.save_checkpoint`).

This is the habit of torchvision's ``get_model(name, **config)`` / ``list_models()`` and of d2l's
``Classifier`` base class. To add a network: write the class in a module of this package, decorate
it with ``@register_model("my_net")`` and import the module in ``models/__init__.py``.
"""
from __future__ import annotations

import functools
import inspect
from typing import Any

import torch
from torch import nn

from lenet_helpers.data.preprocessing import PREPROCESSINGS

_REGISTRY: dict[str, type["MNISTNet"]] = {}


class MNISTNet(nn.Module):
    """Base class of the series' networks: 10-way digit classifiers with a declared input.

    Subclasses set the class attributes below and call :meth:`check_input` at the start of
    ``forward``. Their ``forward`` returns logits ``(N, 10)``, except where
    ``returns_probabilities`` is true (the reference project that ends in a softmax).
    """

    name: str = ""
    input_shape: tuple[int, int, int] = (1, 32, 32)
    preprocessing: str = "resize32"
    feature_layers: dict[str, str] = {}
    source: str = ""
    reported: str = ""
    returns_probabilities: bool = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "__init__" in cls.__dict__:
            original = cls.__dict__["__init__"]
            signature = inspect.signature(original)

            @functools.wraps(original)
            def __init__(self, *args, **kw):
                bound = signature.bind(self, *args, **kw)
                bound.apply_defaults()
                original(self, *args, **kw)
                # The outermost constructor runs last, so its arguments are the ones kept.
                self.config = {k: v for k, v in list(bound.arguments.items())[1:]}

            cls.__init__ = __init__

    def check_input(self, x: torch.Tensor) -> None:
        """Raise ``ValueError`` unless ``x`` is a batch ``(N, *input_shape)``, with a message saying what to do."""
        if x.dim() != 4 or tuple(x.shape[1:]) != tuple(self.input_shape):
            c, h, w = self.input_shape
            raise ValueError(
                f"{type(self).__name__} ({self.name}) expects images of shape (N, {c}, {h}, {w}), got {tuple(x.shape)}: "
                f"prepare the digits with lenet_helpers.data.preprocessing.input_transform({self.preprocessing!r}) or "
                f"lh.mnist_tensors(preprocessing={self.preprocessing!r})"
            )


def register_model(name: str):
    """Class decorator: register an :class:`MNISTNet` subclass under ``name`` (sets ``cls.name``).

    Raises:
        ValueError: the name is taken, or the class declares an unknown preprocessing or an
            input shape that does not match it.
    """
    def decorate(cls):
        old = _REGISTRY.get(name)
        rerun = old is not None and (old.__module__, old.__qualname__) == (cls.__module__, cls.__qualname__)
        if old is not None and old is not cls and not rerun:  # a re-run notebook cell may register its class again
            raise ValueError(f"a model named {name!r} is already registered ({_REGISTRY[name].__name__})")
        if cls.preprocessing not in PREPROCESSINGS or PREPROCESSINGS[cls.preprocessing] != tuple(cls.input_shape):
            raise ValueError(f"{cls.__name__}: preprocessing {cls.preprocessing!r} does not give input {cls.input_shape}")
        cls.name = name
        _REGISTRY[name] = cls
        return cls
    return decorate


def available_models() -> list[str]:
    """Names of the registered architectures, in registration order (``"lenet5"`` first)."""
    return list(_REGISTRY)


def model_class(name: str) -> type[MNISTNet]:
    """The class registered under ``name``.

    Raises:
        ValueError: an unknown name; the message lists the known ones.
    """
    try:
        return _REGISTRY[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown model {name!r}: choose one of {', '.join(available_models())}") from None


def build_model(name: str = "lenet5", **kwargs: Any) -> MNISTNet:
    """A new, randomly initialised network of the registered architecture ``name``.

    ``kwargs`` go to the class's constructor (e.g. ``build_model("mlp", hidden=256)``,
    ``build_model("dropout_cnn", softmax_output=True)``). Call :func:`lenet_helpers.set_seed`
    first for reproducible initial weights.

    Raises:
        ValueError: an unknown name (the message lists the known ones).
        TypeError: an argument the constructor does not take.
    """
    return model_class(name)(**kwargs)
