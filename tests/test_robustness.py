"""The invariance lab's transformations, stroke width, and accuracy under transformation."""
import numpy as np
import pytest
import torch
from PIL import Image

import lenet_helpers as lh
from lenet_helpers.analysis.robustness import break_changes
from lenet_helpers.data.distortions import TRANSFORMS, noise, resolution, rotate, scale, shift, stroke, thicker, thinner, transform
from lenet_helpers.data.preprocessing import to_model_input
from lenet_helpers.digits.synthetic import DRAWN_STYLES, drawn_digit_set
from lenet_helpers.readings.robustness import break_summary, curves_report, curves_table
from lenet_helpers.readings.text import format_level
from lenet_helpers.digits.strokes import MNIST_STROKE_WIDTH, MNIST_WIDTH_RANGE, box_stroke_width, normalize_stroke_width
from lenet_helpers.training.reference import reference_checkpoint


def centre_of_mass(a):
    a = np.asarray(a, dtype=float)
    ys, xs = np.indices(a.shape)
    return (ys * a).sum() / a.sum(), (xs * a).sum() / a.sum()


def bar(width=4, horizontal=True):
    img = torch.zeros(1, 28, 28)
    lo = 14 - width // 2
    if horizontal:
        img[0, lo:lo + width, 6:22] = 1
    else:
        img[0, 6:22, lo:lo + width] = 1
    return img


def test_shift_rotation_and_scale_move_the_ink_as_named():
    dot = torch.zeros(1, 28, 28)
    dot[0, 10:14, 10:14] = 1  # centre of mass (11.5, 11.5)
    cy, cx = centre_of_mass(shift(dot, 3)[0])
    assert (cy, cx) == (pytest.approx(11.5, abs=0.01), pytest.approx(14.5, abs=0.01))
    # A dot right of the centre goes above it after +90 degrees (counter-clockwise on screen).
    right = torch.zeros(1, 28, 28)
    right[0, 13:15, 20:22] = 1
    cy, cx = centre_of_mass(rotate(right, 90)[0])
    assert cy == pytest.approx(6.5, abs=0.6) and cx == pytest.approx(13.5, abs=0.6)
    assert torch.allclose(rotate(bar(), 90), bar(horizontal=False), atol=0.05)
    small = scale(bar(), 0.5)[0].numpy()
    cols = np.nonzero(small.sum(0) > 0.5)[0]
    assert 7 <= len(cols) <= 9  # a 16-pixel bar becomes 8 pixels long
    for name, (_, levels, _) in TRANSFORMS.items():  # the first level leaves digits unchanged
        assert torch.allclose(transform(name, bar(), levels[0]), bar(), atol=1e-5), name
    with pytest.raises(ValueError, match="choose one of"):
        transform("blur", bar(), 1)


def test_stroke_width_and_morphology():
    assert lh.stroke_width(bar(4))[0] == pytest.approx(4, abs=0.5)
    assert lh.stroke_width(bar(2))[0] == pytest.approx(2, abs=0.5)
    assert np.isnan(lh.stroke_width(torch.zeros(28, 28))[0])
    assert lh.stroke_width(thicker(bar(4), 2))[0] == pytest.approx(6, abs=0.6)  # a pixel on each side
    assert lh.stroke_width(thinner(bar(6), 2))[0] == pytest.approx(4, abs=0.6)
    assert lh.stroke_width(stroke(bar(4), 1))[0] == pytest.approx(5, abs=0.6)


def test_noise_and_resolution():
    grey = torch.full((4, 28, 28), 0.5)
    noisy = noise(grey, 0.1)
    assert float((noisy - grey).std()) == pytest.approx(0.1, abs=0.005)
    assert torch.equal(noisy, noise(grey, 0.1))  # seeded
    checker = ((torch.arange(28)[:, None] + torch.arange(28)[None]) % 2).float().unsqueeze(0)
    assert float(resolution(checker, 7).std()) < 0.05 < float(checker.std())  # detail gone


def test_mnist_stroke_width_constant_is_measured(mnist):
    train, _ = lh.mnist_datasets()
    measured = np.nanmedian(lh.stroke_width(train.data[:1000].float() / 255))
    assert measured == pytest.approx(MNIST_STROKE_WIDTH, abs=0.2)


def test_to_model_input_matches_the_series_transform(mnist):
    digits, _ = lh.mnist_test_digits(subset=50)
    tf = lh.lenet_transform()
    pil = torch.stack([tf(Image.fromarray((d * 255).round().byte().numpy(), mode="L")) for d in digits])
    # one grey level of 255 is 1 / (255 * 0.3081) in normalised units
    assert (to_model_input(digits) - pil).abs().max() <= 1.01 / (255 * 0.3081)
    assert to_model_input(digits, "pad32").shape == (50, 1, 32, 32)
    with pytest.raises(ValueError, match="unknown preprocessing"):
        to_model_input(digits, "resize64")


def test_accuracy_under_agrees_with_evaluate_and_drops_when_rotated(trained_model, tensors):
    model, _ = trained_model
    digits, labels = lh.mnist_test_digits(subset=1000)
    curve = lh.accuracy_under(model, digits, labels, "rotation", [0, 90])
    _, acc = lh.evaluate(model, torch.utils.data.TensorDataset(*(t[:1000] for t in tensors.test.tensors)))
    assert curve["accuracy"][0] == pytest.approx(acc, abs=0.3)
    assert curve["accuracy"][1] < acc - 40
    assert curve["errors"][0] == round(1000 * (100 - curve["accuracy"][0]) / 100)
    both = lh.invariance_curves({"a": model}, digits[:200], labels[:200],
                                {"shift": TRANSFORMS["shift"]})
    assert list(both.columns) == ["model", "transform", "level", "accuracy", "errors"]
    assert len(both) == len(TRANSFORMS["shift"][1])
    assert curves_report(both)[0].startswith("shift (")


def _curves(accuracies: dict) -> "pd.DataFrame":
    """Synthetic invariance curves: {(model, transform): accuracies at TRANSFORMS' levels}."""
    import pandas as pd

    return pd.DataFrame([{"model": m, "transform": t, "level": float(lv), "accuracy": a, "errors": 0}
                         for (m, t), accs in accuracies.items() for lv, a in zip(TRANSFORMS[t][1], accs)])


def test_break_changes_say_which_way_each_break_moved():
    curves = _curves({
        ("default", "shift"): [99, 98, 95, 85, 60, 50, 40, 30],      # breaks at 3
        ("augmented", "shift"): [99, 99, 98, 97, 93, 85, 60, 30],    # at 5: later
        ("default", "noise"): [99, 98, 93, 77, 59, 31, 20],          # at 0.3
        ("augmented", "noise"): [99, 98, 76, 48, 23, 11, 10],        # at 0.2: earlier
        ("default", "rotation"): [99, 97, 93, 80, 62, 41, 25, 14],   # at 30
        ("augmented", "rotation"): [99, 99, 96, 89, 75, 54, 36, 17],  # at 30: unchanged
        ("default", "smaller"): [99, 98, 97, 89, 73, 50, 21],        # at 0.7 (levels decrease)
        ("augmented", "smaller"): [99, 99, 98, 95, 84, 64, 26],      # at 0.6: later = harsher
        ("default", "larger"): [99, 98, 97, 95, 91, 77],             # at 1.6
        ("augmented", "larger"): [99, 99, 99, 98, 96, 91],           # never: later
    })
    changes = break_changes(curves).set_index("transform")
    assert changes["change"].to_dict() == {"shift": "later", "noise": "earlier", "rotation": "unchanged",
                                           "smaller": "later", "larger": "later"}
    assert changes.loc["larger", "break"] is None and changes.loc["shift", "break"] == 5
    assert break_summary(curves) == [
        "Break (first level below 90%) of augmented vs default: later (at a harsher level) for shift (3 -> 5), "
        "smaller (0.7 -> 0.6), larger (1.6 -> never below 90%); earlier (at a milder level) for noise (0.3 -> 0.2); "
        "at the same level for rotation (30)."]
    assert break_changes(curves, reference="augmented").set_index("transform")["change"]["noise"] == "later"
    with pytest.raises(ValueError, match="unknown reference model"):
        break_changes(curves, reference="dropout")
    report = curves_report(curves)
    assert "below 90% from 3, 30.0% at 8;" in report[0] and "The break moves later for augmented (3 -> 5)." in report[0]
    assert "The break moves earlier for augmented (0.3 -> 0.2)." in report[1]
    assert "The break stays at the same level for augmented." in report[2]
    assert not any(".0," in line or ".0;" in line or ".0)" in line for line in report)  # levels without ".0"


def test_curves_table_has_one_compact_table_per_transformation():
    curves = _curves({("default", "shift"): [99, 98, 95, 85, 60, 50, 40, 30.04],
                      ("augmented", "shift"): [99, 99, 98, 97, 93, 85, 60, 30],
                      ("default", "smaller"): [99, 98, 97, 89, 73, 50, 21],
                      ("augmented", "smaller"): [99, 99, 98, 95, 84, 64, 26]})
    lines = curves_table(curves).splitlines()
    assert lines[0] == "shift: shift right (pixels of 28)"
    assert lines[1].split() == ["0", "1", "2", "3", "4", "5", "6", "8"]  # the levels as columns, no ".0"
    assert lines[2].split() == ["default", "99.0", "98.0", "95.0", "85.0", "60.0", "50.0", "40.0", "30.0"]
    assert lines[3].split()[0] == "augmented" and lines[4] == ""
    assert lines[5] == "smaller: scale factor (smaller)" and lines[6].split() == ["1", "0.9", "0.8", "0.7", "0.6", "0.5", "0.4"]
    assert len(lines) == 9  # 4 lines a table (title, levels, two models), a blank line between
    assert format_level(3.0) == "3" and format_level(0.7) == "0.7" and format_level(28) == "28"


def test_normalize_stroke_width_brings_pens_to_mnist_width():
    for size, thickness in ((200, 60), (200, 3), (32, 2)):  # widths outside 1.2-6.0 px are brought to 2.5
        steps = lh.preprocess_steps(lh.draw_digit(7, size=size, thickness=thickness))
        field = steps["28x28 centred"] / 255
        assert lh.stroke_width(field)[0] == pytest.approx(MNIST_STROKE_WIDTH, rel=0.35), (size, thickness)
    before = lh.preprocess_steps(lh.draw_digit(7, size=200, thickness=60), normalize_stroke=False)
    assert lh.stroke_width(before["28x28 centred"] / 255)[0] > 2.2 * MNIST_STROKE_WIDTH  # the marker blob
    thin = np.zeros((40, 30), dtype=np.float32)
    thin[:, 14:16] = 1  # 2 of 40 pixels = 1 pixel of a 20-pixel box: thickened, the box grows
    assert normalize_stroke_width(thin).shape[1] > 2
    right = np.zeros((200, 100), dtype=np.float32)
    right[:, 38:63] = 1  # 25 of 200 pixels = 2.5 of 20: MNIST's width, left alone
    assert np.array_equal(normalize_stroke_width(right), right)


def _plus(side: int, width: int) -> np.ndarray:
    """A plus sign cropped to its ink: two bars ``width`` pixels wide crossing in a ``side``-pixel square."""
    plus = np.zeros((side, side), dtype=np.float32)
    start = (side - width) // 2
    plus[start:start + width, :] = 1
    plus[:, start:start + width] = 1
    return plus


@pytest.mark.parametrize("side, width, tolerance", [
    (300, 4, 0.15), (400, 3, 0.15), (60, 1, 0.15),  # thin pens, thickened (small ones upscaled first)
    (200, 80, 0.3), (160, 60, 0.3),  # fat markers, thinned (the discrete erosion reads ~0.1-0.3 px wide)
])
def test_normalized_width_is_the_target_once_scaled_to_the_box(side, width, tolerance):
    """Growing the ink by r widens the strokes by 2r and the box by 2r too: r solves
    (w + 2r) / (L + 2r) = target / 20, so a plus sign (whose box grows with its strokes) comes out
    at MNIST's 2.5 px in the 20-pixel box. Leaving the box's growth out of r gives 2.2 for the
    thin pens and 3.3-3.6 for the markers."""
    plus = _plus(side, width)
    assert not MNIST_WIDTH_RANGE[0] <= box_stroke_width(plus) <= MNIST_WIDTH_RANGE[1]
    assert box_stroke_width(normalize_stroke_width(plus)) == pytest.approx(MNIST_STROKE_WIDTH, abs=tolerance)


def test_drawn_digit_set_is_fixed():
    a = drawn_digit_set(repeats=1, styles=[(64, 3)])
    b = drawn_digit_set(repeats=1, styles=[(64, 3)])
    assert len(a) == 10 and a["digit"].tolist() == list(range(10))
    assert all(np.array_equal(np.asarray(x), np.asarray(y)) for x, y in zip(a["image"], b["image"]))
    assert len(drawn_digit_set()) == 3 * 10 * len(DRAWN_STYLES)


@pytest.fixture(scope="module")
def shipped_model():
    """The reference LeNet-5 shipped in lenet_helpers/reference (no training, no MNIST needed)."""
    model, _ = lh.load_checkpoint(reference_checkpoint())
    return model.eval()


@pytest.mark.parametrize("name", ["lenet5_1998", "mlp"])
def test_drawn_readings_prepare_each_network_its_own_input(name):
    """lenet5_1998 pads 28 to 32 (not a resize), the MLP takes 28x28: each is read in its own preprocessing."""
    lh.set_seed(0)
    model = lh.build_model(name).eval()
    drawn = drawn_digit_set(repeats=1, styles=[(64, 3)])
    out = lh.drawn_readings(model, drawn)
    x = torch.stack([lh.load_image(img, model=model) for img in drawn["image"]])
    assert out["predicted"].tolist() == lh.predict(model, x)[0].tolist()
    assert x.shape[1:] == model.input_shape


@pytest.mark.parametrize("size, thickness", [(200, 40), (200, 28), (200, 2), (64, 10)])
def test_shipped_model_reads_thick_markers_and_thin_pens(shipped_model, size, thickness):
    """The drawn set's extremes through lh.predict_image: before the page reading and the stroke
    step agreed, these read 10, 8, 7 and 6 of 10 (a marker's ink taken for paper, a 2-pixel
    pen cut by the speck filter)."""
    drawn = drawn_digit_set(repeats=1, styles=[(size, thickness)])
    read = [lh.predict_image(shipped_model, img)[0] for img in drawn["image"]]
    assert sum(r == d for r, d in zip(read, drawn["digit"])) >= 9, read


@pytest.mark.parametrize("thickness", [40, 2])
def test_the_page_reading_keeps_all_the_ink_of_a_marker_and_a_thin_pen(thickness):
    """The ink found is the ink drawn: a 40-pixel marker is not read as paper (polarity, paper
    window wider than the strokes) and a 2-pixel pen is not cut by the 3x3 speck filter."""
    for d in range(10):
        steps = lh.preprocess_steps(lh.draw_digit(d, size=200, thickness=thickness, seed=d), normalize_stroke=False)
        drawn = steps["original"] < 0.5
        found = steps["ink bright"] > 0
        assert (found & drawn).sum() >= 0.98 * drawn.sum(), (d, thickness)
        assert (found & ~drawn).sum() <= 0.02 * drawn.sum(), (d, thickness)


def test_stroke_width_of_strokes_along_the_crops_edge():
    """A digit cropped to its ink touches its box: those strokes are measured at their width, not twice it."""
    edge = np.zeros((40, 20), dtype=np.float32)
    edge[:, :4] = 1
    assert lh.stroke_width(edge)[0] == pytest.approx(4, abs=0.5)
    assert lh.stroke_width(np.ones((40, 4), dtype=np.float32))[0] == pytest.approx(4, abs=0.5)


def test_a_width_mnist_itself_holds_is_left_as_written():
    """Real handwriting whose strokes lie within MNIST's range is not redrawn (thinning broke thin parts)."""
    thick = np.zeros((200, 100), dtype=np.float32)
    thick[:, 30:75] = 1  # 45 of 200 pixels = 4.5 of 20: a thick but MNIST-like stroke
    assert MNIST_WIDTH_RANGE[0] < 4.5 < MNIST_WIDTH_RANGE[1]
    assert np.array_equal(normalize_stroke_width(thick), thick)
    thin = np.zeros((200, 100), dtype=np.float32)
    thin[:, 48:52] = 1  # 0.4 of 20: far thinner than MNIST's thinnest, thickened
    assert normalize_stroke_width(thin).shape[1] > 4


def test_box_stroke_width_is_what_the_step_decides_on():
    """The step leaves a digit whose box_stroke_width lies in MNIST's range as drawn and redraws one outside it;
    the 28x28 field's width (what notebook 13's table prints) can disagree with it near the edges."""
    low, high = lh.MNIST_WIDTH_RANGE
    seen = {"inside": 0, "outside": 0}
    for size, pen in [(200, 4), (200, 8), (200, 16), (200, 40), (32, 1), (32, 5)]:
        cropped = np.asarray(lh.preprocess_steps(lh.draw_digit(4, size=size, thickness=pen, seed=1))["cropped"],
                             dtype=np.float32)
        measured = lh.box_stroke_width(cropped)
        kept = np.array_equal(normalize_stroke_width(cropped), cropped)
        assert kept == (low <= measured <= high), (size, pen, measured)
        seen["inside" if kept else "outside"] += 1
    assert seen["inside"] >= 2 and seen["outside"] >= 2
    assert np.isnan(lh.box_stroke_width(np.zeros((40, 30), dtype=np.float32)))


def test_a_single_digit_or_model_inputs_are_refused_in_one_line():
    """The lab's functions take (N, 28, 28): one (28, 28) digit gave a wrong shape or a torch error deep inside."""
    digit = torch.rand(28, 28)
    for call in (lambda: shift(digit, 1), lambda: thicker(digit, 1), lambda: resolution(digit, 14),
                 lambda: to_model_input(digit), lambda: transform("rotation", digit, 10)):
        with pytest.raises(ValueError, match=r"shape \(N, 28, 28\).*got Tensor of shape \(28, 28\); for one digit "
                                             r"use digit\.unsqueeze\(0\)"):
            call()
    with pytest.raises(ValueError, match=r"images\.squeeze\(1\)"):
        to_model_input(digit[None, None])
    assert shift(digit[None], 1).shape == (1, 28, 28) and to_model_input(digit[None]).shape == (1, 1, 32, 32)
