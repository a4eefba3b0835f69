"""The readings printed after figures: computed from the numbers, so they follow a rerun."""
import pandas as pd
import pytest
import torch

import lenet_helpers as lh
from lenet_helpers import readings
from lenet_helpers.readings.network import kernel_background_report
from lenet_helpers.readings import per_class_noise_report


def test_layer_variances_on_real_digits_match_a_direct_computation(tensors):
    images = tensors.valid.tensors[0][:600]
    lh.set_seed(0)
    model = lh.LeNet5()
    table = lh.layer_variances(model, images, batch_size=250)  # two batches: sums must combine
    assert list(table["layer"]) == ["input", "conv1", "tanh1", "pool1", "conv2", "tanh2", "pool2", "conv3",
                                    "tanh3", "fc1", "tanh4", "fc2"]
    with torch.no_grad():
        pre1 = model.conv1(images)
        after_pool = model.pool1(torch.tanh(pre1))
    row = table.set_index("layer")
    assert row.loc["input", "variance"] == pytest.approx(float(images.double().var(unbiased=False)), rel=1e-6)
    assert row.loc["conv1", "variance"] == pytest.approx(float(pre1.double().var(unbiased=False)), rel=1e-5)
    assert row.loc["pool1", "variance"] == pytest.approx(float(after_pool.double().var(unbiased=False)), rel=1e-5)
    assert row.loc["conv2", "fan_in"] == 150 and row.loc["fc1", "fan_in"] == 120
    # "saturated" (|x| > 0.95) is defined only after tanh; convolutions and pooling are unbounded
    assert row.loc["tanh1", "saturated %"] == pytest.approx(100 * float((torch.tanh(pre1).abs() > 0.95).double().mean()))
    assert table.loc[table["type"] != "Tanh", "saturated %"].isna().all()
    pre = lh.preactivation_variances(table)
    assert list(pre["layer"]) == ["conv1", "conv2", "conv3", "fc1", "fc2"]
    assert pre["input variance"].iloc[1] == pytest.approx(row.loc["pool1", "variance"])
    # The fact notebook 03 teaches: at initialisation the variance shrinks through tanh and pooling.
    assert pre["pre-activation variance"].iloc[-1] < 0.5 * pre["pre-activation variance"].iloc[0]
    text = " ".join(readings.variance_report(table))
    assert f"conv2 {pre['pre-activation variance'].iloc[1]:.2f}" in text and "not near 1" in text


def test_normalisation_report_explains_the_lower_maximum():
    raw = torch.zeros(28, 28, dtype=torch.uint8)
    raw[10, 10:14] = 255
    resized = torch.full((1, 32, 32), 0.0)
    resized[0, 11, 11] = 0.9
    text = " ".join(readings.normalisation_report(raw.numpy(), resized, (resized - 0.1307) / 0.3081, 0.1307, 0.3081))
    assert "2.821" in text and "4 pixels at 255" in text and "0.900" in text and "2.497" in text


def test_mistakes_table_and_report():
    labels = torch.tensor([0, 1, 2, 3])
    probs = torch.tensor([[0.9] + [0.1 / 9] * 9,            # right
                          [0.02, 0.03, 0.95] + [0.0] * 7,    # 1 read as 2 at 95%, true digit third? no: 0.03 > 0.02
                          [0.0, 0.0, 0.4, 0.0, 0.0, 0.6, 0.0, 0.0, 0.0, 0.0],  # 2 read as 5, true is runner-up
                          [0.0] * 3 + [1.0] + [0.0] * 6])   # right
    table = lh.mistakes_table(labels, probs)
    assert list(table["index"]) == [1, 2]  # most confident first
    first = table.iloc[0]
    assert (first["true"], first["predicted"], first["runner-up"], first["true rank"]) == (1, 2, 1, 2)
    assert first["confidence"] == pytest.approx(95.0) and first["true %"] == pytest.approx(3.0)
    text = " ".join(readings.mistakes_report(table))
    assert "1 of the 2 mistakes (50%) are made with more than 90% confidence: a wrong answer is often" in text
    rare = pd.DataFrame({"confidence": [95.0] + [60.0] * 9, "true rank": [2] * 10, "index": range(10), "true": [1] * 10,
                         "predicted": [2] * 10, "true %": [3.0] * 10})  # 1 confident mistake in 10
    assert "(10%) are made with more than 90% confidence: most wrong answers come with less confidence, but some " \
           "are confident" in readings.mistakes_report(rare)[0]
    assert "test digit #1, is a 1 read as 2 with 95.0%" in text
    assert "In 2 of the 2 mistakes (100%) the true digit is the runner-up" in text
    assert readings.mistakes_report(lh.mistakes_table(labels[[0, 3]], probs[[0, 3]]))[0].startswith("No mistakes")


def test_mixed_sample_has_both_kinds():
    correct = torch.tensor([True] * 90 + [False] * 10)
    pick = lh.mixed_sample(correct, 32, seed=0)
    assert len(pick) == 32 and len(set(pick.tolist())) == 32
    assert int((~correct[pick]).sum()) == 8
    assert int((~correct[lh.mixed_sample(correct, 32, n_wrong=20)]).sum()) == 10  # only 10 exist


def test_noise_and_confused_pair_reports():
    cm = lh.confusion_matrix([4] * 100 + [9] * 100 + [1] * 100,
                             [4] * 80 + [9] * 20 + [9] * 97 + [4] * 3 + [1] * 100)
    per_class = lh.per_class_accuracy(cm)
    text = " ".join(readings.per_class_noise_report(per_class))
    assert "digits, 4 (20 errors) and 1 (0), differ by 20 errors, 4.5 standard deviations of the difference: a real" in text
    pair = " ".join(readings.confused_pair_report(cm))
    assert "4 read as 9: 20 of 100 4s (20.00%)" in pair and "9 read as 4, happens 3 times" in pair
    assert "tied" not in pair
    tie = " ".join(readings.confused_pair_report(lh.confusion_matrix([4] * 10 + [7] * 10, [4] * 5 + [9] * 5 + [7] * 5 + [2] * 5)))
    assert "4 read as 9: 5 of 10 4s (50.00%), tied with 7 read as 2 (5 each)" in tie  # a tie is named, not hidden
    close = lh.per_class_accuracy(lh.confusion_matrix([0] * 100 + [1] * 100, [0] * 95 + [1] * 5 + [1] * 97 + [0] * 3))
    assert "within noise" in readings.per_class_noise_report(close)[1]
    border = lh.per_class_accuracy(lh.confusion_matrix([0] * 100 + [1] * 100, [0] * 92 + [1] * 8 + [1] * 99 + [0]))
    assert "borderline" in readings.per_class_noise_report(border)[1]  # 8 vs 1: 2.3 sd


def test_background_values_follow_the_kernels():
    lh.set_seed(0)
    model = lh.LeNet5()
    bg = -0.1307 / 0.3081
    table = lh.background_values(model, bg)
    with torch.no_grad():
        blank = torch.full((1, 1, 32, 32), bg)
        maps = torch.tanh(model.conv1(blank))[0]
    assert torch.allclose(torch.tensor(table["background value"].to_numpy(), dtype=torch.float32),
                          maps[:, 14, 14], atol=1e-5)
    maps = {"conv1": maps, "conv3": torch.tensor([1.0, -0.99, 0.2]).reshape(3, 1, 1)}
    text = " ".join(readings.feature_map_report(maps, table))
    assert "conv3's code for this digit: 1 units at about +1, 1 at about -1, 1 in between: 67% of the 3 values" in text


def _background_table(sums, biases, value=-0.4242, act=torch.tanh):
    sums, biases = torch.tensor(sums), torch.tensor(biases)
    pre = biases + value * sums
    return pd.DataFrame({"map": range(len(sums)), "kernel sum": sums.numpy(), "bias": biases.numpy(),
                         "pre-activation": pre.numpy(), "background value": act(pre).numpy()})


def test_kernel_background_reading_follows_the_sums_and_biases():
    # map 0: negative sum -> red; map 1: positive sum -> blue; map 2: sum near 0 -> white;
    # map 3: a large sum cancelled by its bias -> white; map 4: red although its sum is positive (the bias wins)
    table = _background_table([-2.3, 1.7, -0.2, 2.0, 0.3], [-0.1, 0.2, 0.05, 0.85, 1.0])
    lines = kernel_background_report(table)
    text = " ".join(lines)
    assert "every input pixel under it is -0.424" in text and "-0.424 x (sum of its 25 weights) + bias k" in text
    v = table["background value"]
    assert (f"red (positive): map 0 (sum -2.30, bias -0.10, background {v[0]:+.2f}), map 4 (sum +0.30, bias +1.00, "
            f"background {v[4]:+.2f})") in text
    assert f"blue (negative): map 1 (sum +1.70, bias +0.20, background {v[1]:+.2f})" in text
    assert "near white: map 2" in text and "map 3 (sum +2.00" in text
    assert "The sum term decides 2 of the 3 clearly coloured backgrounds" in text and "in map 4 the bias decides" in text
    assert "Map 2 has a weight sum near 0" in text
    assert "In map 3 the bias +0.85 offsets the sum term -0.85" in text
    # The same kernels trained otherwise: the sentences change with the numbers, nothing is fixed text.
    flipped = " ".join(kernel_background_report(_background_table([2.3, -1.7], [0.1, -0.2])))
    assert "red (positive): map 1" in flipped and "blue (negative): map 0" in flipped
    assert "In every clearly coloured map the sum term outweighs the bias" in flipped
    assert "negative weight sum pushes the background up (red)" in flipped
    relu = " ".join(kernel_background_report(_background_table([2.0], [0.0], act=torch.relu), activation="relu"))
    assert "relu(-0.85) = +0.00" in relu


def test_kernel_background_reading_of_a_real_model():
    lh.set_seed(0)
    model = lh.LeNet5()
    table = lh.background_values(model, -0.1307 / 0.3081)
    lines = kernel_background_report(table)
    assert lines == readings.feature_map_report(background=table)  # notebook 08 reads it through this
    text = " ".join(lines)
    for _, r in table.iterrows():  # every map is named once, with its own numbers
        assert f"map {int(r['map'])} (sum {r['kernel sum']:+.2f}, bias {r['bias']:+.2f}, " \
               f"background {r['background value']:+.2f})" in text


def test_code_similarity_separates_classes():
    codes = torch.cat([torch.tensor([[1.0, 0.0]]).repeat(5, 1), torch.tensor([[0.0, 1.0]]).repeat(5, 1)])
    codes = torch.cat([codes, torch.zeros(10, 0)], 1)
    labels = torch.tensor([0] * 5 + [1] * 5)
    sim = lh.code_similarity(codes, labels)
    assert sim.loc[0, 0] == pytest.approx(1.0) and sim.loc[0, 1] == pytest.approx(0.0)
    assert pd.isna(sim.loc[2, 2])


def test_extract_features_captures_conv3_for_many_images(tensors):
    lh.set_seed(0)
    model = lh.LeNet5()
    images = tensors.test.tensors[0][:7]
    codes = lh.extract_features(model, images, "conv3", batch_size=3)
    assert codes.shape == (7, 120)
    assert torch.allclose(codes[0], lh.feature_maps(model, images[0])["conv3"].flatten(), atol=1e-6)


def test_naive_input_report():
    naive = torch.full((3, 1, 32, 32), 2.5)
    prepared = torch.full((3, 1, 32, 32), -0.42)
    text = " ".join(readings.naive_input_report(naive, prepared, torch.tensor([8, 8, 2]), torch.tensor([0, 1, 2])))
    assert "+2.50" in text and "-0.42" in text and "1 of 3 naive inputs are right, and 2 of 3 are read as the same digit, 8" in text


def test_first_epoch_reading_explains_valid_above_train():
    h = pd.DataFrame({"epoch": [1, 2], "train_loss": [0.3, 0.05], "valid_loss": [0.1, 0.06],
                      "train_acc": [91.0, 98.5], "valid_acc": [97.0, 98.4]})
    text = " ".join(lh.readings.learning_curve_report(h))
    assert "In epoch 1 valid accuracy (97.00%) beat train accuracy (91.00%)" in text


def test_show_wraps_bullets_at_word_boundaries(capsys):
    readings.show(["word " * 40, "short"], width=50)
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("* word") and all(len(l) <= 50 for l in out)
    assert out[1].startswith("  word") and out[-1] == "* short"


def test_fold_keeps_long_output_behind_one_line():
    table = "\n".join(f"row {i}" for i in range(41))
    folded = readings.fold(table, "The table")
    assert folded.summary == "The table (41 lines)" and "<details><summary>The table (41 lines)</summary>" in folded._repr_html_()
    assert "<pre>row 0\nrow 1" in folded._repr_html_() and len(repr(folded).splitlines()) == 5
    sentences = readings.fold(["a < b", "c"], "Sentences")
    assert "<li>a &lt; b</li><li>c</li>" in sentences._repr_html_() and sentences.text == "- a < b\n- c"


def test_say_wraps_a_long_computed_sentence_at_word_boundaries(capsys):
    readings.say("the verdict:", "word " * 60 + "end.", "\n\nA second paragraph.")
    lines = capsys.readouterr().out.rstrip("\n").split("\n")
    assert all(len(line) <= readings.WIDTH for line in lines) and len(lines) >= 4
    assert " ".join(lines[:-2]).split() == ("the verdict: " + "word " * 60 + "end.").split()  # no word cut
    assert lines[-2:] == ["", "A second paragraph."]


def test_printed_difference_is_the_difference_of_the_printed_values():
    new, old = 0.03434, 0.00088  # printed 0.0343 and 0.0009: a reader gets 0.0334, not 0.0335
    assert f"{new - old:+.4f}" == "+0.0335"
    assert f"{lh.readings.printed_difference(new, old, 4):+.4f}" == "+0.0334"
    assert f"{99.66 - 85.64:+.1f}" == "+14.0" and f"{lh.readings.printed_difference(99.66, 85.64, 1):+.1f}" == "+14.1"


def test_text_table_aligns_by_inline_styles_that_an_untrusted_notebook_keeps():
    """03's layer table through pandas' Styler aligned its sentences by a <style> block, which JupyterLab
    strips from an untrusted notebook's outputs: the "why" column then showed right-aligned."""
    table = lh.layer_arithmetic(lh.LeNet5())
    shown = lh.readings.text_table(table, {"parameters": "{:,}"})
    page = shown._repr_html_()
    assert "<style" not in page and page.count("<tr>") == len(table) + 1
    assert '<th style="text-align: left">why</th>' in page and '<th style="text-align: right">parameters</th>' in page
    assert '<td style="text-align: right">2,416</td>' in page  # formatted, right-aligned
    assert "(1×5×5 + 1) × 6 = 156 parameters</td>" in page
    assert "&lt;b&gt;" in lh.readings.text_table(pd.DataFrame({"a": ["<b>"]}))._repr_html_()  # escaped
    lines = repr(shown).splitlines()
    assert lines[0].startswith("layer type") and lines[1].startswith("conv1 Conv2d    (6, 28, 28)")
    why = lines[0].index("why")
    assert all(line[why:].startswith(w[:10]) for line, w in zip(lines[1:], table["why"]))  # left-aligned text


def test_noise_report_prints_the_band_and_the_pairs_within_noise():
    """Errors 0, 20, 3 (digits 1, 4, 9): mean 7.7, so 8 +- 3 and a band of 2 sqrt(2 x 7.7) = 8 errors; one of the
    three pairs (1 and 9: 3 <= 2 sqrt 3) is within noise."""
    cm = lh.confusion_matrix([4] * 100 + [9] * 100 + [1] * 100, [4] * 80 + [9] * 20 + [9] * 97 + [4] * 3 + [1] * 100)
    lines = per_class_noise_report(lh.per_class_accuracy(cm))
    assert "misread 8 +- 3 times" in lines[0] and "differ by more than about 8 errors" in lines[0]
    assert lines[-1] == "1 of the 3 pairs of digits have error counts within noise of each other."
