"""The series' networks, one registry: ``build_model(name)``, ``available_models()``.

Layout: :mod:`.base` (the contract every network follows and the registry), :mod:`.lenet`
(LeNet-5 as the reference tutorial builds it, a modern variant, one closer to 1998),
:mod:`.cnn` (the other reference projects' CNNs), :mod:`.mlp` (no convolutions),
:mod:`.baselines` (nothing to train), :mod:`.summary` (counting and describing a network),
:mod:`.hooks` (what each layer sees: forward hooks, feature maps, extracted features).
A new network goes in a module here, decorated with ``@register_model("name")``.
"""
from .base import MNISTNet, available_models, build_model, model_class, register_model
# Registration order is the order of available_models(): the LeNet-5 family first.
from .lenet import C3_TABLE, LeNet5, LeNet5_1998, LeNet5Modern, ScaledTanh, SparseConv2d, Subsampling, lecun_init_  # isort: skip
from .cnn import DropoutCNN, LeNetGAP, MediumCNN, SmallCNN  # isort: skip
from .baselines import nearest_class_mean
from .mlp import MLP
from .summary import count_parameters, layer_arithmetic, layer_table, model_source, model_summary, models_table, multiply_adds

__all__ = [
    "available_models", "build_model", "C3_TABLE", "count_parameters", "DropoutCNN", "layer_arithmetic", "layer_table", "lecun_init_",
    "LeNet5", "LeNet5_1998", "LeNet5Modern", "LeNetGAP", "MediumCNN", "MLP", "MNISTNet", "model_class",
    "model_source", "model_summary", "models_table", "multiply_adds", "nearest_class_mean", "register_model", "ScaledTanh",
    "SmallCNN", "SparseConv2d", "Subsampling",
]
