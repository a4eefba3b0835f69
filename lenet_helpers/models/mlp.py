"""A network without convolutions: the baseline every CNN must beat."""
from __future__ import annotations

import torch
from torch import nn

from .base import MNISTNet, register_model


@register_model("mlp")
class MLP(MNISTNet):
    """A multilayer perceptron: the 784 pixels -> ``hidden`` ReLU units -> 10 logits (79,510 parameters).

    The baseline of pytorch/examples and of fastbook chapter 4: every pixel is an independent
    input, so the network knows nothing of which pixels are neighbours; a shifted digit is a
    new pattern to it.

    Input: ``(N, 1, 28, 28)`` (``"raw28"``), flattened inside. Output: logits ``(N, 10)``.
    """

    input_shape = (1, 28, 28)
    preprocessing = "raw28"
    feature_layers = {"fc1": "relu1", "fc": "fc2"}
    source = "pytorch/examples; fastbook chapter 4"

    def __init__(self, hidden: int = 100, num_classes: int = 10):
        super().__init__()
        if hidden < 1:
            raise ValueError(f"hidden must be a positive number of units, got {hidden}")
        self.fc1 = nn.Linear(28 * 28, hidden)
        self.relu1 = nn.ReLU()
        self.fc2 = nn.Linear(hidden, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.check_input(x)
        return self.fc2(self.relu1(self.fc1(torch.flatten(x, 1))))
