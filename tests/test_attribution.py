"""Occlusion and saliency against models whose answer is known in advance."""
import pytest
import torch
from torch import nn

import lenet_helpers as lh
from lenet_helpers.data.preprocessing import MNIST_MEAN, MNIST_STD


class OnePixel(nn.Module):
    """Logit of class 0 = 5 x the pixel at (row, col); class 1's logit is 0."""

    def __init__(self, row=20, col=6):
        super().__init__()
        self.row, self.col = row, col
        self.w = nn.Parameter(torch.tensor(5.0))

    def forward(self, x):
        v = self.w * x[:, 0, self.row, self.col]
        return torch.stack([v, torch.zeros_like(v)], 1)


def test_saliency_of_a_linear_model_is_its_weights():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(32 * 32, 10))
    images = torch.randn(3, 1, 32, 32)
    sal = lh.saliency(model, images, target=[4, 0, 9])
    assert sal.shape == (3, 32, 32)
    weights = model[1].weight.detach()
    for i, c in enumerate([4, 0, 9]):
        assert torch.allclose(sal[i], weights[c].abs().reshape(32, 32), atol=1e-6)


def test_saliency_defaults_to_the_predicted_class():
    model = OnePixel()
    image = torch.full((1, 32, 32), 2.0)  # class 0 wins: logit 10 > 0
    sal = lh.saliency(model, image)
    assert sal[0, 20, 6] == pytest.approx(5.0)
    assert sal.sum() == pytest.approx(5.0)


def test_occlusion_marks_exactly_the_pixel_the_model_reads():
    model = OnePixel(row=20, col=6)
    image = torch.full((1, 1, 32, 32), 2.0)
    occ = lh.occlusion(model, image, target=0, patch=4, stride=1, fill=0.0)
    assert occ.shape == (1, 32, 32)
    # Covering (20, 6) with black: p0 drops from softmax(10, 0) to softmax(5 * bg, 0).
    bg = (0.0 - MNIST_MEAN) / MNIST_STD
    drop = torch.softmax(torch.tensor([10.0, 0.0]), 0)[0] - torch.softmax(torch.tensor([5 * bg, 0.0]), 0)[0]
    assert occ[0, 20, 6] == pytest.approx(float(drop), abs=1e-5)
    # Pixels no 4x4 patch shares with (20, 6) get exactly 0.
    far = torch.ones(32, 32, dtype=torch.bool)
    far[17:24, 3:10] = False
    assert occ[0][far].abs().max() == 0
    assert occ[0][~far].min() >= 0


def test_occlusion_rejects_bad_arguments():
    model = OnePixel()
    with pytest.raises(ValueError, match="patch and stride"):
        lh.occlusion(model, torch.zeros(1, 32, 32), target=0, patch=0)
    with pytest.raises(ValueError, match="one per image"):
        lh.occlusion(model, torch.zeros(2, 1, 32, 32), target=[0, 1, 0])


def test_a_network_that_ends_in_a_softmax_is_explained_like_its_logits_twin():
    """dropout_cnn(softmax_output=True) returns probabilities: occlusion must not apply softmax twice
    (it flattened every drop about tenfold), and saliency differentiates log p, the closest score to a logit."""
    torch.manual_seed(0)
    logits_net = lh.build_model("dropout_cnn").eval()
    probs_net = lh.build_model("dropout_cnn", softmax_output=True).eval()
    probs_net.load_state_dict(logits_net.state_dict())
    x = torch.randn(2, *logits_net.input_shape)
    assert torch.allclose(lh.predict(probs_net, x)[1], lh.predict(logits_net, x)[1], atol=1e-6)
    assert torch.allclose(lh.occlusion(probs_net, x, target=3), lh.occlusion(logits_net, x, target=3), atol=1e-5)

    class LogSoftmax(nn.Module):
        def __init__(self):
            super().__init__()
            self.net = logits_net

        def forward(self, inputs):
            return torch.log_softmax(self.net(inputs), dim=1)

    expected = lh.saliency(LogSoftmax().eval(), x, target=3)
    assert torch.allclose(lh.saliency(probs_net, x, target=3), expected, rtol=1e-3, atol=1e-6)
