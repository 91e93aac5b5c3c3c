"""Stateful metrics against numpy references written here: means, accuracies, top-k, AUC (a hand
trapezoid and Keras's interpolations), precision, recall, confusion counts and configs."""
import numpy as np
import pytest

import engine as tf
from engine.errors import IncompatibleShapesError, InvalidArgumentError

metrics = tf.keras.metrics
RNG = np.random.default_rng(11)

N = 24
LABELS = RNG.integers(0, 4, N)
SCORES = RNG.uniform(0, 1, (N, 4)).astype(np.float32)
ONE_HOT = np.eye(4, dtype=np.float32)[LABELS]
WEIGHTS = RNG.uniform(0, 2, N).astype(np.float32)
BINARY = RNG.integers(0, 2, N).astype(np.float32)
BINARY_SCORES = np.clip(0.35 * BINARY + RNG.uniform(0, 0.65, N), 0, 1).astype(np.float32)


def updated(metric, *args, times=1, **kwargs):
    for _ in range(times):
        metric.update_state(*args, **kwargs)
    return metric.result().numpy()


def weighted_mean(values, weights=None):
    values = np.asarray(values, np.float64)
    weights = np.ones_like(values) if weights is None else np.asarray(weights, np.float64)
    return (values * weights).sum() / weights.sum()


# --- reduction metrics -------------------------------------------------------------------------
def test_mean_and_sum_accumulate_weighted_values_and_reset():
    values = RNG.normal(0, 1, (N, 3)).astype(np.float32)
    mean = metrics.Mean()
    got = updated(mean, values, sample_weight=WEIGHTS, times=2)
    np.testing.assert_allclose(got, weighted_mean(values.mean(-1), WEIGHTS), rtol=1e-5)
    assert [v.name for v in mean.variables] == ["total", "count"]
    np.testing.assert_allclose(mean.count.numpy(), 2 * WEIGHTS.sum(), rtol=1e-5)
    mean.reset_state()
    assert float(mean.result()) == 0.0 and float(mean.count) == 0.0
    total = metrics.Sum()
    np.testing.assert_allclose(updated(total, values, sample_weight=WEIGHTS), (values.sum(-1) * WEIGHTS).sum(),
                               rtol=1e-5)


def test_mean_of_elementwise_weights():
    values = RNG.normal(0, 1, (N, 3)).astype(np.float32)
    weights = RNG.uniform(0, 1, (N, 3)).astype(np.float32)
    got = updated(metrics.Mean(), values, sample_weight=weights)
    np.testing.assert_allclose(got, (values * weights).sum() / weights.sum(), rtol=1e-5)


# --- accuracies ----------------------------------------------------------------------------------
def test_accuracy_variants_on_every_backend(backend):
    predicted = SCORES.argmax(-1)
    np.testing.assert_allclose(updated(metrics.CategoricalAccuracy(), ONE_HOT, SCORES, sample_weight=WEIGHTS),
                               weighted_mean(predicted == LABELS, WEIGHTS), rtol=1e-5)
    np.testing.assert_allclose(updated(metrics.SparseCategoricalAccuracy(), LABELS.astype(np.int32), SCORES),
                               np.mean(predicted == LABELS), rtol=1e-6)
    np.testing.assert_allclose(updated(metrics.BinaryAccuracy(threshold=0.4), BINARY, BINARY_SCORES),
                               np.mean((BINARY_SCORES > 0.4) == BINARY), rtol=1e-6)
    np.testing.assert_allclose(updated(metrics.Accuracy(), LABELS, predicted), np.mean(predicted == LABELS),
                               rtol=1e-6)


def test_sparse_accuracy_takes_labels_of_shape_n_by_1_and_binary_takes_n_by_1_predictions():
    got = updated(metrics.SparseCategoricalAccuracy(), LABELS.reshape(-1, 1), SCORES, sample_weight=WEIGHTS)
    np.testing.assert_allclose(got, weighted_mean(SCORES.argmax(-1) == LABELS, WEIGHTS), rtol=1e-5)
    got = updated(metrics.BinaryAccuracy(), BINARY, BINARY_SCORES.reshape(-1, 1))
    np.testing.assert_allclose(got, np.mean((BINARY_SCORES > 0.5) == BINARY), rtol=1e-6)


def in_top_k_reference(labels, scores, k):
    """TF's rule: the label is in the top k when fewer than k scores beat it strictly."""
    label_scores = scores[np.arange(len(labels)), labels]
    return (scores > label_scores[:, None]).sum(-1) < k


@pytest.mark.parametrize("k", [1, 2, 3])
def test_top_k_accuracies(k):
    expected = in_top_k_reference(LABELS, SCORES, k)
    np.testing.assert_allclose(updated(metrics.TopKCategoricalAccuracy(k=k), ONE_HOT, SCORES),
                               expected.mean(), rtol=1e-6)
    np.testing.assert_allclose(updated(metrics.SparseTopKCategoricalAccuracy(k=k), LABELS, SCORES,
                                       sample_weight=WEIGHTS), weighted_mean(expected, WEIGHTS), rtol=1e-5)


def test_top_k_counts_ties_at_the_cut_as_inside():
    scores = np.array([[0.5, 0.5, 0.5, 0.1], [0.9, 0.8, 0.7, 0.95]], np.float32)
    labels = np.array([2, 2])
    got = metrics.sparse_top_k_categorical_accuracy(labels, scores, k=1).numpy()
    np.testing.assert_array_equal(got, [1.0, 0.0])


def test_sparse_top_k_from_sorted_ids():
    ids = np.argsort(-SCORES, axis=-1).astype(np.int32)
    got = updated(metrics.SparseTopKCategoricalAccuracy(k=2, from_sorted_ids=True), LABELS, ids)
    np.testing.assert_allclose(got, in_top_k_reference(LABELS, SCORES, 2).mean(), rtol=1e-6)


# --- regression and loss-named metrics -------------------------------------------------------------
def test_regression_and_loss_named_metrics():
    y, p = RNG.normal(0, 1, (N, 3)).astype(np.float32), RNG.normal(0, 1, (N, 3)).astype(np.float32)
    squared = ((y - p.astype(np.float64)) ** 2).mean(-1)
    np.testing.assert_allclose(updated(metrics.MeanSquaredError(), y, p, sample_weight=WEIGHTS),
                               weighted_mean(squared, WEIGHTS), rtol=1e-5)
    np.testing.assert_allclose(updated(metrics.MeanAbsoluteError(), y, p),
                               np.abs(y - p.astype(np.float64)).mean(), rtol=1e-5)
    np.testing.assert_allclose(updated(metrics.RootMeanSquaredError(), y, p, sample_weight=WEIGHTS),
                               np.sqrt(((y - p.astype(np.float64)) ** 2 * WEIGHTS[:, None]).sum()
                                       / (3 * WEIGHTS.sum())), rtol=1e-5)
    probabilities = SCORES / SCORES.sum(-1, keepdims=True)
    per_sample = -np.log(np.clip(probabilities[np.arange(N), LABELS].astype(np.float64), 1e-7, 1 - 1e-7))
    np.testing.assert_allclose(updated(metrics.SparseCategoricalCrossentropy(), LABELS, probabilities),
                               per_sample.mean(), rtol=1e-5)
    np.testing.assert_allclose(updated(metrics.CategoricalCrossentropy(), ONE_HOT, probabilities,
                                       sample_weight=WEIGHTS), weighted_mean(per_sample, WEIGHTS), rtol=1e-5)
    q = np.clip(BINARY_SCORES.astype(np.float64), 1e-7, 1 - 1e-7)
    bce = -(BINARY * np.log(q) + (1 - BINARY) * np.log(1 - q))
    np.testing.assert_allclose(updated(metrics.BinaryCrossentropy(), BINARY, BINARY_SCORES.reshape(-1, 1)),
                               bce.mean(), rtol=1e-5)


# --- AUC ---------------------------------------------------------------------------------------------
def exact_roc_auc(labels, scores, weights=None):
    """Trapezoid area under the exact ROC curve, cutting between every pair of distinct scores."""
    weights = np.ones_like(scores, np.float64) if weights is None else weights.astype(np.float64)
    cuts = np.concatenate([[np.inf], np.sort(np.unique(scores))[::-1], [-np.inf]])
    positives, negatives = (weights * labels).sum(), (weights * (1 - labels)).sum()
    tpr = [(weights * labels * (scores > cut)).sum() / positives for cut in cuts]
    fpr = [(weights * (1 - labels) * (scores > cut)).sum() / negatives for cut in cuts]
    return sum((fpr[i + 1] - fpr[i]) * (tpr[i + 1] + tpr[i]) / 2 for i in range(len(cuts) - 1))


def confusion_counts(labels, scores, thresholds, weights=None):
    weights = np.ones_like(scores, np.float64) if weights is None else weights.astype(np.float64)
    positive = scores[None, :] > np.asarray(thresholds)[:, None]
    tp = (positive * labels * weights).sum(-1)
    fp = (positive * (1 - labels) * weights).sum(-1)
    fn = ((~positive) * labels * weights).sum(-1)
    tn = ((~positive) * (1 - labels) * weights).sum(-1)
    return tp, fp, tn, fn


def keras_thresholds(num_thresholds):
    return [-1e-7] + [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)] + [1 + 1e-7]


def test_roc_auc_equals_the_hand_trapezoid_when_thresholds_separate_the_scores(backend):
    labels = np.array([1, 0, 1, 1, 0, 0, 1, 0], np.float32)
    scores = np.array([0.93, 0.81, 0.66, 0.41, 0.47, 0.12, 0.27, 0.55], np.float32)
    auc = metrics.AUC(num_thresholds=200)
    got = updated(auc, labels, scores)
    np.testing.assert_allclose(got, exact_roc_auc(labels, scores), rtol=1e-6)
    assert abs(exact_roc_auc(labels, scores) - 0.5625) < 1e-12   # 9 of 16 positive/negative pairs ordered


def test_roc_auc_with_sample_weights_and_coarse_thresholds():
    # With 11 thresholds the curve has only those points: Keras's Riemann sum over them.
    thresholds = keras_thresholds(11)
    tp, fp, tn, fn = confusion_counts(BINARY, BINARY_SCORES, thresholds, WEIGHTS)
    recall, fpr = tp / (tp + fn), fp / (fp + tn)
    expected = ((fpr[:-1] - fpr[1:]) * (recall[:-1] + recall[1:]) / 2).sum()
    got = updated(metrics.AUC(num_thresholds=11), BINARY, BINARY_SCORES, sample_weight=WEIGHTS, times=2)
    np.testing.assert_allclose(got, expected, rtol=1e-5)
    auc = metrics.AUC(num_thresholds=11)
    updated(auc, BINARY, BINARY_SCORES, sample_weight=WEIGHTS)
    np.testing.assert_allclose(auc.true_positives.numpy(), tp, rtol=1e-5)
    np.testing.assert_allclose(auc.true_negatives.numpy(), tn, rtol=1e-5)


def divide_no_nan(a, b):
    return np.where(b == 0, 0.0, a / np.where(b == 0, 1, b))


def test_pr_auc_interpolation_and_riemann_variants():
    thresholds = keras_thresholds(50)
    tp, fp, tn, fn = confusion_counts(BINARY, BINARY_SCORES, thresholds)
    # Davis & Goadrich: precision along the line TP traces against P = TP + FP between thresholds.
    p = tp + fp
    dtp, dp = tp[:-1] - tp[1:], p[:-1] - p[1:]
    slope = divide_no_nan(dtp, np.maximum(dp, 0))
    intercept = tp[1:] - slope * p[1:]
    ratio = np.where((p[:-1] > 0) & (p[1:] > 0), divide_no_nan(p[:-1], np.maximum(p[1:], 0)), 1.0)
    expected = divide_no_nan(slope * (dtp + intercept * np.log(ratio)), np.maximum(tp[1:] + fn[1:], 0)).sum()
    np.testing.assert_allclose(updated(metrics.AUC(num_thresholds=50, curve="PR"), BINARY, BINARY_SCORES),
                               expected, rtol=1e-5)
    recall, precision = tp / (tp + fn), divide_no_nan(tp, tp + fp)
    for method, height in (("minoring", np.minimum), ("majoring", np.maximum)):
        expected = ((recall[:-1] - recall[1:]) * height(precision[:-1], precision[1:])).sum()
        got = updated(metrics.AUC(num_thresholds=50, curve="PR", summation_method=method), BINARY, BINARY_SCORES)
        np.testing.assert_allclose(got, expected, rtol=1e-5, err_msg=method)


def test_multi_label_auc_averages_per_label_areas():
    labels = RNG.integers(0, 2, (N, 3)).astype(np.float32)
    scores = RNG.uniform(0, 1, (N, 3)).astype(np.float32)
    auc = metrics.AUC(num_thresholds=400, multi_label=True)
    got = updated(auc, labels, scores)
    per_label = []
    for column in range(3):
        thresholds = keras_thresholds(400)
        tp, fp, tn, fn = confusion_counts(labels[:, column], scores[:, column], thresholds)
        recall, fpr = tp / (tp + fn), fp / (fp + tn)
        per_label.append(((fpr[:-1] - fpr[1:]) * (recall[:-1] + recall[1:]) / 2).sum())
    np.testing.assert_allclose(got, np.mean(per_label), rtol=1e-5)
    assert auc.true_positives.shape == (400, 3)
    weighted = metrics.AUC(num_thresholds=400, multi_label=True, label_weights=[1.0, 3.0, 0.0])
    np.testing.assert_allclose(updated(weighted, labels, scores), (per_label[0] + 3 * per_label[1]) / 4, rtol=1e-5)


def test_auc_from_logits_applies_the_sigmoid():
    logits = np.log(BINARY_SCORES / (1 - BINARY_SCORES + 1e-6) + 1e-6).astype(np.float32)
    got = updated(metrics.AUC(from_logits=True), BINARY, logits)
    expected = updated(metrics.AUC(), BINARY, 1 / (1 + np.exp(-logits.astype(np.float64))))
    np.testing.assert_allclose(got, expected, rtol=1e-5)


# --- precision, recall, confusion counts ---------------------------------------------------------
def test_precision_and_recall_at_thresholds():
    thresholds = [0.3, 0.5, 0.7]
    tp, fp, tn, fn = confusion_counts(BINARY, BINARY_SCORES, thresholds, WEIGHTS)
    np.testing.assert_allclose(updated(metrics.Precision(thresholds=thresholds), BINARY, BINARY_SCORES,
                                       sample_weight=WEIGHTS), tp / (tp + fp), rtol=1e-5)
    np.testing.assert_allclose(updated(metrics.Recall(thresholds=thresholds), BINARY, BINARY_SCORES,
                                       sample_weight=WEIGHTS), tp / (tp + fn), rtol=1e-5)
    tp, fp, tn, fn = confusion_counts(BINARY, BINARY_SCORES, [0.5])
    precision = metrics.Precision()
    assert updated(precision, BINARY, BINARY_SCORES).shape == ()
    np.testing.assert_allclose(precision.result().numpy(), tp[0] / (tp[0] + fp[0]), rtol=1e-6)
    for cls, expected in ((metrics.TruePositives, tp), (metrics.FalsePositives, fp), (metrics.TrueNegatives, tn),
                          (metrics.FalseNegatives, fn)):
        np.testing.assert_allclose(updated(cls(), BINARY, BINARY_SCORES), expected[0], err_msg=cls.__name__)


def test_precision_and_recall_with_top_k_and_class_id():
    top2 = np.argsort(-SCORES, axis=-1)[:, :2]
    predicted = np.zeros_like(ONE_HOT, dtype=bool)
    np.put_along_axis(predicted, top2, True, axis=-1)
    tp = (predicted & (ONE_HOT > 0)).sum()
    np.testing.assert_allclose(updated(metrics.Precision(top_k=2), ONE_HOT, SCORES), tp / predicted.sum(), rtol=1e-6)
    np.testing.assert_allclose(updated(metrics.Recall(top_k=2), ONE_HOT, SCORES), tp / ONE_HOT.sum(), rtol=1e-6)
    column = 1
    predicted_column = SCORES[:, column] > 0.5
    actual = ONE_HOT[:, column] > 0
    np.testing.assert_allclose(updated(metrics.Precision(class_id=column), ONE_HOT, SCORES, sample_weight=WEIGHTS),
                               (WEIGHTS * (predicted_column & actual)).sum() / (WEIGHTS * predicted_column).sum(),
                               rtol=1e-5)
    np.testing.assert_allclose(updated(metrics.Recall(class_id=column, top_k=2), ONE_HOT, SCORES),
                               (predicted[:, column] & actual).sum() / actual.sum(), rtol=1e-6)


def test_confusion_matrix_matches_a_count_loop(backend):
    labels = np.array([0, 2, 1, 1, 3, 2, 0, 2])
    predictions = np.array([0, 1, 1, 2, 3, 2, 0, 0])
    weights = np.array([1, 2, 0.5, 1, 1, 3, 1, 0.25], np.float32)
    expected = np.zeros((4, 4))
    for label, prediction, weight in zip(labels, predictions, weights):
        expected[label, prediction] += weight
    got = metrics.confusion_matrix(labels, predictions, num_classes=4, weights=weights, dtype="float32")
    np.testing.assert_allclose(got.numpy(), expected)
    counts = metrics.confusion_matrix(labels, predictions)
    assert counts.dtype == tf.int32 and counts.shape == (4, 4)
    np.testing.assert_array_equal(counts.numpy(), [[np.sum((labels == i) & (predictions == j)) for j in range(4)]
                                                   for i in range(4)])
    assert metrics.confusion_matrix(labels, predictions, num_classes=6).shape == (6, 6)
    with pytest.raises(IncompatibleShapesError):
        metrics.confusion_matrix(labels, predictions[:5])


# --- tape, configs, lookup ------------------------------------------------------------------------
def test_metric_updates_are_not_recorded_on_the_tape():
    scores = tf.Variable(SCORES)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(scores * 2.0)
        recorded = len(tape._entries)
        metrics.SparseCategoricalAccuracy().update_state(LABELS, scores)
        for metric in (metrics.AUC(), metrics.Precision(top_k=1), metrics.CategoricalCrossentropy()):
            metric.update_state(ONE_HOT, scores)
        metrics.Mean().update_state(scores * 3.0)
        assert len(tape._entries) == recorded + 1   # only `scores * 3.0`, computed outside the metric
    np.testing.assert_allclose(tape.gradient(loss, scores).numpy(), np.full(SCORES.shape, 2.0))


def test_configs_match_keras3():
    expected = {
        metrics.AUC(curve="PR"): {"name": "auc", "dtype": "float32", "num_thresholds": 200, "curve": "PR",
                                  "summation_method": "interpolation", "multi_label": False, "num_labels": None,
                                  "label_weights": None, "from_logits": False},
        metrics.Precision(thresholds=[0.3], top_k=2): {"name": "precision", "dtype": "float32", "thresholds": [0.3],
                                                       "top_k": 2, "class_id": None},
        metrics.Recall(): {"name": "recall", "dtype": "float32", "thresholds": None, "top_k": None, "class_id": None},
        metrics.BinaryAccuracy(): {"name": "binary_accuracy", "dtype": "float32", "threshold": 0.5},
        metrics.SparseTopKCategoricalAccuracy(k=3): {"name": "sparse_top_k_categorical_accuracy", "dtype": "float32",
                                                     "k": 3},
        metrics.CategoricalCrossentropy(): {"name": "categorical_crossentropy", "dtype": "float32",
                                            "from_logits": False, "label_smoothing": 0, "axis": -1},
        metrics.BinaryCrossentropy(): {"name": "binary_crossentropy", "dtype": "float32", "from_logits": False,
                                       "label_smoothing": 0},
        metrics.SparseCategoricalCrossentropy(): {"name": "sparse_categorical_crossentropy", "dtype": "float32",
                                                  "from_logits": False, "ignore_class": None, "axis": -1},
        metrics.Mean(): {"name": "mean", "dtype": "float32"},
        metrics.MeanSquaredError(): {"name": "mean_squared_error", "dtype": "float32"},
        metrics.AUC(thresholds=[0.1, 0.5]): {"name": "auc", "dtype": "float32", "num_thresholds": 4, "curve": "ROC",
                                             "summation_method": "interpolation", "multi_label": False,
                                             "num_labels": None, "label_weights": None, "from_logits": False,
                                             "thresholds": [0.1, 0.5]},
    }
    for metric, config in expected.items():
        assert metric.get_config() == config
        serialized = metrics.serialize(metric)
        assert serialized["module"] == "keras.metrics" and serialized["class_name"] == type(metric).__name__
        assert metrics.deserialize(serialized).get_config() == config


def test_get_by_name():
    names = {"mse": "mean_squared_error", "mae": "mean_absolute_error", "auc": "auc", "AUC": "auc",
             "precision": "precision", "Recall": "recall", "categorical_crossentropy": "categorical_crossentropy",
             "top_k_categorical_accuracy": "top_k_categorical_accuracy", "accuracy": "accuracy"}
    for identifier, name in names.items():
        assert metrics.get(identifier).name == name
    assert metrics.get("sparse_categorical_accuracy").__class__ is metrics.SparseCategoricalAccuracy
    assert isinstance(metrics.get({"class_name": "AUC", "config": {"curve": "PR"}}), metrics.AUC)
    with pytest.raises(InvalidArgumentError, match="Could not interpret"):
        metrics.get("no_such_metric")
    with pytest.raises(InvalidArgumentError, match="curve"):
        metrics.AUC(curve="DET")
