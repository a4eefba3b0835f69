import math
import re

import pandas as pd
import pytest
import torch
from torch.utils.data import TensorDataset

import lenet_helpers as lh
from lenet_helpers.data.mnist import MNISTTensors
from lenet_helpers.training.loop import epoch_line

LOG = re.compile(r"^\d\d:\d\d:\d\d  Epoch: \d+  Train loss: \d+\.\d{4}  Valid loss: \d+\.\d{4}  "
                 r"Train acc: \d+\.\d\d%  Valid acc: \d+\.\d\d%$")


def synthetic(n=256, seed=0):
    """Ten easy classes: a bright square in one of ten places."""
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, 10, (n,), generator=g)
    x = torch.randn(n, 1, 32, 32, generator=g) * 0.1
    for i, label in enumerate(y.tolist()):
        r, c = divmod(label, 5)
        x[i, 0, 4 + r * 12:12 + r * 12, 2 + c * 6:8 + c * 6] += 2
    return TensorDataset(x, y)


def test_epoch_line_has_the_seed_format():
    line = epoch_line(0, 0.229, 0.102, 96.84, 96.81, clock="06:20:18")
    assert line == ("06:20:18  Epoch: 0  Train loss: 0.2290  Valid loss: 0.1020  "
                    "Train acc: 96.84%  Valid acc: 96.81%")
    assert len(epoch_line(15, 0.0009, 0.0343, 99.99, 99.12, clock="06:20:18")) <= 100  # one line at 1280 px
    blown_up = epoch_line(1, 2455209514551053647872.0, 3.1e19, 9.8, 9.9, clock="06:20:18")
    assert "Train loss: 2.455e+21  Valid loss: 3.100e+19" in blown_up and len(blown_up) <= 100


def test_loss_falls_on_a_synthetic_batch():
    data = synthetic()
    lh.set_seed(0)
    model = lh.LeNet5()
    before, _ = lh.evaluate(model, data)
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    for _ in range(5):
        lh.train_epoch(model, lh.TensorBatches(data, 32, shuffle=True), opt)
    after, acc = lh.evaluate(model, data)
    assert after < before / 4 and acc > 90


def test_train_returns_history_and_prints_seed_lines(capsys):
    data = MNISTTensors(synthetic(320, 0), synthetic(64, 1), synthetic(64, 2))
    lh.set_seed(0)
    history = lh.train(lh.LeNet5(), data, epochs=3, device="cpu", progress=False)
    lines = [l for l in capsys.readouterr().out.splitlines() if "Epoch:" in l]
    assert len(lines) == 3 and all(LOG.match(l) for l in lines)
    assert list(history.columns[:6]) == ["epoch", "train_loss", "valid_loss", "train_acc", "valid_acc", "seconds"]
    assert history["epoch"].tolist() == [1, 2, 3]
    assert history["train_loss"].iloc[-1] < history["train_loss"].iloc[0]
    assert history["lr"].iloc[-1] == pytest.approx(0, abs=1e-9)  # cosine ends at 0


def test_train_is_reproducible():
    data = MNISTTensors(synthetic(128), synthetic(64, 1), synthetic(64, 2))
    runs = []
    for _ in range(2):
        lh.set_seed(3)
        model = lh.LeNet5()
        h = lh.train(model, data, epochs=2, seed=3, device="cpu", progress=False, verbose=False)
        runs.append((h.drop(columns=["seconds", "train_seconds"]), model.fc2.weight.detach().clone()))
    pd.testing.assert_frame_equal(runs[0][0], runs[1][0])
    torch.testing.assert_close(runs[0][1], runs[1][1])


def test_train_rejects_bad_settings():
    with pytest.raises(ValueError, match="epochs"):
        lh.train(lh.LeNet5(), (synthetic(32), synthetic(32)), epochs=0)
    with pytest.raises(ValueError, match="lr_schedule"):
        lh.train(lh.LeNet5(), (synthetic(32), synthetic(32)), lr_schedule="bogus")


def test_evaluate_accepts_a_dataloader():
    data = synthetic(100)
    model = lh.LeNet5()
    loader = torch.utils.data.DataLoader(data, batch_size=32)
    a = lh.evaluate(model, data)
    b = lh.evaluate(model, loader)
    assert a[0] == pytest.approx(b[0], rel=1e-5) and a[1] == b[1]


def test_two_epochs_on_real_mnist(trained_model, tensors):
    model, history = trained_model
    assert len(history) == 2
    assert history["valid_acc"].iloc[-1] > 97.5
    _, test_acc = lh.evaluate(model, tensors.test)
    assert test_acc > 97.5


def test_ctrl_c_returns_the_completed_epochs(monkeypatch, capsys):
    import lenet_helpers.training.loop as tr

    calls = {"n": 0}
    real_evaluate = tr.evaluate

    def evaluate_then_interrupt(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real_evaluate(*args, **kwargs)

    monkeypatch.setattr(tr, "evaluate", evaluate_then_interrupt)
    data = MNISTTensors(synthetic(64), synthetic(32, 1), synthetic(32, 2))
    history = lh.train(lh.LeNet5(), data, epochs=5, device="cpu", progress=False)
    assert history["epoch"].tolist() == [1, 2]
    assert "Training interrupted: returning the 2 completed epoch(s)" in capsys.readouterr().out


# --- TrainConfig: one recipe for train, whole runs, the CLI and the checkpoint ------------------

def test_train_config_defaults_are_the_reference_tutorials_recipe():
    config = lh.TrainConfig()
    assert (config.epochs, config.batch_size, config.lr, config.optimizer) == (15, 32, 1e-3, "adam")
    assert (config.lr_schedule, config.label_smoothing, config.augment, config.seed, config.subset) == \
        ("cosine", 0.0, False, 0, None)
    assert config.replace(epochs=2).changes(config) == {"epochs": (2, 15)}
    assert lh.TrainConfig.from_dict(config.as_dict()) == config
    with pytest.raises(TypeError, match="unknown training setting.*epoch_count"):
        config.replace(epoch_count=3)
    with pytest.raises(ValueError, match="batch_size"):
        lh.TrainConfig(batch_size=0)
    with pytest.raises(ValueError, match="optimizer must be one of adam, sgd"):
        lh.TrainConfig(optimizer="rmsprop")


def test_cli_defaults_come_from_train_config():
    from lenet_helpers.cli import build_parser

    args = build_parser().parse_args(["train"])
    config = lh.TrainConfig()
    for name in ("epochs", "batch_size", "lr", "lr_schedule", "optimizer", "weight_decay",
                 "label_smoothing", "augment", "seed", "subset"):
        assert getattr(args, name) == getattr(config, name), name
    # --momentum is None unless given (so that giving it with Adam can be pointed out); cmd_train then uses
    # TrainConfig's, which its help names
    assert args.momentum is None and lh.TrainConfig.momentum == config.momentum == 0.9
    assert "SGD momentum (default 0.9" in build_parser()._subparsers._group_actions[0].choices["train"].format_help()


def test_config_and_keywords_train_the_same_weights():
    data = MNISTTensors(synthetic(128), synthetic(64, 1), synthetic(64, 2))
    weights = []
    for call in (lambda m: lh.train(m, data, lh.TrainConfig(epochs=2, seed=3, label_smoothing=0.1), device="cpu",
                                    progress=False, verbose=False),
                 lambda m: lh.train(m, data, epochs=2, seed=3, label_smoothing=0.1, device="cpu",
                                    progress=False, verbose=False)):
        lh.set_seed(3)
        model = lh.LeNet5()
        history = call(model)
        weights.append(model.fc2.weight.detach().clone())
        assert history.attrs["config"] == lh.TrainConfig(epochs=2, seed=3, label_smoothing=0.1)
    torch.testing.assert_close(weights[0], weights[1])


def test_train_or_load_takes_every_setting_and_stores_the_config(tmp_path, capsys):
    """train_or_load(label_smoothing=...) raised TypeError before TrainConfig; now the recipe is stored and compared."""
    data = MNISTTensors(synthetic(128), synthetic(64, 1), synthetic(64, 2))
    kwargs = dict(epochs=1, folder=tmp_path, device="cpu", data=data, verbose=False)
    _, _, meta, trained = lh.train_or_load("lenet5", label_smoothing=0.1, **kwargs)
    assert trained and meta["settings"] == lh.TrainConfig(epochs=1, label_smoothing=0.1).as_dict()
    assert not lh.train_or_load("lenet5", lh.TrainConfig(epochs=1, label_smoothing=0.1), **kwargs)[3]  # reused
    assert lh.train_or_load("lenet5", label_smoothing=0.0, **kwargs)[3]  # another recipe: trained again


def test_cosine_schedule_spans_every_epoch_of_the_run():
    """The learning rate decays over the whole run (epochs x batches), to lr0 (1 + cos(pi e / E)) / 2 at the end of
    epoch e of E; a schedule over the first epoch only left later epochs at lr 0 and still ended at 0."""
    data = MNISTTensors(synthetic(64), synthetic(32, 1), synthetic(32, 2))
    history = lh.train(lh.LeNet5(), data, epochs=3, batch_size=32, device="cpu", progress=False, verbose=False)
    expected = [1e-3 * (1 + math.cos(math.pi * e / 3)) / 2 for e in (1, 2, 3)]
    assert history["lr"].tolist() == pytest.approx(expected, abs=1e-9)


def test_train_config_accepts_the_closed_ends_of_its_ranges():
    """momentum=0 (plain SGD, as documented), weight_decay=0 and label_smoothing=0 are settings, not errors."""
    config = lh.TrainConfig(optimizer="sgd", momentum=0.0, weight_decay=0.0, label_smoothing=0.0)
    assert (config.momentum, config.weight_decay, config.label_smoothing) == (0.0, 0.0, 0.0)
    assert lh.TrainConfig(momentum=0.999, label_smoothing=0.999).momentum == 0.999


def test_a_recipe_describes_itself_in_a_few_words():
    assert lh.TrainConfig().describe() == "adam lr 0.001, batch 32, cosine schedule, seed 0"
    sgd = lh.TrainConfig(optimizer="sgd", lr=0.05, momentum=0, weight_decay=1e-4, augment=True, seed=2)
    assert sgd.describe() == "sgd lr 0.05 momentum 0, batch 32, cosine schedule, weight decay 0.0001, augmented, seed 2"
