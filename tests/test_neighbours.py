"""fc1 features, nearest neighbours, the 2-D maps and the per-mistake reading."""
import numpy as np
import pytest
import torch

import lenet_helpers as lh
from lenet_helpers.models.hooks import feature_layer
from lenet_helpers.readings.mistakes import MISTAKE_RULES, mistake_reading, rule_report
from lenet_helpers.analysis.neighbours import neighbour_agreement


def test_fc1_features_are_the_84_values_after_tanh4():
    torch.manual_seed(0)
    model = lh.LeNet5().eval()
    x = torch.randn(7, 1, 32, 32)
    feats = lh.extract_features(model, x, batch_size=3)  # several batches
    assert feats.shape == (7, 84)
    with torch.no_grad():
        h = model.pool1(model.tanh1(model.conv1(x)))
        h = model.pool2(model.tanh2(model.conv2(h)))
        expected = torch.tanh(model.fc1(torch.flatten(model.tanh3(model.conv3(h)), 1)))
    assert torch.allclose(feats, expected, atol=1e-6)
    assert lh.extract_features(model, x, layer="fc").shape == (7, 10)
    with pytest.raises(ValueError, match="no feature layer 'fc7'"):
        feature_layer(model, "fc7")


def test_nearest_neighbours_on_a_line():
    reference = np.arange(10, dtype=float)[:, None]  # points 0..9 on a line
    distances, indices = lh.nearest_neighbours([[3.2], [8.9]], reference, k=3)
    assert indices.tolist() == [[3, 4, 2], [9, 8, 7]]
    assert distances[0] == pytest.approx([0.2, 0.8, 1.2])
    with pytest.raises(ValueError, match="share D"):
        lh.nearest_neighbours(np.zeros((2, 3)), np.zeros((5, 4)))


def test_agreement_and_embeddings_separate_clusters():
    rng = np.random.default_rng(0)
    centres = rng.normal(0, 10, (3, 60))
    x = np.concatenate([c + rng.normal(0, 1, (50, 60)) for c in centres])
    y = np.repeat([0, 1, 2], 50)
    assert lh.neighbour_agreement(x, y, k=5) == 100.0
    assert lh.neighbour_agreement(x, rng.permutation(y), k=5) < 60
    for method in ("pca", "tsne"):
        xy = lh.embedding_2d(x, method=method)
        assert xy.shape == (150, 2)
        assert lh.neighbour_agreement(xy, y, k=5) == 100.0, method
    with pytest.raises(ValueError, match="tsne' or 'pca"):
        lh.embedding_2d(x, method="umap")


SAMPLE = np.arange(1.0, 101.0)  # nearest-training-digit distances of 100 test digits: 1, 2, ..., 100


def _reading(feature_labels, feature_distance, pixel_labels, pixel_distance):
    p = np.full(10, 0.01)
    p[9], p[4] = 0.6, 0.31  # a 4 read as 9
    return mistake_reading(4, 9, p, feature_labels, [feature_distance] * 5, pixel_labels, typical_distance=1.0,
                           pixel_distance=pixel_distance, pixel_sample=SAMPLE)


def test_mistake_reading_follows_the_numbers_and_tries_the_rules_in_order():
    verdict, rule, text = _reading([9, 9, 9, 4, 9], 1.0, [9, 9, 9, 4, 1], 10.0)
    assert (verdict, rule) == ("strange digit", 1) and "pixels 3 / 1 of 5" in text and "rank 2" in text
    assert "Rule 1, strange digit" in text and "fc1 4 / 1 of 5" in text
    verdict, rule, text = _reading([9, 9, 4, 9, 9], 1.0, [4, 4, 4, 9, 1], 10.0)
    assert (verdict, rule) == ("model error", 2) and "pixels 1 / 3 of 5" in text
    reading = _reading([9, 9, 4, 9, 9], 1.0, [4, 1, 7, 9, 1], 99.5)
    assert (reading.verdict, reading.rule) == ("strange digit", 3)  # split pixel neighbours, farther than 99 of 100
    assert "farther than for 99% of test digits" in reading.sentence
    verdict, rule, text = _reading([4, 4, 4, 9, 9], 3.0, [4, 4, 4, 9, 1], 99.5)
    assert (verdict, rule) == ("model error", 2) and "last layer's boundary" in text  # unusual, but rule 2 comes first
    verdict, rule, _ = _reading([9, 9, 4, 9, 9], 3.0, [9, 9, 9, 4, 1], 99.5)
    assert (verdict, rule) == ("strange digit", 1)  # unusual too, but rule 1 decided
    verdict, rule, _ = _reading([9, 9, 4, 9, 9], 1.0, [4, 1, 7, 9, 1], 50.0)
    assert (verdict, rule) == ("ambiguous", 4)


def test_the_fc1_distance_alone_never_makes_a_digit_strange():
    """Rule 3 judges "unusual" in raw pixels, without the model: a digit far from every training digit
    in the network's own fc1 space but typical in pixels is ambiguous, not strange."""
    far_in_fc1 = _reading([9, 9, 4, 9, 9], 50.0, [4, 1, 7, 9, 1], 50.0)
    assert (far_in_fc1.verdict, far_in_fc1.rule) == ("ambiguous", 4) and "fc1: 50.0x typical" in far_in_fc1.sentence
    assert "nothing like" not in far_in_fc1.sentence and "not among the 5% of test digits farthest" in far_in_fc1.sentence
    unusual = _reading([9, 9, 4, 9, 9], 0.5, [4, 1, 7, 9, 1], 97.5)  # near in fc1, far in pixels
    assert (unusual.verdict, unusual.rule) == ("strange digit", 3)
    at_threshold = _reading([9, 9, 4, 9, 9], 0.5, [4, 1, 7, 9, 1], 95.5)  # 95 of 100 are nearer: not beyond the 95th
    assert at_threshold.rule == 4


def test_distance_rank_is_the_share_of_the_sample_nearer():
    from lenet_helpers.analysis.neighbours import distance_rank

    assert distance_rank([0.5, 2, 3, 10], [4, 1, 3, 2]).tolist() == [0.0, 25.0, 50.0, 100.0]
    assert distance_rank(torch.tensor([2.5]), torch.tensor([1.0, 2.0, 3.0, 4.0])).tolist() == [50.0]
    with pytest.raises(ValueError, match="empty"):
        distance_rank([1.0], [])


def test_mistake_readings_table_reads_every_misread_digit():
    labels, predicted = np.array([4, 7, 1, 3]), np.array([9, 7, 7, 3])
    probabilities = np.full((4, 10), 0.01)
    probabilities[0, [9, 4]] = 0.6, 0.31
    probabilities[2, [7, 1]] = 0.7, 0.21
    table = lh.readings.mistake_readings(
        [0, 2], labels, predicted, probabilities, feature_labels=[[9] * 5, [7] * 5],
        feature_distances=[[3.0] * 5, [1.0] * 5], typical_distance=1.0,
        pixel_labels=torch.tensor([[4, 1, 7, 9, 1], [1, 1, 1, 7, 7]]), pixel_distances=[[99.5] * 5, [10.0] * 5],
        pixel_sample=SAMPLE)
    assert table["test index"].tolist() == [0, 2] and table["read as"].tolist() == [9, 7]
    assert table["rule"].tolist() == [3, 2] and table["verdict"].tolist() == ["strange digit", "model error"]
    assert table["pixel rank %"].tolist() == [99.0, 9.0] and table["fc1 ratio"].tolist() == [3.0, 1.0]
    assert table["reading"][1].startswith("read as 7 (70.0%), true 1 (21.0%, rank 2)")


def test_rule_report_counts_the_verdicts_of_each_rule():
    lines = rule_report([1, 1, 2, 3, 1], ratios=[2.6, 2.7, 1.9, 2.6, 1.0], pixel_ranks=[99, 50, 96, 97, 10])
    assert len(lines) == len(MISTAKE_RULES) + 2
    assert lines[0].startswith("rule 1 (") and lines[0].endswith("-> strange digit): 3 of 5")
    assert lines[1].endswith("-> model error): 1 of 5") and lines[2].endswith("): 1 of 5")
    assert lines[3].endswith("-> ambiguous): 0 of 5")
    assert lines[4].startswith("3 of 5 misread digits (60%) lie farther from their nearest training digit, in raw pixels, "
                               "than 95% of test digits do")
    assert lines[5].startswith("3 of 5 misread digits lie more than 2x the typical distance")
    assert "most misread digits do" in lines[5] and "decides no verdict" in lines[5]
    assert "most misread" not in rule_report([1], ratios=[1.0])[-1]


def test_occlusion_report_finds_the_patch_and_its_ink():
    images = torch.full((2, 1, 32, 32), -0.1307 / 0.3081)  # black digits (normalised background)
    images[0, 0, 8:16, 8:16] = (1 - 0.1307) / 0.3081  # an 8x8 block of ink in the first one
    maps = torch.zeros(2, 32, 32)
    maps[0, 12, 12] = 0.5   # largest drop on the ink
    maps[0, 30, 30] = -0.2  # largest rise
    maps[1, 3, 20] = 0.1    # on the background
    labels, predicted = torch.tensor([4, 4]), torch.tensor([4, 9])
    probabilities = torch.full((2, 10), 0.05)
    probabilities[0, 4], probabilities[1, 4] = 0.9, 0.1
    lines = lh.readings.occlusion_report(images, maps, [0, 1], labels, predicted, probabilities)
    assert lines[0] == ("test #0 (right): p(true 4) = 90.0%; covering around the pixel 12 from the top, 12 from the "
                        "left (of 32) lowers it most, by 0.50 on average (that patch is 100% ink); the largest rise is 0.20")
    assert lines[1].startswith("test #1 (WRONG): p(true 4) = 10.0%; covering around the pixel 3 from the top, 20 from")
    assert "(that patch is 0% ink)" in lines[1]


def test_neighbour_agreement_does_not_count_a_point_as_its_own_neighbour():
    """Points 0, 1 (label 0) and 10, 11 (labels 1, 0): each one's nearest other point agrees for 0 and 1 only: 50%.
    Counting each point itself as a neighbour gave 100%."""
    x = np.array([[0.0], [1.0], [10.0], [11.0]])
    assert neighbour_agreement(x, np.array([0, 0, 1, 0]), k=1) == 50.0
