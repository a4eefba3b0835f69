import matplotlib

matplotlib.use("Agg")  # tests only: headless drawing
import matplotlib.pyplot as plt
import pandas as pd
import pytest
import torch

import lenet_helpers as lh


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_learning_curves_draw_on_given_axes(artifacts):
    h = pd.DataFrame({"epoch": [1, 2, 3], "train_loss": [0.3, 0.1, 0.05], "valid_loss": [0.2, 0.05, 0.09],
                      "train_acc": [91.0, 97.0, 99.5], "valid_acc": [95.0, 98.6, 98.4], "seconds": [1, 1, 1]})
    fig, axes = plt.subplots(1, 2)
    ax_loss, ax_acc = lh.plot_learning_curves(h, axes=axes)
    assert ax_loss is axes[0] and len(ax_acc.lines) == 3
    assert list(ax_acc.lines[1].get_ydata()) == [95.0, 98.6, 98.4]
    assert ax_acc.lines[2].get_xdata()[0] == 2  # best valid epoch marked
    path = lh.save_figure(fig, "test_curves")
    assert path == artifacts / "figures" / "test_curves.png" and path.stat().st_size > 1000


def test_predictions_are_blue_when_right_red_when_wrong():
    probs = torch.softmax(torch.randn(3, 10), 1)
    predicted = probs.argmax(1)
    labels = predicted.clone()
    labels[1] = (labels[1] + 1) % 10
    axes = lh.plot_predictions(torch.zeros(3, 1, 32, 32), labels, predicted, probs)
    colors = [ax.title.get_color() for ax in axes]
    assert colors == ["tab:blue", "tab:red", "tab:blue"]
    assert axes[0].get_title() == f"{int(predicted[0])} ({lh.format_confidence(probs[0, predicted[0]])})"


def test_confidence_never_claims_certainty():
    assert lh.format_confidence(0.878) == "87.8%"
    assert lh.format_confidence(0.9994) == "99.9%"
    assert lh.format_confidence(0.99996) == ">99.9%" and lh.format_confidence(1.0) == ">99.9%"
    assert lh.format_confidence(torch.tensor(0.5)) == "50.0%"
    with pytest.raises(ValueError, match="softmax outputs"):
        lh.format_confidence(87.8)


def test_confusion_heatmap_has_counts_and_labels():
    cm = lh.confusion_matrix([0, 1, 2, 2], [0, 1, 2, 1])
    ax = lh.plot_confusion_matrix(cm)
    assert ax.get_xlabel() == "predicted digit" and ax.get_ylabel() == "actual digit"
    assert len(ax.texts) == 100


def test_feature_map_and_vector_plots():
    fig = plt.figure()
    axes = lh.plot_feature_maps(torch.randn(6, 28, 28), ncols=6, fig=fig)
    assert len(axes) == 6
    ax = lh.plot_vector(torch.randn(120), (10, 12), annotate=True)
    assert ax.images[0].get_array().shape == (10, 12) and len(ax.texts) == 120
    assert len(lh.plot_kernels(torch.randn(6, 5, 5))) == 6


def test_per_class_errors_start_at_zero_and_label_count_and_rate():
    cm = lh.confusion_matrix([0] * 100 + [7] * 50, [0] * 96 + [6] * 4 + [7] * 49 + [1])
    ax = lh.plot_per_class_errors(lh.per_class_accuracy(cm))
    heights = [bar.get_height() for bar in ax.patches]
    assert heights[0] == 4 and heights[7] == 1 and sum(heights) == 5
    assert ax.get_ylim()[0] == 0
    labels = [t.get_text() for t in ax.texts]
    assert labels[0] == "4 (4.00%)" and labels[7] == "1 (2.00%)" and labels[3] == "0"  # no 3s at all
    assert "5 of 150 images, 3.33%" in ax.get_title()
