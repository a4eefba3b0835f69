import matplotlib

matplotlib.use("Agg")  # tests only: headless drawing
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import torch

import lenet_helpers as lh
from lenet_helpers.data.distortions import TRANSFORMS
from lenet_helpers.plots import explain as px
from lenet_helpers.plots import figures
from lenet_helpers.plots import network as pn


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
    assert ax_loss.get_yscale() == "log"  # the train-valid gap of small losses stays visible
    path = lh.save_figure(fig, "test_curves")
    assert path == artifacts / "figures" / "test_curves.png" and path.stat().st_size > 1000


def test_learning_curves_of_a_long_run_keep_matplotlib_s_ticks():
    """More than 15 epochs (solution 05 trains 40): no tick per epoch, and no error (it raised one)."""
    n = 40
    fig, axes = plt.subplots(1, 2)
    ax_loss, ax_acc = lh.plot_learning_curves(_history(n), axes=axes)
    assert len(ax_acc.lines[0].get_xdata()) == n and len(ax_acc.get_xticks()) < n
    plt.close(fig)


def test_predictions_are_blue_when_right_red_when_wrong():
    probs = torch.softmax(torch.randn(3, 10), 1)
    predicted = probs.argmax(1)
    labels = predicted.clone()
    labels[1] = (labels[1] + 1) % 10
    axes = lh.plot_predictions(torch.zeros(3, 1, 32, 32), labels, predicted, probs)
    colors = [ax.title.get_color() for ax in axes]
    assert colors == ["tab:blue", "tab:red", "tab:blue"]
    assert axes[0].get_title() == f"{int(predicted[0])} ({lh.readings.format_confidence(probs[0, predicted[0]])})"
    assert axes[1].get_title().endswith(f"\ntrue {int(labels[1])}")
    # a gallery gives the true digit under every reading, in the same form as a sample's red title
    gallery = lh.plot_predictions(torch.zeros(3, 1, 32, 32), labels, predicted, probs, show_true=True)
    assert [ax.get_title().split("\n")[1] for ax in gallery] == [f"true {int(t)}" for t in labels]
    assert gallery[1].get_title() == axes[1].get_title()
    # unsure right answers: the second line names the runner-up and its probability
    unsure = lh.plot_predictions(torch.zeros(3, 1, 32, 32), predicted, predicted, probs, show_runner_up=True)
    runner_up = probs.topk(2, 1).indices[:, 1]
    assert [ax.get_title().split("\n")[1] for ax in unsure] == [
        f"2nd: {int(r)} ({lh.readings.format_confidence(probs[k, r])})" for k, r in enumerate(runner_up)]
    assert all(ax.get_title().count("\n") == 1 for ax in unsure)  # right answers: no "true" line


def test_a_confused_pair_shows_each_direction_in_rows_of_its_own():
    """07's figure: 5 digits of 4 read as 9 fill the top row (6 a row) alone; the 9s read as 4 start a row below."""
    labels = torch.tensor([4] * 5 + [9] * 4 + [1] * 3)
    predicted = torch.tensor([9] * 5 + [4] * 4 + [1] * 3)
    probs = torch.nn.functional.one_hot(predicted, 10).float() * 0.9 + 0.01
    fig = lh.plot_confused_pair(torch.rand(12, 1, 32, 32), labels, predicted, probs, 4, 9)
    subs = fig.subfigs
    assert [s._suptitle.get_text() for s in subs] == ["4 read as 9: 5 shown of 5", "9 read as 4: 4 shown of 4"]
    fig.canvas.draw()
    shown = [[ax for ax in s.axes if ax.get_title()] for s in subs]
    assert [len(a) for a in shown] == [5, 4]
    assert all(ax.get_title().endswith("true 4") for ax in shown[0]) and all(
        ax.get_title().endswith("true 9") for ax in shown[1])
    lowest_top = min(ax.get_window_extent().y0 for ax in shown[0])
    assert all(ax.get_window_extent().y1 < lowest_top for ax in shown[1])  # the other direction starts below
    assert figures.small_text(fig) == []
    one_way = lh.plot_confused_pair(torch.rand(5, 1, 32, 32), labels[:5], predicted[:5], probs[:5], 4, 9)
    assert [s._suptitle.get_text() for s in one_way.subfigs] == ["4 read as 9: 5 shown of 5"]
    with pytest.raises(ValueError, match="choose a pair"):
        lh.plot_confused_pair(torch.rand(12, 1, 32, 32), labels, predicted, probs, 2, 3)


def test_confidence_never_claims_certainty():
    assert lh.readings.format_confidence(0.878) == "87.8%"
    assert lh.readings.format_confidence(0.9994) == "99.9%"
    assert lh.readings.format_confidence(0.99996) == ">99.9%" and lh.readings.format_confidence(1.0) == ">99.9%"
    assert lh.readings.format_confidence(torch.tensor(0.5)) == "50.0%"
    assert lh.readings.format_confidence(1e-6) == "<0.1%" and lh.readings.format_confidence(0.0) == "<0.1%"
    with pytest.raises(ValueError, match="softmax outputs"):
        lh.readings.format_confidence(87.8)


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


def _cbar_label(ax):
    """The label of the colour bar drawn for ``ax``'s image (the shared one for a grid of panels)."""
    return ax.images[0].colorbar.ax.get_ylabel()


def test_network_figures_have_a_title_and_a_separate_colour_bar_label():
    axes = lh.plot_feature_maps(torch.randn(6, 28, 28), ncols=6, title="conv1 maps",
                                cbar_label="activation (tanh output, -1 to 1)")
    assert axes[0].figure.get_suptitle() == "conv1 maps"
    assert _cbar_label(axes[-1]) == "activation (tanh output, -1 to 1)"
    assert _cbar_label(lh.plot_feature_maps(torch.randn(6, 28, 28), ncols=6)[-1]) == "activation"  # never empty
    kernels = lh.plot_kernels(torch.randn(6, 5, 5), title="lenet5 conv1")  # notebook 10's call
    assert kernels[0].figure.get_suptitle() == "lenet5 conv1" and _cbar_label(kernels[-1]) == "kernel weight"
    fig = plt.figure(layout="constrained")
    sub = fig.subfigures(2, 1)[1]  # a subfigure gets its own title
    assert lh.plot_kernels(torch.randn(6, 5, 5), fig=sub, ncols=6, annotate=False)[0].figure.get_suptitle() == "conv1 kernels"
    ax = lh.plot_vector(torch.randn(10), (1, 10), title="fc2 outputs", cbar_label="logit", labels=range(10))
    assert ax.get_title() == "fc2 outputs" and _cbar_label(ax) == "logit"
    assert _cbar_label(lh.plot_vector(torch.rand(4), (2, 2))) == "value"


def _contrasts(ax):
    """Contrast ratio of each annotation with the colour of the cell it is written in."""
    im = ax.images[0]
    values = im.get_array()
    ratios = []
    for t in ax.texts:
        j, i = t.get_position()
        cell = im.cmap(im.norm(values[int(round(i)), int(round(j))]))
        ratios.append(pn.contrast_ratio(t.get_color(), cell))
    return ratios


@pytest.mark.parametrize("cmap", ["viridis", "RdBu_r", "Blues"])
def test_annotations_contrast_with_their_cells(cmap):
    values = np.linspace(-1, 1, 100)
    ax = lh.plot_vector(values, (10, 10), annotate=True, cmap=cmap)
    ratios = _contrasts(ax)
    assert len(ratios) == 100 and min(ratios) >= 4.5  # WCAG's minimum for normal text
    colours = {t.get_color() for t in ax.texts}
    assert colours == {"white", "black"}  # dark and light cells both occur on these scales
    if cmap == "viridis":  # viridis is dark at the low end: white there, black at the bright top
        assert ax.texts[0].get_color() == "white" and ax.texts[-1].get_color() == "black"
    kernels = lh.plot_kernels(torch.linspace(-0.6, 0.6, 150).reshape(6, 5, 5))
    assert all(min(_contrasts(k)) >= 4.5 for k in kernels)
    assert pn.text_colour("black") == "white" and pn.text_colour("white") == "black"
    assert pn.text_colour((0, 0, 0, 0)) == "black"  # a transparent (NaN) cell shows the white axes


def test_conv3_grid_numbers_its_units():
    axes = lh.plot_feature_maps(torch.randn(120, 1, 1), ncols=12, panel_titles=False)
    rows = {k: [t.get_text() for t in axes[k].texts if t.get_position()[0] < 0] for k in range(120)}
    cols = {k: [t.get_text() for t in axes[k].texts if t.get_position()[1] > 1] for k in range(120)}
    for k in range(120):  # unit k: the row labelled k - k % 12, the column labelled +(k % 12)
        assert rows[k - k % 12] == [str(k - k % 12)] and cols[k % 12] == [f"+{k % 12}"]
        assert not any(t.get_text() for t in axes[k].texts) or k % 12 == 0 or k < 12
    assert not any(ax.get_title() for ax in axes)
    assert [ax.get_title() for ax in lh.plot_feature_maps(torch.randn(3, 5, 5), ncols=3)] == ["map 0", "map 1", "map 2"]
    zoom = lh.plot_vector(torch.randn(120), (10, 12), row_labels=range(0, 120, 12))
    assert [t.get_text() for t in zoom.get_yticklabels()] == [str(k) for k in range(0, 120, 12)]


def test_per_class_errors_start_at_zero_and_label_count_and_rate():
    cm = lh.confusion_matrix([0] * 100 + [7] * 50, [0] * 96 + [6] * 4 + [7] * 49 + [1])
    ax = lh.plot_per_class_errors(lh.per_class_accuracy(cm))
    heights = [bar.get_height() for bar in ax.patches]
    assert heights[0] == 4 and heights[7] == 1 and sum(heights) == 5
    assert ax.get_ylim()[0] == 0
    labels = [t.get_text() for t in ax.texts]
    assert labels[0] == "4\n(4.00%)" and labels[7] == "1\n(2.00%)" and labels[3] == "0"  # no 3s at all
    assert "5 of 150 images, 3.33%" in ax.get_title()


# --- Legibility: every helper's figure, as a notebook composes it, has text >= 10 pt as displayed
# (font size x min(1, 10 in / drawn width): a notebook column is ~1,000 px at 100 px per inch;
# see lenet_helpers/plotting.py's module docstring for the rule).
def _history(epochs=15):
    e = torch.arange(1, epochs + 1).float()
    return pd.DataFrame({"epoch": e.int().numpy(), "train_loss": (0.3 / e).numpy(), "valid_loss": (0.2 / e).numpy() + 0.03,
                         "train_acc": (100 - 3 / e).numpy(), "valid_acc": (99 - 2 / e).numpy(), "seconds": 1.0})


def _histories():
    """Eight networks' histories; "slow" stays about 40 points under the others (like lenet_gap after 2 epochs)."""
    runs = {f"net{k}": _history(2) for k in range(7)}
    slow = _history(2)
    slow["valid_acc"] = [50.6, 59.8]
    return {**runs, "slow": slow}


def _overlap():
    names = [f"net{k}" for k in range(8)]
    shared = pd.DataFrame(150, index=names, columns=names)
    for k, name in enumerate(names):
        shared.loc[name, name] = 3871 if k == 3 else 300
    shared.iloc[0, 1] = shared.iloc[1, 0] = 60
    return shared


def test_histories_keep_the_axis_on_the_pack_and_name_the_network_left_below():
    ax_loss, ax_acc = lh.plot_histories(_histories())
    texts = [t.get_text() for t in ax_acc.texts]
    assert texts == ["below the axis:\nslow (50.6-59.8%)"]
    assert ax_acc.get_ylim()[0] > 59.8  # the others are not squeezed into a sliver
    legend = ax_acc.figure.legends[0]  # below the panels, not over the curves
    assert [t.get_text() for t in legend.get_texts()] == [f"net{k}" for k in range(7)] + ["slow"]
    ax_loss.figure.canvas.draw()
    assert {t.get_text() for t in ax_loss.get_yticklabels() if t.get_text()} >= {"0.2", "0.3"}  # within one decade
    _, ax_acc = lh.plot_histories({"a": _history(2), "b": _history(2)})
    assert not ax_acc.texts  # nobody far behind: the axis shows everyone
    many = {**_histories(), **{f"slow{k}": _histories()["slow"] for k in range(4)}}
    assert figures.small_text(lh.plot_histories(many)[1].figure) == []  # five far behind still fit the panel


def test_error_overlap_colours_follow_the_shared_mistakes():
    ax = lh.plot_error_overlap(_overlap())
    mesh = ax.collections[0]
    assert mesh.norm.vmax == 150 and mesh.norm.vmin == 0  # the largest off-diagonal count, not 3871
    # the diagonal is not coloured on that scale: grey squares, each with the network's own count
    colored = mesh.get_array()
    assert np.ma.count_masked(colored) == 8
    assert sorted(t.get_text() for t in ax.texts if t.get_text() in {"300", "3871"}) == ["300"] * 7 + ["3871"]
    assert sum(p.get_facecolor()[:3] == (0.85, 0.85, 0.85) for p in ax.patches) == 8


def _cm():
    g = torch.Generator().manual_seed(0)
    labels = torch.randint(0, 10, (10000,), generator=g)
    predicted = torch.where(torch.rand(10000, generator=g) < 0.99, labels, torch.randint(0, 10, (10000,), generator=g))
    return lh.confusion_matrix(labels, predicted)


def _digit():
    img = torch.zeros(28, 28, dtype=torch.uint8)
    img[4:24, 6:22] = torch.randint(1, 256, (20, 16), generator=torch.Generator().manual_seed(0)).to(torch.uint8)
    return img.numpy()


def _preds(n, wrong_every=3):
    probs = torch.softmax(4 * torch.randn(n, 10, generator=torch.Generator().manual_seed(1)), 1)
    predicted = probs.argmax(1)
    labels = torch.where(torch.arange(n) % wrong_every == 0, (predicted + 1) % 10, predicted)
    return torch.rand(n, 1, 32, 32), labels, predicted, probs


FIGURES = {
    "digit_pixels": lambda: lh.plot_digit_pixels(_digit(), label=5).figure,
    "sample_grid": lambda: lh.plot_images(torch.rand(32, 28, 28), titles=[f"label {k % 10}" for k in range(32)])[0].figure,
    "class_counts": lambda: lh.plot_class_counts(torch.randint(0, 10, (60000,))).figure,
    "learning_curves": lambda: lh.plot_learning_curves(_history())[0].figure,
    "predictions": lambda: lh.plot_predictions(*_preds(32))[0].figure,
    "mistakes": lambda: lh.plot_predictions(*_preds(24, 1), show_true=True)[0].figure,
    "unsure": lambda: lh.plot_predictions(*_preds(32, 100), show_runner_up=True)[0].figure,
    "confusion_matrix": lambda: lh.plot_confusion_matrix(_cm()).figure,
    "per_class_errors": lambda: lh.plot_per_class_errors(lh.per_class_accuracy(_cm())).figure,
    "conv1_maps": lambda: lh.plot_feature_maps(torch.randn(6, 28, 28), ncols=6, title="conv1: six 28x28 maps",
                                               cbar_label="activation (tanh output, -1 to 1)")[0].figure,
    "conv2_maps": lambda: lh.plot_feature_maps(torch.randn(16, 10, 10), ncols=8, title="conv2: sixteen 10x10 maps",
                                               cbar_label="activation (tanh output, -1 to 1)")[0].figure,
    "conv3_maps": lambda: lh.plot_feature_maps(torch.randn(120, 1, 1), ncols=12, panel_titles=False,
                                               title="conv3: 120 maps of 1x1 (unit = row label + column label)",
                                               cbar_label="activation (tanh output, -1 to 1)")[0].figure,
    "conv3_zoom": lambda: lh.plot_vector(torch.randn(120), (10, 12), annotate=True, row_labels=range(0, 120, 12),
                                         title="conv3: the 120 values as a 10x12 grid",
                                         cbar_label="activation (tanh output, -1 to 1)").figure,
    "similarity": lambda: lh.plot_vector(np.random.default_rng(0).uniform(-0.2, 0.8, 100), (10, 10), annotate=True,
                                         labels=range(10), cmap="viridis", title="conv3 code similarity",
                                         cbar_label="mean cosine similarity").figure,
    "logits": lambda: lh.plot_vector(torch.randn(10), (1, 10), annotate=True, labels=range(10), title="logits",
                                     cbar_label="logit").figure,
    "kernels": lambda: lh.plot_kernels(torch.randn(6, 5, 5))[0].figure,
    "preprocessing_steps": lambda: lh.plot_steps(
        {"original": torch.rand(200, 180), "cropped": torch.rand(116, 75), "20x20 box": torch.rand(20, 13),
         "28x28 centred": torch.rand(28, 28), "model input": torch.rand(1, 32, 32)},
        names={"20x20 box": "scaled to fit 20x20"})[0].figure,
    "histories": lambda: lh.plot_histories(_histories())[0].figure,
    "error_overlap": lambda: lh.plot_error_overlap(_overlap()).figure,
    # notebooks 12-13 (lenet_helpers/plotting_explain.py), at the sizes the notebooks use
    "attributions": lambda: px.plot_attributions(torch.rand(6, 1, 32, 32), torch.rand(6, 32, 32),
                                                 torch.randn(6, 32, 32), ["test #1234: true 4, read 9\np(true) = 12.3%"] * 6)[0, 0].figure,
    "attribution_pairs": lambda: px.plot_attributions(
        torch.rand(6, 1, 32, 32), torch.rand(6, 32, 32), torch.randn(6, 32, 32),
        ["test #1234\ntrue 4, read 9\np(true) = 12.3%"] * 6, share_scale=2, per_row=2,
        occlusion_title="occlusion:\ndrop in p(true)")[0, 0].figure,
    "error_explorer": lambda: px.plot_error_explorer(
        torch.rand(6, 1, 32, 32), torch.arange(6), _preds(6)[3], torch.randn(6, 32, 32), torch.rand(6, 5, 1, 32, 32),
        torch.randint(0, 10, (6, 5)).numpy(), 10 * torch.rand(6, 5).numpy())[0, 0].figure,
    "transformations": lambda: px.plot_transform_examples(torch.rand(28, 28), TRANSFORMS)[0, 0].figure,
    "invariance_curves": lambda: px.plot_invariance_curves(pd.DataFrame(
        [{"model": m, "transform": t, "level": lv, "accuracy": 50.0} for m in ("default", "augmented")
         for t, (_, levels, _) in TRANSFORMS.items() for lv in levels]), TRANSFORMS)[0].figure,
}


def test_steps_share_one_panel_size_and_title_their_real_size():
    axes = lh.plot_steps({"a": torch.rand(20, 13), "b": torch.rand(28, 28)})
    fig = axes[0].figure
    fig.canvas.draw()
    boxes = [ax.get_window_extent() for ax in axes]
    assert boxes[0].width == pytest.approx(boxes[1].width) and boxes[0].height == pytest.approx(boxes[1].height)
    assert axes[0].get_title() == "a\n20x13 pixels"


def test_invariance_curves_read_harsher_to_the_right():
    curves = pd.DataFrame([{"model": m, "transform": t, "level": lv, "accuracy": 50.0} for m in ("default", "augmented")
                           for t, (_, levels, _) in TRANSFORMS.items() for lv in levels])
    axes = px.plot_invariance_curves(curves, TRANSFORMS)
    inverted = {ax.get_title(): ax.xaxis_inverted() for ax in axes if ax.get_title()}
    assert inverted == {t: levels[-1] < levels[0] for t, (_, levels, _) in TRANSFORMS.items()}
    assert inverted["smaller"] and inverted["resolution"] and not inverted["shift"]


def test_attribution_pairs_share_one_colour_scale():
    occ = torch.zeros(4, 32, 32)
    occ[0, 0, 0], occ[1, 0, 0], occ[2, 0, 0], occ[3, 0, 0] = 0.9, -0.1, 0.2, -0.4
    sal = torch.rand(4, 32, 32)
    axes = px.plot_attributions(torch.rand(4, 1, 32, 32), sal, occ, ["a"] * 4, share_scale=2)
    occ_lims = [ax.get_images()[0].get_clim() for ax in axes[:, 2]]
    assert occ_lims == [(pytest.approx(-0.9), pytest.approx(0.9))] * 2 + [(pytest.approx(-0.4), pytest.approx(0.4))] * 2
    sal_lims = [ax.get_images()[0].get_clim()[1] for ax in axes[:, 1]]
    assert sal_lims == [pytest.approx(float(m.max())) for m in sal]  # saliency keeps its own scale
    own = px.plot_attributions(torch.rand(4, 1, 32, 32), sal, occ, ["a"] * 4)
    assert own[1, 2].get_images()[0].get_clim() == (pytest.approx(-0.1), pytest.approx(0.1))


def test_attribution_pairs_sit_side_by_side_with_one_occlusion_bar_per_row():
    """12's figure: each pair (right, misread) in one row, the same scale and one colour bar for its two occlusion
    maps, no panel overlapping another (titles included), and a third of the height of one digit a row."""
    occ = torch.zeros(5, 32, 32)
    occ[0, 0, 0], occ[1, 0, 0], occ[2, 0, 0], occ[3, 0, 0], occ[4, 0, 0] = 0.9, -0.1, 0.2, -0.4, 0.3
    titles = [f"test #{k}\ntrue 4, read 9\np(true) = 12.3%" for k in range(5)]
    colors = ["tab:blue", "tab:red"] * 2 + ["tab:blue"]
    axes = px.plot_attributions(torch.rand(5, 1, 32, 32), torch.rand(5, 32, 32), occ, titles, share_scale=2, per_row=2,
                                title_colors=colors)
    fig = axes[0, 0].figure
    assert axes.shape == (5, 3) and [ax.get_title() for ax in axes[:, 0]] == titles
    assert [ax.title.get_color() for ax in axes[:, 0]] == colors
    fig.canvas.draw()
    boxes = [ax.get_tightbbox() for ax in axes.ravel()]  # panel and its title
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
    rows = [round(ax.get_position().y0, 3) for ax in axes[:, 0]]
    assert rows[0] == rows[1] and rows[2] == rows[3] and rows[0] > rows[2] > rows[4]  # pairs side by side
    occ_lims = [ax.get_images()[0].get_clim()[1] for ax in axes[:, 2]]
    assert occ_lims == [pytest.approx(v) for v in (0.9, 0.9, 0.4, 0.4, 0.3)]
    bars = [ax for ax in fig.axes if ax not in set(axes.ravel()) and ax.get_visible()]
    assert len(bars) == 5 + 3  # a saliency bar per digit, one occlusion bar per row (the last row holds one digit)
    stacked = px.plot_attributions(torch.rand(6, 1, 32, 32), torch.rand(6, 32, 32), torch.randn(6, 32, 32), ["a"] * 6)
    assert fig.get_size_inches()[1] < 0.5 * stacked[0, 0].figure.get_size_inches()[1]
    with pytest.raises(ValueError, match="per_row"):
        px.plot_attributions(torch.rand(2, 1, 32, 32), torch.rand(2, 32, 32), occ[:2], ["a"] * 2, per_row=0)
    assert lh.readings.probability_text("p(true)", 0.9999) == "p(true) > 99.9%"
    assert lh.readings.probability_text("p(true)", 0.13) == "p(true) = 13.0%"


def test_error_explorer_titles_the_true_label_in_blue():
    axes = px.plot_error_explorer(torch.rand(2, 1, 32, 32), torch.tensor([4, 8]), _preds(2)[3], torch.randn(2, 32, 32),
                                  torch.rand(2, 5, 1, 32, 32), np.array([[4, 9, 9, 9, 9]] * 2), np.ones((2, 5)))
    def colour(ax):
        return matplotlib.colors.to_hex(ax.title.get_color())

    blue, red = matplotlib.colors.to_hex("tab:blue"), matplotlib.colors.to_hex("tab:red")
    assert colour(axes[0, 0]) == blue and axes[0, 0].get_title() == "#1: true 4"
    assert colour(axes[0, 3]) == blue and colour(axes[0, 4]) == red
    assert "red: covering there lowers its probability" in axes[0, 0].figure.get_suptitle()


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_helper_figures_are_legible_when_displayed(name):
    fig = FIGURES[name]()
    assert figures.small_text(fig) == [], f"{name}: text under 10 pt as displayed"


def test_legibility_check_catches_small_and_shrunk_text(artifacts):
    fig, ax = plt.subplots(figsize=(5, 3))
    ax.set_title("fine")
    assert figures.small_text(fig) == []
    ax.text(0.5, 0.5, "tiny", fontsize=7)
    assert figures.small_text(fig) == [("tiny", 7.0)]
    wide, ax = plt.subplots(figsize=(20, 3))  # drawn ~16 in wide, shown in a 10 in column
    ax.set_title("title", fontsize=12)
    scale = figures.displayed_scale(wide)
    assert 0.5 < scale < 0.7
    assert ("title", pytest.approx(12 * scale, abs=0.1)) in figures.small_text(wide)
    with pytest.warns(figures.LegibilityWarning, match="under 10 pt"):
        lh.save_figure(wide, "test_wide")
    with pytest.raises(ValueError, match="dpi >= 150"):
        lh.save_figure(fig, "test_low_dpi", dpi=100)


def test_transformation_rows_name_their_unit_within_the_row():
    """13's transformations figure: each row says what changes and in what unit, and no row's label runs into
    the next one's (a longer label did)."""
    axes = px.plot_transform_examples(torch.rand(28, 28), TRANSFORMS)
    fig = axes[0, 0].figure
    fig.canvas.draw()
    boxes = []
    for r, name in enumerate(TRANSFORMS):
        label = axes[r, 0].yaxis.label
        assert label.get_text().startswith(name + "\n(") and label.get_text().endswith(")"), label.get_text()
        boxes.append(label.get_window_extent())
    for upper, lower in zip(boxes, boxes[1:]):  # display y grows upwards: each label above the next
        assert upper.y0 >= lower.y1, (upper, lower)
    assert fig._suptitle is not None and "unit" in fig._suptitle.get_text()


def test_legibility_check_flags_text_just_under_10_pt():
    """9.5 pt on a figure shown at full size is under the rule; 10 pt is not (no point of slack)."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3))
    ax.set_axis_off()
    ax.text(0.1, 0.5, "ten", fontsize=10)
    ax.text(0.5, 0.5, "nine and a half", fontsize=9.5)
    assert figures.small_text(fig) == [("nine and a half", 9.5)]
    plt.close(fig)


def test_feature_maps_of_a_relu_get_a_scale_from_0():
    """A ReLU's maps (no negative value) are drawn from 0 to their maximum; tanh's keep the scale around 0."""
    relu = torch.rand(4, 6, 6)
    axes = lh.plot_feature_maps(relu, ncols=4)
    assert axes[0].images[0].get_clim() == (0.0, pytest.approx(float(relu.max())))
    plt.close(axes[0].figure)
    tanh = torch.rand(4, 6, 6) * 2 - 1
    axes = lh.plot_feature_maps(tanh, ncols=4)
    lim = float(tanh.abs().max())
    assert axes[0].images[0].get_clim() == (pytest.approx(-lim), pytest.approx(lim))
    plt.close(axes[0].figure)
