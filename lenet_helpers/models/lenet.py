"""The LeNet-5 family: the reference tutorial's network, a modern variant and one closer to 1998.

All three have LeNet-5's shapes (LeCun et al. 1998, "Gradient-based learning applied to document
recognition", Proc. IEEE 86(11), section II.B and Fig. 2): 32x32 input, C1 six 5x5 maps,
S2 subsampling, C3 sixteen 5x5 maps, S4 subsampling, C5 120 units, F6 84 units, 10 outputs.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .base import MNISTNet, register_model


@register_model("lenet5")
class LeNet5(MNISTNet):
    """LeNet-5 as the reference tutorial builds it (tanh, average pooling): 61,706 parameters.

    ============  =========================  ==============
    layer         operation                  output shape
    ============  =========================  ==============
    conv1+tanh1   Conv2d(1, 6, 5)            (6, 28, 28)
    pool1         AvgPool2d(2)               (6, 14, 14)
    conv2+tanh2   Conv2d(6, 16, 5)           (16, 10, 10)
    pool2         AvgPool2d(2)               (16, 5, 5)
    conv3+tanh3   Conv2d(16, 120, 5)         (120, 1, 1)
    fc1+tanh4     Linear(120, 84)            (84,)
    fc2           Linear(84, 10)             (10,) logits
    ============  =========================  ==============

    The reference tutorial's layer table (its torchsummary rows Conv2d-1 ... Linear-11), after
    LeCun et al. (1998), Fig. 2. What it simplifies against the paper (section II.B; see
    ``lenet5_1998`` for a version that keeps the first four):

    * the 28x28 digit is resized to 32x32; the paper pads the field around it instead;
    * S2 and S4 are plain average pooling; the paper's subsampling units multiply the sum of
      their 2x2 inputs by a trainable coefficient, add a trainable bias and squash the result;
    * the activation is tanh; the paper squashes with the scaled 1.7159 tanh(2x/3) (appendix A);
    * every C3 (``conv2``) map sees all six S2 maps; the paper connects them sparsely (Table I);
      C5 (``conv3``) sees all 16 maps in both;
    * the output is a linear layer read by softmax and cross-entropy; the paper's output layer is
      made of Euclidean radial basis function (RBF) units with fixed parameters.

    Weights are initialised as LeCun et al. recommend for tanh units: drawn from
    N(0, 1/fan_in), biases 0 ("Efficient BackProp", LeCun, Bottou, Orr & Mueller 1998,
    section 4.6; the 1998 paper's appendix A uses a uniform law in +-2.4/fan_in). On the
    validation split this beat PyTorch's default initialisation (99.12% vs 98.88% after 15
    epochs, one seed; see the README). ``init="pytorch"`` keeps PyTorch's default.

    Input: ``(N, 1, 32, 32)`` float, preprocessing ``"resize32"``. Output: logits ``(N, 10)``.

    Raises:
        ValueError: an input of another shape, or an unknown ``init``.
    """

    input_shape = (1, 32, 32)
    preprocessing = "resize32"
    feature_layers = {"conv1": "tanh1", "conv2": "tanh2", "conv3": "tanh3", "fc1": "tanh4", "fc": "fc2"}
    source = "the reference tutorial, after LeCun et al. 1998 Fig. 2"
    reported = "98.73% test (the reference tutorial, 15 epochs)"

    def __init__(self, num_classes: int = 10, init: str = "lecun"):
        super().__init__()
        if init not in ("lecun", "pytorch"):
            raise ValueError(f"init must be 'lecun' or 'pytorch', got {init!r}")
        self.conv1 = nn.Conv2d(1, 6, kernel_size=5)
        self.tanh1 = nn.Tanh()
        self.pool1 = nn.AvgPool2d(kernel_size=2)
        self.conv2 = nn.Conv2d(6, 16, kernel_size=5)
        self.tanh2 = nn.Tanh()
        self.pool2 = nn.AvgPool2d(kernel_size=2)
        self.conv3 = nn.Conv2d(16, 120, kernel_size=5)
        self.tanh3 = nn.Tanh()
        self.fc1 = nn.Linear(120, 84)
        self.tanh4 = nn.Tanh()
        self.fc2 = nn.Linear(84, num_classes)
        if init == "lecun":
            lecun_init_(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.check_input(x)
        x = self.pool1(self.tanh1(self.conv1(x)))
        x = self.pool2(self.tanh2(self.conv2(x)))
        x = self.tanh3(self.conv3(x))
        x = torch.flatten(x, 1)  # (N, 120, 1, 1) -> (N, 120); a function, not a layer, so
        x = self.tanh4(self.fc1(x))  # torchsummary shows the reference tutorial's 11 rows
        return self.fc2(x)


@register_model("lenet5_modern")
class LeNet5Modern(MNISTNet):
    """LeNet-5's shapes with today's choices: ReLU instead of tanh, max pooling instead of average.

    Same layers, sizes and 61,706 parameters as :class:`LeNet5` (32x32 resized input), with
    PyTorch's default (Kaiming-uniform) initialisation, which is designed for ReLU. A LeNet with
    max pooling is what one of the reference projects built; swapping in ReLU and max pooling is
    the first exercise of d2l's LeNet section ("Dive into Deep Learning", 7.6 / 8.x).

    Input: ``(N, 1, 32, 32)``. Output: logits ``(N, 10)``.
    """

    input_shape = (1, 32, 32)
    preprocessing = "resize32"
    feature_layers = {"conv1": "relu1", "conv2": "relu2", "conv3": "relu3", "fc1": "relu4", "fc": "fc2"}
    source = "a reference project's LeNet with max pooling; d2l's LeNet exercises"
    reported = "about 99% test (the reference project, 10 epochs)"

    def __init__(self, num_classes: int = 10):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, kernel_size=5)
        self.relu1 = nn.ReLU()
        self.pool1 = nn.MaxPool2d(kernel_size=2)
        self.conv2 = nn.Conv2d(6, 16, kernel_size=5)
        self.relu2 = nn.ReLU()
        self.pool2 = nn.MaxPool2d(kernel_size=2)
        self.conv3 = nn.Conv2d(16, 120, kernel_size=5)
        self.relu3 = nn.ReLU()
        self.fc1 = nn.Linear(120, 84)
        self.relu4 = nn.ReLU()
        self.fc2 = nn.Linear(84, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.check_input(x)
        x = self.pool1(self.relu1(self.conv1(x)))
        x = self.pool2(self.relu2(self.conv2(x)))
        x = torch.flatten(self.relu3(self.conv3(x)), 1)
        return self.fc2(self.relu4(self.fc1(x)))


class ScaledTanh(nn.Module):
    """The squashing function of LeCun et al. 1998, appendix A: ``f(a) = 1.7159 tanh(2a/3)``.

    Chosen so that f(1) = 1 and f(-1) = -1: the targets +-1 sit where the second derivative is
    largest, and the gain near 0 is about 1.14 (appendix A).
    """

    A, S = 1.7159, 2.0 / 3.0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.A * torch.tanh(self.S * x)


class Subsampling(nn.Module):
    """LeNet-5's S2/S4 layers: per map, sum of each 2x2 block x a trainable coefficient + a trainable bias.

    LeCun et al. 1998, section II.B: "The four inputs to a unit in S2 are added, then multiplied
    by a trainable coefficient, and added to a trainable bias"; the squashing follows as a separate
    module. 2 parameters per map (12 for S2, 32 for S4, as in the paper). The coefficients start at
    0.25, i.e. as an average (our choice; the paper does not say how it set them).

    Input ``(N, C, H, W)`` -> output ``(N, C, H/2, W/2)``.
    """

    def __init__(self, channels: int):
        super().__init__()
        self.weight = nn.Parameter(torch.full((channels,), 0.25))
        self.bias = nn.Parameter(torch.zeros(channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        summed = F.avg_pool2d(x, 2) * 4
        return summed * self.weight.view(1, -1, 1, 1) + self.bias.view(1, -1, 1, 1)


#: Table I of LeCun et al. 1998: which of S2's 6 maps (rows) each of C3's 16 maps (columns) sees.
#: Maps 0-5 see 3 contiguous maps, 6-11 four contiguous, 12-14 four non-contiguous, 15 all six.
C3_TABLE = (
    (1, 0, 0, 0, 1, 1, 1, 0, 0, 1, 1, 1, 1, 0, 1, 1),
    (1, 1, 0, 0, 0, 1, 1, 1, 0, 0, 1, 1, 1, 1, 0, 1),
    (1, 1, 1, 0, 0, 0, 1, 1, 1, 0, 0, 1, 0, 1, 1, 1),
    (0, 1, 1, 1, 0, 0, 1, 1, 1, 1, 0, 0, 1, 0, 1, 1),
    (0, 0, 1, 1, 1, 0, 0, 1, 1, 1, 1, 0, 1, 1, 0, 1),
    (0, 0, 0, 1, 1, 1, 0, 0, 1, 1, 1, 1, 0, 1, 1, 1),
)


class SparseConv2d(nn.Module):
    """C3 of LeNet-5: a 5x5 convolution 6 -> 16 maps where each output map sees only the input
    maps of a connection table (LeCun et al. 1998, Table I), 1,516 trainable parameters.

    Only the 60 connected 5x5 kernels (1,500 weights) and 16 biases are parameters; the full
    ``(16, 6, 5, 5)`` kernel is assembled with zeros for the missing connections at each call.
    The paper's reasons: fewer connections, and "it forces a break of symmetry in the network":
    different maps are forced to extract different features.
    """

    def __init__(self, table=C3_TABLE, kernel_size: int = 5):
        super().__init__()
        mask = torch.tensor(table, dtype=torch.bool).t()  # (out, in)
        self.out_channels, self.in_channels = mask.shape
        self.kernel_size = kernel_size
        full = mask[:, :, None, None].expand(-1, -1, kernel_size, kernel_size).reshape(-1)
        self.register_buffer("index", torch.nonzero(full).squeeze(1), persistent=False)
        self.weight = nn.Parameter(torch.empty(len(self.index)))
        self.bias = nn.Parameter(torch.zeros(self.out_channels))

    def full_weight(self) -> torch.Tensor:
        """The assembled kernel ``(16, 6, 5, 5)``, zero where Table I has no connection."""
        k = self.kernel_size
        flat = self.weight.new_zeros(self.out_channels * self.in_channels * k * k)
        flat = flat.index_put((self.index,), self.weight)
        return flat.view(self.out_channels, self.in_channels, k, k)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(x, self.full_weight(), self.bias)


@register_model("lenet5_1998")
class LeNet5_1998(MNISTNet):
    """LeNet-5 closer to LeCun et al. 1998 (section II.B, appendix A): 60,850 parameters.

    Kept from the paper: the input is the 28x28 digit padded to 32x32 with background
    (``"pad32"``); every layer squashes with :class:`ScaledTanh` 1.7159 tanh(2x/3); S2 and S4 are
    trainable :class:`Subsampling` layers (coefficient and bias per map, then squashing); C3 is
    sparsely connected by Table I (:class:`SparseConv2d`, 1,516 parameters); weights start uniform
    in +-2.4/fan_in (appendix A; C3's units have 75, 100 or 150 inputs, and its weights use their
    mean, 93.75). Biases start at 0, our choice: the paper does not specify them. Not kept: the paper's input scaling (background -0.1, ink 1.175;
    we use the series' MNIST normalisation), its RBF output layer and loss (a linear layer and
    cross-entropy here), and its stochastic diagonal Levenberg-Marquardt optimiser (appendix C).

    Input: ``(N, 1, 32, 32)``. Output: logits ``(N, 10)``.
    """

    input_shape = (1, 32, 32)
    preprocessing = "pad32"
    feature_layers = {"conv1": "act1", "conv2": "act2", "conv3": "act3", "fc1": "act4", "fc": "fc2"}
    source = "LeCun et al. 1998, section II.B, Table I, appendix A"
    reported = "99.05% test (LeCun et al. 1998, 0.95% error without distortions)"

    def __init__(self, num_classes: int = 10):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, kernel_size=5)
        self.act1 = ScaledTanh()
        self.pool1 = Subsampling(6)
        self.pool1_act = ScaledTanh()
        self.conv2 = SparseConv2d()
        self.act2 = ScaledTanh()
        self.pool2 = Subsampling(16)
        self.pool2_act = ScaledTanh()
        self.conv3 = nn.Conv2d(16, 120, kernel_size=5)
        self.act3 = ScaledTanh()
        self.fc1 = nn.Linear(120, 84)
        self.act4 = ScaledTanh()
        self.fc2 = nn.Linear(84, num_classes)
        with torch.no_grad():
            for module, fan_in in ((self.conv1, 25), (self.conv2, None), (self.conv3, 16 * 25),
                                   (self.fc1, 120), (self.fc2, 84)):
                if fan_in is None:  # C3: 3, 4 or 6 input maps per output map; use the mean fan-in
                    fan_in = len(module.index) / module.out_channels
                bound = 2.4 / fan_in
                nn.init.uniform_(module.weight, -bound, bound)
                nn.init.zeros_(module.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.check_input(x)
        x = self.pool1_act(self.pool1(self.act1(self.conv1(x))))
        x = self.pool2_act(self.pool2(self.act2(self.conv2(x))))
        x = torch.flatten(self.act3(self.conv3(x)), 1)
        return self.fc2(self.act4(self.fc1(x)))


@torch.no_grad()
def lecun_init_(model: nn.Module) -> nn.Module:
    """LeCun initialisation in place: every Conv2d/Linear weight ~ N(0, 1/fan_in), bias 0.

    fan_in is the number of inputs of one unit (in_channels x 5 x 5 for a conv kernel). It
    gives a unit's pre-activation variance 1 when its inputs are independent with variance 1
    (LeCun et al., "Efficient BackProp", 1998, section 4.6). After a tanh and a pooling layer
    the inputs of the next layer have less than unit variance, so deeper pre-activations start
    smaller (notebook 03 measures them).
    """
    for module in model.modules():
        if isinstance(module, (nn.Conv2d, nn.Linear)):
            fan_in = module.weight[0].numel()
            nn.init.normal_(module.weight, 0.0, fan_in ** -0.5)
            nn.init.zeros_(module.bias)
    return model
