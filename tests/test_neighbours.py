"""fc1 features, nearest neighbours, the 2-D maps and the per-mistake reading."""
import numpy as np
import pytest
import torch

import lenet_helpers as lh
from lenet_helpers.models.hooks import feature_layer
from lenet_helpers.readings.mistakes import MISTAKE_RULES, mistake_reading, rule_report


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


def test_mistake_reading_follows_the_numbers_and_tries_the_rules_in_order():
    p = np.full(10, 0.01)
    p[9], p[4] = 0.6, 0.31  # a 4 read as 9
    verdict, rule, text = mistake_reading(4, 9, p, [9, 9, 9, 4, 9], [1.0] * 5, [9, 9, 9, 4, 1], typical_distance=1.0)
    assert (verdict, rule) == ("strange digit", 1) and "3 of 5 labelled 9" in text and "rank 2" in text
    assert "Rule 1, strange digit" in text
    verdict, rule, text = mistake_reading(4, 9, p, [9, 9, 4, 9, 9], [1.0] * 5, [4, 4, 4, 9, 1], typical_distance=1.0)
    assert (verdict, rule) == ("model error", 2) and "in raw pixels 1 of 5 labelled 9 and 3 labelled 4" in text
    reading = mistake_reading(4, 9, p, [9, 9, 4, 9, 9], [3.0] * 5, [4, 1, 7, 9, 1], typical_distance=1.0)
    assert (reading.verdict, reading.rule) == ("strange digit", 3)  # split pixel neighbours, 3x the typical distance
    verdict, rule, text = mistake_reading(4, 9, p, [4, 4, 4, 9, 9], [3.0] * 5, [4, 4, 4, 9, 1], typical_distance=1.0)
    assert (verdict, rule) == ("model error", 2) and "last layer's boundary" in text  # far, but rule 2 comes first
    verdict, rule, _ = mistake_reading(4, 9, p, [9, 9, 4, 9, 9], [3.0] * 5, [9, 9, 9, 4, 1], typical_distance=1.0)
    assert (verdict, rule) == ("strange digit", 1)  # far too, but rule 1 decided
    verdict, rule, _ = mistake_reading(4, 9, p, [9, 9, 4, 9, 9], [1.0] * 5, [4, 1, 7, 9, 1], typical_distance=1.0)
    assert (verdict, rule) == ("ambiguous", 4)


def test_rule_report_counts_the_verdicts_of_each_rule():
    lines = rule_report([1, 1, 2, 3, 1], ratios=[2.6, 2.7, 1.9, 2.6, 1.0])
    assert len(lines) == len(MISTAKE_RULES) + 1
    assert lines[0].startswith("rule 1 (") and lines[0].endswith("-> strange digit): 3 of 5")
    assert lines[1].endswith("-> model error): 1 of 5") and lines[2].endswith("): 1 of 5")
    assert lines[3].endswith("-> ambiguous): 0 of 5")
    assert lines[4].startswith("3 of 5 misread digits lie more than 2x the typical distance")
