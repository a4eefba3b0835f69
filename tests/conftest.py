"""Shared fixtures. Tests that need real MNIST skip when it is absent, or fail when
LENET_REQUIRE_MNIST=1 (as CI sets it), so a missing dataset can never pass silently."""
import os

import pytest
import torch

import lenet_helpers as lh
from lenet_helpers.data.mnist import MNISTCorruptError
from lenet_helpers.data.mnist import check_raw_files


def _require_mnist():
    try:
        present = check_raw_files()
    except MNISTCorruptError as exc:
        pytest.fail(str(exc))
    if not present:
        message = f"MNIST raw files not found in {lh.data_dir() / 'MNIST' / 'raw'}"
        if os.environ.get("LENET_REQUIRE_MNIST") == "1":
            pytest.fail(message + " and LENET_REQUIRE_MNIST=1")
        pytest.skip(message)


@pytest.fixture(scope="session")
def mnist():
    """The MNIST root folder (skips or fails when absent)."""
    _require_mnist()
    return lh.data_dir()


@pytest.fixture(scope="session")
def tensors(mnist):
    """The fast pipeline's splits on the CPU."""
    return lh.mnist_tensors(device="cpu")


@pytest.fixture(scope="session")
def trained_model(tensors):
    """A LeNet-5 trained for 2 epochs on the full training split (about a minute on 2 cores)."""
    lh.set_seed(0)
    model = lh.LeNet5()
    history = lh.train(model, tensors, epochs=2, device="cpu", progress=False, verbose=False)
    return model.eval(), history


@pytest.fixture
def artifacts(tmp_path, monkeypatch):
    """A temporary artifacts folder for the duration of one test."""
    monkeypatch.setenv("LENET_ARTIFACTS_DIR", str(tmp_path / "artifacts"))
    return tmp_path / "artifacts"


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)
