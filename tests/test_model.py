import re

import pytest
import torch

import lenet_helpers as lh


def test_output_shape_and_parameter_count():
    model = lh.LeNet5()
    assert model(torch.zeros(5, 1, 32, 32)).shape == (5, 10)
    assert lh.count_parameters(model) == 61706


def test_summary_matches_the_seed_table():
    text = lh.model_summary(lh.LeNet5())
    rows = re.findall(r"(\w+-\d+)\s+\[(.*?)\]\s+([\d,]+)", text)
    expected = [("Conv2d-1", "-1, 6, 28, 28", "156"), ("Tanh-2", "-1, 6, 28, 28", "0"),
                ("AvgPool2d-3", "-1, 6, 14, 14", "0"), ("Conv2d-4", "-1, 16, 10, 10", "2,416"),
                ("Tanh-5", "-1, 16, 10, 10", "0"), ("AvgPool2d-6", "-1, 16, 5, 5", "0"),
                ("Conv2d-7", "-1, 120, 1, 1", "48,120"), ("Tanh-8", "-1, 120, 1, 1", "0"),
                ("Linear-9", "-1, 84", "10,164"), ("Tanh-10", "-1, 84", "0"), ("Linear-11", "-1, 10", "850")]
    assert rows == expected
    assert "Total params: 61,706" in text


def test_summary_leaves_the_model_where_it_is():
    model = lh.LeNet5().double()
    lh.model_summary(model.float())
    assert next(model.parameters()).device.type == "cpu"


def test_layer_table_shapes():
    table = lh.layer_table(lh.LeNet5())
    shapes = dict(zip(table["layer"], table["output shape"]))
    assert shapes["conv1"] == (6, 28, 28) and shapes["conv2"] == (16, 10, 10) and shapes["conv3"] == (120, 1, 1)
    assert table["parameters"].sum() == 61706


def test_wrong_input_shape_says_what_to_do():
    with pytest.raises(ValueError, match=r"expects images of shape \(N, 1, 32, 32\).*input_transform\('resize32'\)"):
        lh.LeNet5()(torch.zeros(2, 1, 28, 28))


def test_feature_maps_shapes_and_hooks_removed():
    model = lh.LeNet5()
    maps = lh.feature_maps(model, torch.randn(1, 32, 32))
    assert {k: tuple(v.shape) for k, v in maps.items()} == {
        "conv1": (6, 28, 28), "conv2": (16, 10, 10), "conv3": (120, 1, 1), "fc1": (84,), "fc": (10,)}
    x = torch.randn(1, 1, 32, 32)
    torch.testing.assert_close(lh.feature_maps(model, x)["fc"], model(x)[0].detach())
    assert all(not m._forward_hooks for m in model.modules())
    assert maps["conv1"].abs().max() <= 1  # after tanh
    with pytest.raises(ValueError, match="one image"):
        lh.feature_maps(model, torch.randn(2, 1, 32, 32))


def test_conv1_kernels():
    model = lh.LeNet5()
    k = lh.conv1_kernels(model)
    assert k.shape == (6, 5, 5)
    torch.testing.assert_close(k, model.conv1.weight[:, 0].detach())


def test_pick_device_falls_back_to_cpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    assert lh.pick_device(verbose=False).type == "cpu"


def test_every_feature_map_is_the_output_of_its_activation():
    """feature_maps' conv1, conv2, conv3 and fc1 are what the next layer receives (after tanh), computed here by
    hand; naming the convolution instead of its activation gave conv2's raw sums."""
    torch.manual_seed(0)
    model = lh.LeNet5().eval()
    x = torch.randn(1, 1, 32, 32)
    maps = lh.feature_maps(model, x)
    with torch.no_grad():
        conv1 = torch.tanh(model.conv1(x))
        conv2 = torch.tanh(model.conv2(model.pool1(conv1)))
        conv3 = torch.tanh(model.conv3(model.pool2(conv2)))
        fc1 = torch.tanh(model.fc1(conv3.flatten(1)))
    for key, want in (("conv1", conv1), ("conv2", conv2), ("conv3", conv3), ("fc1", fc1)):
        torch.testing.assert_close(maps[key], want[0], msg=key)
