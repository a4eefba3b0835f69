"""The sketchpad's drawing-to-prediction path (strokes as point lists) and its widget, without a browser."""
from unittest import mock

import numpy as np
import pytest
import torch

import lenet_helpers as lh
from lenet_helpers.digits.sketchpad import FALLBACK_LINE, NO_INK_MESSAGE, PEN_WIDTH
from lenet_helpers.training.checkpoint import save_checkpoint
from lenet_helpers.digits.sketchpad import reading_panel
from lenet_helpers.digits.synthetic import rasterize_strokes

SEVEN = lh.EXAMPLE_STROKES["7 without a bar"]


def test_a_drawn_seven_is_read_as_seven(trained_model):
    model, _ = trained_model
    reading = lh.predict_strokes(model, SEVEN)
    assert isinstance(reading, lh.DigitReading)
    assert reading.digit == 7, f"{reading}; probabilities {reading.probabilities}"
    assert reading.probabilities.shape == (10,) and float(reading.probabilities.sum()) == pytest.approx(1, abs=1e-5)
    assert str(reading) == f"read as 7 ({lh.readings.format_confidence(reading.confidence)})"
    assert tuple(reading.maps["conv1"].shape) == (6, 28, 28)
    assert tuple(reading.maps["conv2"].shape) == (16, 10, 10)


def test_the_example_drawings_are_read_as_their_digit(trained_model):
    model, _ = trained_model
    for name, strokes in lh.EXAMPLE_STROKES.items():
        assert lh.predict_strokes(model, strokes).digit == int(name[0]), name


def test_an_empty_canvas_says_there_is_no_ink():
    model = lh.LeNet5().eval()
    for strokes in ([], [[]], [[], []], [[[-50, -50], [-40, -60]]]):  # nothing, or only off the canvas
        reading = lh.predict_strokes(model, strokes)
        assert isinstance(reading, lh.NoInk), strokes
        assert str(reading) == NO_INK_MESSAGE
    assert reading_panel(lh.NoInk()) == {"status": "noink", "message": NO_INK_MESSAGE}


def test_the_drawing_is_preprocessed_exactly_as_notebook_09():
    model = lh.LeNet5().eval()
    reading = lh.predict_strokes(model, SEVEN)
    expected = lh.load_image(rasterize_strokes(SEVEN), model=model)
    assert torch.equal(reading.steps["model input"], expected)
    assert reading.steps["28x28 centred"].shape == (28, 28)


TWO_SEVENS = [[[30, 60], [110, 60], [60, 220]], [[170, 60], [250, 60], [200, 220]]]  # two digits side by side


def test_a_drawing_gets_the_same_warnings_as_a_file(trained_model):
    """Two digits on the canvas, or a mark running off its edge: read as notebook 09 reads a file, warnings
    and all, and the panel shows them under the answer; a clean 7 has none."""
    model, _ = trained_model
    for strokes, expected in ((TWO_SEVENS, "2 separate marks"), ([[[0, 20], [279, 20], [140, 279]]], "touches the edge")):
        reading = lh.predict_strokes(model, strokes)
        assert reading.warnings == lh.read_digit(model, rasterize_strokes(strokes)).warnings
        assert reading.uncertain and any(expected in w for w in reading.warnings), reading.warnings
        assert reading_panel(reading)["warnings"] == list(reading.warnings)
    clean = lh.predict_strokes(model, SEVEN)
    assert reading_panel(clean)["warnings"] == list(clean.warnings)
    assert not any("separate marks" in w or "edge" in w for w in clean.warnings)


def test_strokes_are_drawn_with_the_canvas_pen():
    img = np.asarray(rasterize_strokes([[[40, 140], [240, 140]]]))
    assert img.shape == (280, 280) and img[0, 0] == 255
    column = img[:, 140] < 128  # ink across a horizontal line: the pen's width
    assert abs(int(column.sum()) - PEN_WIDTH) <= 2
    dot = np.asarray(rasterize_strokes([[[100, 100]]]))
    assert (dot < 128).sum() == pytest.approx(np.pi * (PEN_WIDTH / 2) ** 2, rel=0.2)
    with pytest.raises(ValueError, match="list of \\(x, y\\) points"):
        rasterize_strokes([[1, 2, 3]])


def test_the_panel_holds_the_answer_bars_and_maps():
    model = lh.LeNet5().eval()
    panel = reading_panel(lh.predict_strokes(model, SEVEN))
    assert panel["status"] == "ok" and panel["digit"] == int(np.argmax(panel["probabilities"]))
    assert len(panel["bars"]) == 10 and panel["confidence"] == panel["bars"][panel["digit"]]
    captions = [c for c, _ in panel["images"]]
    assert captions[0].startswith("28x28") and captions[1] == "model input 32x32"
    assert captions[2].startswith("conv1: 6 maps") and captions[3].startswith("conv2: 16 maps")
    assert all(url.startswith("data:image/png;base64,") for _, url in panel["images"])
    assert panel["note"] == ""


def test_every_registered_architecture_reads_a_drawing():
    for name in lh.available_models():
        model = lh.build_model(name).eval()
        reading = lh.predict_strokes(model, SEVEN)
        assert isinstance(reading, lh.DigitReading), name
        assert tuple(reading.steps["model input"].shape) == tuple(model.input_shape), name
        panel = reading_panel(reading, name)
        has_conv = all(k in model.feature_layers for k in ("conv1", "conv2"))
        assert set(reading.maps) == ({"conv1", "conv2"} if has_conv else set()), name
        assert (panel["note"] == "") == has_conv, name
    panel = reading_panel(lh.predict_strokes(lh.build_model("mlp").eval(), SEVEN), "mlp")
    assert "mlp has no conv1 or conv2 layer" in panel["note"] and len(panel["images"]) == 2


def test_the_widget_reads_each_drawing_it_is_sent():
    pad = lh.Sketchpad(lh.LeNet5().eval())
    assert pad.result["status"] == "noink" and pad.result["message"] == NO_INK_MESSAGE
    # what the front end does after a stroke: new strokes, then the next request number
    pad.strokes = SEVEN
    pad.seq = 1
    assert pad.result["status"] == "ok" and pad.result["seq"] == 1
    assert isinstance(pad.reading, lh.DigitReading)
    pad.clear()
    assert pad.strokes == [] and pad.result["status"] == "noink" and pad.result["seq"] == 2
    assert isinstance(pad.draw(SEVEN), lh.DigitReading) and pad.result["seq"] == 3


def test_the_widget_tells_front_ends_without_widgets_how_to_predict_a_file():
    pad = lh.Sketchpad(lh.LeNet5().eval())
    data = pad._repr_mimebundle_()
    bundle = data[0] if isinstance(data, tuple) else data
    assert bundle["text/plain"] == "" and "application/vnd.jupyter.widget-view+json" in bundle
    with mock.patch("IPython.display.display") as display:
        pad._ipython_display_()
    (line, _), (widget, _) = [(c.args[0], c.kwargs) for c in display.call_args_list]
    assert line["text/plain"] == FALLBACK_LINE and "lenet-sketchpad-fallback" in line["text/html"]
    assert "application/vnd.jupyter.widget-view+json" in widget
    assert "predict_image" in FALLBACK_LINE and "python -m lenet_helpers predict" in FALLBACK_LINE


def test_the_widget_loads_the_series_checkpoint(artifacts):
    pad = lh.Sketchpad()  # no model of yours yet: the reference model shipped with lenet_helpers
    assert "reference model" in pad.model_name
    model = lh.build_model("lenet5_modern").eval()
    save_checkpoint(artifacts / "elsewhere.pt", model)
    pad = lh.Sketchpad(checkpoint=artifacts / "elsewhere.pt")
    assert "lenet5_modern" in pad.model_name and "elsewhere.pt" in pad.model_name
    assert torch.equal(pad.model.conv1.weight, model.conv1.weight)


def test_plot_reading_draws_the_panel():
    import matplotlib.pyplot as plt

    fig = lh.plot_reading(lh.predict_strokes(lh.LeNet5().eval(), SEVEN))
    assert len(fig.axes) == 4 + 6 + 16
    plt.close(fig)
    with pytest.raises(TypeError, match="nothing to plot"):
        lh.plot_reading(lh.NoInk())
    # a reading of a file or photo (read_digit) has no canvas: its picture as read is shown (it raised before)
    fig = lh.plot_reading(lh.read_digit(lh.LeNet5().eval(), lh.draw_digit(3, size=120, seed=0)))
    assert fig.axes[0].get_title() == "your picture" and len(fig.axes) == 4
    plt.close(fig)


def test_margin_is_the_gap_between_the_two_largest_logits():
    """DigitReading.margin is the gap between the two largest logits (ln p1 - ln p2)."""
    logits = torch.tensor([1.0, 9.0, 2.0, 0, 0, 0, 0, 0, 0, 0]) + 3.0
    reading = lh.DigitReading(1, torch.softmax(logits, 0))
    assert reading.runner_up == 2 and reading.margin == pytest.approx(7.0, abs=1e-4)
    assert str(reading) == "read as 1 (99.8%)"
