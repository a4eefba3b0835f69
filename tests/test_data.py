import numpy as np
import pytest
import torch
from torchvision import datasets

import lenet_helpers as lh
from lenet_helpers.data import mnist as lhdata
from lenet_helpers.data.mnist import MNISTCorruptError
from lenet_helpers.data.mnist import MNISTNotFoundError
from lenet_helpers.data.mnist import mnist_splits
from lenet_helpers.data.distortions import random_affine


def test_mnist_datasets_sizes(mnist):
    train, test = lh.mnist_datasets()
    assert (len(train), len(test)) == (60000, 10000)
    image, label = train[0]
    assert image.size == (28, 28) and 0 <= label <= 9


def test_data_dir_follows_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("LENET_DATA_DIR", str(tmp_path))
    assert lh.data_dir() == tmp_path.resolve()


def test_lenet_transform_shape_and_values(mnist):
    train, _ = lh.mnist_datasets()
    image, _ = train[0]
    x = lh.lenet_transform()(image)
    assert x.shape == (1, 32, 32) and x.dtype == torch.float32
    raw = lh.lenet_transform(normalize=False)(image)
    assert raw.min() >= 0 and raw.max() <= 1
    torch.testing.assert_close(x, (raw - lh.MNIST_MEAN) / lh.MNIST_STD)
    assert x.min().item() == pytest.approx(-lh.MNIST_MEAN / lh.MNIST_STD, abs=1e-5)


def test_splits_are_fixed_stratified_and_disjoint(mnist):
    train, valid, test = mnist_splits()
    assert (len(train), len(valid), len(test)) == (55000, 5000, 10000)
    assert not set(train.indices) & set(valid.indices)
    again = mnist_splits()[1]
    assert list(again.indices) == list(valid.indices)
    labels = train.dataset.targets.numpy()
    share_all = np.bincount(labels, minlength=10) / len(labels)
    share_valid = np.bincount(labels[valid.indices], minlength=10) / len(valid)
    assert np.abs(share_all - share_valid).max() < 0.001


def test_fast_tensors_equal_the_transform_pipeline(tensors):
    train, valid, test = mnist_splits(transform=lh.lenet_transform())
    assert [len(s) for s in tensors] == [55000, 5000, 10000]
    for split, fast in ((train, tensors.train), (valid, tensors.valid), (test, tensors.test)):
        for i in (0, 1, len(split) - 1):
            x, y = split[i]
            torch.testing.assert_close(fast.tensors[0][i], x, atol=1e-6, rtol=0)
            assert int(fast.tensors[1][i]) == y


def test_tensor_batches_cover_the_data_once(tensors):
    g = torch.Generator().manual_seed(0)
    batches = lh.TensorBatches(tensors.valid, batch_size=32, shuffle=True, generator=g)
    assert len(batches) == 157
    seen = torch.cat([y for _, y in batches])
    assert len(seen) == 5000
    assert torch.equal(seen.sort().values, tensors.valid.tensors[1].sort().values)
    first = next(iter(batches))[1]
    assert not torch.equal(first, tensors.valid.tensors[1][:32])  # shuffled
    with pytest.raises(ValueError, match="batch_size"):
        lh.TensorBatches(tensors.valid, batch_size=0)


def test_missing_mnist_names_the_four_files(tmp_path):
    with pytest.raises(MNISTNotFoundError) as info:
        lh.mnist_datasets(root=tmp_path, download=False)
    message = str(info.value)
    for name in lhdata.RAW_FILES:
        assert name in message
    assert str(tmp_path / "MNIST" / "raw") in message


def test_failed_download_gives_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(lhdata, "MIRRORS", ["http://127.0.0.1:9/"])
    with pytest.raises(MNISTNotFoundError, match="could not be downloaded") as info:
        lh.mnist_datasets(root=tmp_path, download=True)
    assert "train-images-idx3-ubyte" in str(info.value)
    assert "\n" not in str(info.value)  # one line, not torchvision's error for each mirror pasted in
    assert "no connection to the download mirrors" in str(info.value)
    assert datasets.MNIST.mirrors[0].startswith("https://ossci-datasets")  # restored


def test_ossci_mirror_is_tried_first():
    assert lhdata.MIRRORS[0] == "https://ossci-datasets.s3.amazonaws.com/mnist/"


@pytest.mark.parametrize("damage", ["truncate", "garbage"])
def test_corrupted_raw_file_is_named(mnist, tmp_path, damage):
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    source = lh.data_dir() / "MNIST" / "raw"
    for name in lhdata.RAW_FILES:
        (raw / name).write_bytes((source / name).read_bytes())
    victim = raw / "t10k-images-idx3-ubyte"
    if damage == "truncate":
        victim.write_bytes(victim.read_bytes()[:5000])
    else:
        victim.write_bytes(b"<html>403 Forbidden</html>".ljust(victim.stat().st_size, b" "))
    with pytest.raises(MNISTCorruptError, match="t10k-images-idx3-ubyte") as info:
        lh.mnist_datasets(root=tmp_path)
    assert "Delete it" in str(info.value)


def test_random_affine_keeps_shape_and_background():
    x = torch.full((4, 1, 32, 32), (0 - lh.MNIST_MEAN) / lh.MNIST_STD)
    x[:, :, 12:20, 12:20] = 2.0
    y = random_affine(x, torch.Generator().manual_seed(0))
    assert y.shape == x.shape
    torch.testing.assert_close(y[:, :, 0, 0], x[:, :, 0, 0])  # border stays background
    assert not torch.allclose(y, x)
    still = random_affine(x, max_shift=0, max_rotation=0, max_scale=0)
    torch.testing.assert_close(still, x, atol=1e-5, rtol=0)


def test_ink_at_border_sees_each_of_the_four_edges(mnist):
    """Ink in the top row, bottom row, left or right column counts; ink inside does not. MNIST's counts are
    the docstring's 813 training and 107 test digits."""
    images = torch.zeros(5, 28, 28, dtype=torch.uint8)
    images[0, 0, 10] = images[1, 27, 10] = images[2, 10, 0] = images[3, 10, 27] = 1
    images[4, 1:27, 1:27] = 255
    assert lh.ink_at_border(images).tolist() == [True, True, True, True, False]
    train, test = lh.mnist_datasets(download=False)
    assert (int(lh.ink_at_border(train.data).sum()), int(lh.ink_at_border(test.data).sum())) == (813, 107)


def test_normalisation_constants_are_mnist_s_own(mnist):
    """MNIST_MEAN and MNIST_STD (pytorch/examples' 0.1307, 0.3081) are the training pixels' mean and standard
    deviation (measured: 0.13070, 0.30820); the other tests compute their expectations from the constants, so a
    wrong constant would pass them."""
    train, _ = lh.mnist_datasets(download=False)
    pixels = train.data.double() / 255
    assert abs(float(pixels.mean()) - lh.MNIST_MEAN) < 1e-4
    assert abs(float(pixels.std()) - lh.MNIST_STD) < 2e-4


def test_random_affine_stays_within_its_documented_ranges():
    """200 copies of a horizontal bar: each is turned by at most 10 degrees, shifted by at most 2 pixels and scaled
    by at most 10% (the defaults), and the draws use those ranges. The other test only checks that images change:
    a rotation read in radians instead of degrees passed it."""
    background = (0 - lh.MNIST_MEAN) / lh.MNIST_STD
    bar = torch.full((1, 1, 32, 32), background)
    bar[0, 0, 15:17, 6:26] = (1 - lh.MNIST_MEAN) / lh.MNIST_STD  # 20 x 2 pixels, centred at (15.5, 15.5)
    out = random_affine(bar.repeat(200, 1, 1, 1), torch.Generator().manual_seed(0))
    ink = (out[:, 0] - background).clamp(min=0).double()  # (200, 32, 32) weights
    ys, xs = torch.meshgrid(torch.arange(32.0, dtype=torch.float64), torch.arange(32.0, dtype=torch.float64),
                            indexing="ij")
    mass = ink.sum((1, 2))
    cy, cx = (ink * ys).sum((1, 2)) / mass, (ink * xs).sum((1, 2)) / mass
    dy, dx = ys - cy[:, None, None], xs - cx[:, None, None]
    mu20, mu02, mu11 = [(ink * m).sum((1, 2)) / mass for m in (dx * dx, dy * dy, dx * dy)]
    angle = torch.rad2deg(0.5 * torch.atan2(2 * mu11, mu20 - mu02)).abs()  # the bar's tilt
    length = torch.sqrt(12 * mu20.clamp(min=0) + 12 * mu02.clamp(min=0))  # ~ the bar's length (20 px unscaled)
    shift = torch.maximum((cx - 15.5).abs(), (cy - 15.5).abs())
    assert float(angle.max()) <= 10.5 and float(angle.max()) >= 8, float(angle.max())
    assert float(shift.max()) <= 2.3 and float(shift.max()) >= 1.5, float(shift.max())
    ratio = length / 20
    assert 0.85 <= float(ratio.min()) and float(ratio.max()) <= 1.15, (float(ratio.min()), float(ratio.max()))
