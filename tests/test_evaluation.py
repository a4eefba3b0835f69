import numpy as np
import pandas as pd
import pytest
import torch

import lenet_helpers as lh


def test_predict_shapes_and_probabilities():
    model = lh.LeNet5()
    digits, probs = lh.predict(model, torch.randn(7, 1, 32, 32))
    assert digits.shape == (7,) and probs.shape == (7, 10)
    torch.testing.assert_close(probs.sum(1), torch.ones(7))
    assert torch.equal(digits, probs.argmax(1))
    one_digit, one_prob = lh.predict(model, torch.randn(1, 32, 32))
    assert one_digit.shape == (1,) and one_prob.shape == (1, 10)


def test_confusion_matrix_is_labelled_and_counts():
    labels = [0, 1, 1, 2, 3, 3, 3]
    predicted = [0, 1, 2, 2, 3, 5, 5]
    cm = lh.confusion_matrix(labels, predicted)
    assert cm.shape == (10, 10) and cm.index.name == "actual" and cm.columns.name == "predicted"
    assert cm.values.sum() == 7 and np.trace(cm.values) == 4
    assert cm.loc[3, 5] == 2 and cm.loc[1, 2] == 1
    pairs = lh.most_confused(cm, top=5)
    assert pairs.iloc[0].tolist() == [3, 5, 2] and len(pairs) == 2
    per = lh.per_class_accuracy(cm)
    assert per.loc[3, "accuracy"] == pytest.approx(100 / 3) and per.loc[0, "accuracy"] == 100
    assert per.loc[3, "errors"] == 2 and per["errors"].sum() == 3 and per.loc[9, "images"] == 0
    assert "0.5000" in lh.classification_report(labels, predicted)


def test_confusion_matrix_on_the_test_set_agrees_with_evaluate(trained_model, tensors):
    model, _ = trained_model
    predicted, _ = lh.predict(model, tensors.test)
    cm = lh.confusion_matrix(tensors.test.tensors[1], predicted)
    assert cm.values.sum() == 10000
    _, acc = lh.evaluate(model, tensors.test)
    assert 100 * np.trace(cm.values) / 10000 == pytest.approx(acc, abs=1e-9)


def test_learning_curve_report_reads_the_numbers():
    h = pd.DataFrame({"epoch": [1, 2, 3], "train_loss": [0.3, 0.1, 0.05], "valid_loss": [0.2, 0.05, 0.09],
                      "train_acc": [91.0, 97.0, 99.5], "valid_acc": [95.0, 98.6, 98.4], "seconds": [1, 1, 1]})
    text = " ".join(lh.readings.learning_curve_report(h))
    assert "98.60% at epoch 2 of 3" in text
    assert "+1.10 points" in text
    assert "overfit" in text
    h.loc[2, "valid_loss"] = 0.04
    assert "no clear sign of overfitting" in " ".join(lh.readings.learning_curve_report(h))


def test_learning_curve_report_names_a_large_loss_gap():
    h = pd.DataFrame({"epoch": [1, 2], "train_loss": [0.1, 0.001], "valid_loss": [0.05, 0.034],
                      "train_acc": [97.0, 99.99], "valid_acc": [98.6, 99.1], "seconds": [1, 1]})
    text = " ".join(lh.readings.learning_curve_report(h))
    assert "Valid loss ends 34 times train loss (0.0340 vs 0.0010)" in text and "generalisation gap" in text
    h.loc[1, ["train_loss", "valid_loss"]] = [0.0008503, 0.0343375]  # notebook 05's run: printed 0.0343 vs 0.0009
    assert "ends 38 times train loss (0.0343 vs 0.0009)" in " ".join(lh.readings.learning_curve_report(h))


def test_learning_curve_report_reads_valid_accuracy_s_largest_fall():
    h = pd.DataFrame({"epoch": range(1, 9), "train_loss": [0.2, 0.1, 0.08, 0.06, 0.05, 0.04, 0.03, 0.02],
                      "valid_loss": [0.07, 0.0573, 0.0669, 0.05, 0.045, 0.042, 0.041, 0.04],
                      "train_acc": [94.0, 98.0, 98.5, 98.9, 99.2, 99.4, 99.6, 99.7],
                      "valid_acc": [97.9, 98.28, 97.94, 98.2, 98.36, 98.9, 98.8, 98.9],
                      "lr": [0.00099, 0.00096, 0.0009, 0.0007, 0.0005, 0.0003, 0.0001, 0.0]})
    text = " ".join(lh.readings.learning_curve_report(h))
    assert ("its largest fall is 0.34 points at epoch 3 (98.28% -> 97.94%), with valid loss rising too "
            "(0.0573 -> 0.0669); it was above 98.28% again at epoch 5") in text
    assert "still 0.0009 at the end of that epoch and falls to 0 by epoch 8" in text
    assert "in the last 5 epochs valid accuracy changed by at most 0.54 points from the epoch before" in text
    h["valid_acc"] = [97.9, 98.28, 98.1, 98.2, 98.36, 98.9, 98.8, 98.9]  # falls of 0.18 and 0.10: noise, not named
    assert "largest fall" not in " ".join(lh.readings.learning_curve_report(h))
    h.loc[7, "valid_acc"] = 97.0  # a fall in the last epoch is the final gap's business
    assert "largest fall" not in " ".join(lh.readings.learning_curve_report(h))


def test_correct_partners_are_right_digits_of_the_same_class_each_its_own():
    labels = np.array([4, 4, 7, 4, 7, 4, 7, 4, 4])
    predicted = np.array([9, 4, 1, 9, 7, 4, 7, 4, 4])  # misread: #0 (a 4), #2 (a 7), #3 (a 4)
    partners = lh.correct_partners([0, 2, 3], torch.as_tensor(labels), torch.as_tensor(predicted))
    assert partners.tolist() == [1, 6, 7]  # the k-th right digit of its class: 1st right 4, 2nd right 7, 3rd right 4
    with pytest.raises(ValueError, match="only 2 digits of class 7 are read right, 4 are needed"):
        lh.correct_partners([0, 2, 3, 2], labels, predicted)
