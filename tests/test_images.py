import numpy as np
import pytest
import torch
from PIL import Image

import lenet_helpers as lh


def centre_of_mass(a):
    ys, xs = np.indices(a.shape)
    return (ys * a).sum() / a.sum(), (xs * a).sum() / a.sum()


def test_drawn_digit_becomes_mnist_like(tmp_path):
    img = lh.draw_digit(7, size=240, thickness=16, offset=(50, -40))
    path = tmp_path / "seven.png"
    img.save(path)
    steps = lh.preprocess_steps(path)
    field = steps["28x28 centred"].astype(float)
    assert field.shape == (28, 28) and field.max() == 255
    assert field[0].max() == 0 and field[:, 0].max() == 0  # dark background, bright ink
    rows, cols = np.nonzero(field)
    assert max(rows.max() - rows.min(), cols.max() - cols.min()) + 1 in (19, 20, 21)  # fits 20x20
    cy, cx = centre_of_mass(field)
    assert abs(cy - 13.5) <= 1 and abs(cx - 13.5) <= 1  # centred on its centre of mass
    x = lh.load_image(path)
    assert x.shape == (1, 32, 32) and x.dtype == torch.float32


def test_polarity_format_and_position_do_not_matter(tmp_path):
    base = lh.draw_digit(4, size=200, offset=(0, 0), seed=1)
    inverted = Image.fromarray(255 - np.asarray(base))  # light ink on dark
    moved = lh.draw_digit(4, size=200, offset=(40, 30), seed=1)
    rgba = base.convert("RGBA")
    base.save(tmp_path / "a.jpg", quality=90)
    ref = lh.load_image(base)
    for other in (inverted, rgba, tmp_path / "a.jpg", moved.convert("L")):
        assert (lh.load_image(other) - ref).abs().mean() < 0.15


def test_transparent_canvas_is_paper(tmp_path):
    canvas = np.zeros((100, 100, 4), dtype=np.uint8)  # fully transparent
    canvas[20:80, 45:55] = [0, 0, 0, 255]  # an opaque black bar: a "1"
    path = tmp_path / "one.png"
    Image.fromarray(canvas, mode="RGBA").save(path)
    field = lh.preprocess_steps(path)["28x28 centred"]
    assert field[14, 14] > 200 and field[0, 0] == 0


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        lh.load_image(tmp_path / "nope.png")


def test_not_an_image(tmp_path):
    path = tmp_path / "notes.png"
    path.write_text("this is a text file renamed .png")
    with pytest.raises(lh.ImageError, match="not a readable image.*PNG or JPEG"):
        lh.load_image(path)


@pytest.mark.parametrize("value", [0, 255, 128])
def test_blank_page(tmp_path, value):
    path = tmp_path / "blank.png"
    Image.new("RGB", (300, 200), (value, value, value)).save(path)
    with pytest.raises(lh.ImageError, match="no ink found"):
        lh.load_image(path)


def test_drawn_digits_are_read_correctly(trained_model):
    model, _ = trained_model
    right = 0
    for d in range(10):
        digit, probs = lh.predict_image(model, lh.draw_digit(d, size=200, thickness=14, offset=(25, -15), seed=d))
        assert probs.shape == (10,) and float(probs.sum()) == pytest.approx(1, abs=1e-5)
        right += digit == d
    assert right >= 8
