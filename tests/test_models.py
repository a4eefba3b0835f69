"""The model contract: every registered network builds, runs, checkpoints, shows its feature maps and trains."""
import pandas as pd
import pytest
import torch

import lenet_helpers as lh
from lenet_helpers.models.lenet import C3_TABLE
from lenet_helpers.training.checkpoint import save_checkpoint
from lenet_helpers.data.preprocessing import PREPROCESSINGS
from lenet_helpers.data.preprocessing import prepare_images
from lenet_helpers.data.preprocessing import input_transform
from lenet_helpers.models.hooks import feature_shapes

NAMES = lh.available_models()


def test_registry_lists_every_network_and_refuses_unknown_names():
    assert NAMES == ["lenet5", "lenet5_modern", "lenet5_1998", "lenet_gap", "small_cnn", "medium_cnn",
                     "dropout_cnn", "mlp"]
    with pytest.raises(ValueError, match="unknown model 'lenet6': choose one of lenet5, lenet5_modern"):
        lh.build_model("lenet6")
    assert type(lh.build_model()) is lh.LeNet5


@pytest.mark.parametrize("name", NAMES)
def test_forward_checkpoint_and_feature_maps(name, tmp_path):
    torch.manual_seed(0)
    model = lh.build_model(name).eval()
    assert model.name == name and PREPROCESSINGS[model.preprocessing] == tuple(model.input_shape)
    x = torch.randn(3, *model.input_shape)
    out = model(x)
    assert out.shape == (3, 10)
    with pytest.raises(ValueError, match="expects images of shape"):
        model(torch.randn(3, 1, 30, 30))

    path = save_checkpoint(tmp_path / f"{name}.pt", model)
    loaded, meta = lh.load_checkpoint(path)
    assert type(loaded) is type(model) and meta["architecture"] == name
    assert meta["preprocessing"] == model.preprocessing and tuple(meta["input_shape"]) == model.input_shape
    torch.testing.assert_close(loaded(x), out)

    maps = lh.feature_maps(model, x[:1])
    assert list(maps) == list(model.feature_layers) and "fc" in maps
    assert {k: tuple(v.shape) for k, v in maps.items()} == feature_shapes(model)
    torch.testing.assert_close(maps["fc"], out[0] if not model.returns_probabilities else maps["fc"])
    if name != "mlp":
        assert lh.conv1_kernels(model).shape[0] == model.conv1.out_channels
    assert all(not m._forward_hooks for m in model.modules())


def test_constructor_arguments_survive_a_checkpoint(tmp_path):
    model = lh.build_model("dropout_cnn", softmax_output=True)
    loaded, meta = lh.load_checkpoint(save_checkpoint(tmp_path / "d.pt", model))
    assert meta["model_kwargs"] == {"num_classes": 10, "softmax_output": True}
    assert loaded.softmax_output and loaded.returns_probabilities
    mlp, _ = lh.load_checkpoint(save_checkpoint(tmp_path / "m.pt", lh.build_model("mlp", hidden=32)))
    assert mlp.fc1.out_features == 32


def test_parameter_counts_and_multiply_adds():
    table = lh.models_table().set_index("name")
    assert table.loc["lenet5", "parameters"] == 61706 and table.loc["lenet5_modern", "parameters"] == 61706
    # LeCun et al. 1998, section II.B: C1 156, S2 12, C3 1,516, S4 32, C5 48,120, F6 10,164 trainable parameters.
    m = lh.build_model("lenet5_1998")
    counts = [lh.count_parameters(getattr(m, n)) for n in ("conv1", "pool1", "conv2", "pool2", "conv3", "fc1")]
    assert counts == [156, 12, 1516, 32, 48120, 10164]
    assert table.loc["lenet5", "multiply-adds"] == 423038
    # The paper's "connections": C1 122,304 and C3 151,600 (section II.B).
    assert lh.multiply_adds(torch.nn.Sequential(m.conv1), (1, 32, 32)) == 122304
    assert lh.multiply_adds(torch.nn.Sequential(m.conv2), (6, 14, 14)) == 151600


def test_multiply_adds_agree_with_torchinfo():
    torchinfo = pytest.importorskip("torchinfo")
    for name in ("lenet5", "lenet_gap", "small_cnn", "medium_cnn", "mlp"):
        model = lh.build_model(name)
        stats = torchinfo.summary(model, input_size=(1, *model.input_shape), verbose=0)
        assert lh.multiply_adds(model) == stats.total_mult_adds, name


def test_sparse_c3_follows_table_one():
    conv = lh.build_model("lenet5_1998").conv2
    full = conv.full_weight()
    connected = full.abs().sum(dim=(2, 3)) > 0  # (16 out, 6 in)
    assert connected.t().int().tolist() == [list(row) for row in C3_TABLE]
    assert [int(c) for c in connected.sum(1)] == [3] * 6 + [4] * 9 + [6]


def test_softmax_output_is_not_softmaxed_twice_by_predict():
    torch.manual_seed(0)
    model = lh.build_model("dropout_cnn", softmax_output=True).eval()
    x = torch.randn(4, 1, 28, 28)
    _, probabilities = lh.predict(model, x)
    torch.testing.assert_close(probabilities, model(x))


def test_preprocessings_give_the_per_image_transform_pixels(mnist):
    from PIL import Image

    train, _ = lh.mnist_datasets()
    raw = train.data[:20]
    for name in ("pad32", "raw28", "resize32"):
        batch = prepare_images(raw, name)
        one = torch.stack([input_transform(name)(Image.fromarray(d.numpy(), mode="L")) for d in raw])
        torch.testing.assert_close(batch, one, atol=1e-6, rtol=0)
    padded = prepare_images(raw, "pad32")
    assert padded.shape == (20, 1, 32, 32)
    assert torch.allclose(padded[:, :, :2], torch.tensor((0 - lh.MNIST_MEAN) / lh.MNIST_STD))
    with pytest.raises(ValueError, match="unknown preprocessing 'crop'"):
        input_transform("crop")


@pytest.fixture(scope="module")
def small_data(mnist):
    return {p: lh.mnist_tensors(device="cpu", subset=1000, preprocessing=p) for p in PREPROCESSINGS}


@pytest.mark.parametrize("name", NAMES)
def test_one_quick_epoch_on_real_digits_lowers_the_loss(name, small_data):
    lh.set_seed(0)
    model = lh.build_model(name)
    data = small_data[model.preprocessing]
    before, _ = lh.evaluate(model, data.train)
    history = lh.train(model, data, epochs=1, device="cpu", progress=False, verbose=False)
    after, acc = lh.evaluate(model, data.train)
    assert after < before, (name, before, after)


def test_wrong_preprocessing_is_refused_before_training(small_data):
    with pytest.raises(ValueError, match=r"takes \(1, 28, 28\).*preprocessing='raw28'"):
        lh.train(lh.build_model("mlp"), small_data["resize32"], epochs=1, device="cpu", progress=False)


def test_nearest_class_mean_baseline(small_data):
    data = small_data["raw28"]
    predicted = lh.nearest_class_mean(*data.train.tensors, data.test.tensors[0])
    accuracy = (predicted == data.test.tensors[1]).float().mean().item()
    assert 0.7 < accuracy < 0.9  # about 82% on full MNIST: far above chance, far below a CNN
    with pytest.raises(ValueError):
        lh.nearest_class_mean(data.train.tensors[0], data.train.tensors[1], torch.zeros(3, 1, 32, 32))


def test_train_or_load_reuses_matching_settings(small_data, tmp_path, capsys):
    data = small_data["raw28"]
    first = lh.train_or_load("small_cnn", epochs=1, subset=1000, folder=tmp_path, device="cpu", data=data)
    assert first[3] is True and (tmp_path / "small_cnn.pt").is_file()
    again = lh.train_or_load("small_cnn", epochs=1, subset=1000, folder=tmp_path, device="cpu", data=data)
    assert again[3] is False and "reusing small_cnn.pt" in capsys.readouterr().out
    torch.testing.assert_close(again[0].conv1.weight, first[0].conv1.weight)
    other = lh.train_or_load("small_cnn", epochs=1, subset=1000, folder=tmp_path, device="cpu", data=data, lr=3e-3)
    assert other[3] is True


def _runs(rows):
    return pd.DataFrame([{"network": n, "seed": s, "parameters": 10, "multiply-adds": 20, "valid_acc": a - 0.1,
                          "test_acc": a, "s/epoch": 1.0 + s} for n, s, a in rows])


def test_benchmark_summary_and_reading_compare_ranges_over_seeds():
    runs = _runs([("lenet5", 0, 99.0), ("lenet5", 1, 99.2), ("lenet5", 2, 99.1),
                  ("big", 0, 99.3), ("big", 1, 99.4), ("big", 2, 99.5),
                  ("same", 0, 98.9), ("same", 1, 99.15), ("same", 2, 99.3),
                  ("small", 0, 98.0), ("small", 1, 98.2), ("small", 2, 98.1)])
    summary = lh.benchmark_summary(runs)
    assert list(summary.index) == ["lenet5", "big", "same", "small"]
    assert summary.loc["big", "test mean"] == pytest.approx(99.4)
    assert (summary.loc["big", "test min"], summary.loc["big", "test max"], summary.loc["big", "seeds"]) == (99.3, 99.5, 3)
    assert summary.loc["small", "s/epoch"] == 2.0  # median over seeds
    lines = lh.readings.benchmark_report(summary)
    assert lines[0].startswith("lenet5: 99.00% mean validation accuracy over 3 seed(s), from 98.90% to 99.10%")
    assert "Better than lenet5 on every seed" in lines[1] and "big (+0.30)" in lines[1]
    assert "Not distinguishable from lenet5" in lines[2] and "same (+0.02)" in lines[2]
    assert "Worse than lenet5 on every seed" in lines[3] and "small (-1.00)" in lines[3]
    assert "one seed only" in " ".join(lh.readings.benchmark_report(lh.benchmark_summary(runs[runs.seed == 0]))).lower()
    with pytest.raises(ValueError, match="'lenet6' is not in the benchmark summary"):
        lh.readings.benchmark_report(summary, baseline="lenet6")


def test_benchmark_results_prefer_this_machines_run_over_the_shipped_one(artifacts, tmp_path):
    shipped, source = lh.benchmark_results()
    assert "shipped with the package" in source
    # the shipped run: every network of the registry and the double-softmax variant, seeds 0-2, 15 epochs
    assert set(shipped["network"]) == set(lh.available_models()) | {"dropout_cnn+softmax"}
    assert (shipped.groupby("network")["seed"].apply(sorted) == pd.Series([[0, 1, 2]] * len(set(shipped["network"])),
            index=sorted(set(shipped["network"])))).all()
    assert shipped["test_acc"].between(80, 100).all()
    local = artifacts / "benchmarks" / "architectures" / "results.csv"
    local.parent.mkdir(parents=True)
    _runs([("lenet5", 0, 97.5)]).to_csv(local, index=False)
    runs, source = lh.benchmark_results()
    assert source == "this machine's run of benchmarks/architectures.py" and runs["test_acc"].tolist() == [97.5]
    bad = tmp_path / "bad.csv"
    pd.DataFrame({"network": ["x"]}).to_csv(bad, index=False)
    with pytest.raises(ValueError, match="lacks the columns"):
        lh.benchmark_results(bad)
    with pytest.raises(FileNotFoundError, match="run `python benchmarks/architectures.py` first"):
        lh.benchmark_results(tmp_path / "none.csv")


def test_layer_arithmetic_works_out_each_layer_from_the_modules():
    """Notebook 03's table: the 'why' of every row is read from the module and the shapes seen."""
    table = lh.layer_arithmetic(lh.LeNet5())
    why = dict(zip(table["layer"], table["why"]))
    assert why["conv1"] == "6 kernels 5x5 on 1 channel: 32 - 5 + 1 = 28; (1×5×5 + 1) × 6 = 156 parameters"
    assert why["conv3"].endswith("(16×5×5 + 1) × 120 = 48,120 parameters")
    assert why["pool2"] == "2x2 average, stride 2: 10 / 2 = 5" and why["fc2"].startswith("84 -> 10 units")
    assert table["parameters"].sum() == lh.count_parameters(lh.LeNet5()) == 61_706
    modern = dict(zip(*lh.layer_arithmetic(lh.build_model("lenet5_modern"))[["layer", "why"]].T.values))
    assert modern["pool1"].startswith("2x2 maximum") and modern["relu1"].startswith("max(0, x)")
