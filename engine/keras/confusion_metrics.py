"""Metrics built on thresholded confusion counts: AUC, Precision, Recall, True/False Positives/Negatives,
and the `confusion_matrix` helper.

A prediction counts as positive at threshold t when it is strictly greater
than t, and a label is positive when it is non-zero, as in Keras.
"""
import numpy as np

from ..dtypes import float32
from ..errors import IncompatibleShapesError, InvalidArgumentError
from ..memory import keep
from ..ops.binary import (add, divide_no_nan, greater, logical_and, maximum, minimum, multiply,
                          not_equal, subtract)
from ..ops.convert import convert_to_tensor
from ..ops.indexing import confusion_matrix, gather, one_hot, where  # noqa: F401  (re-exported)
from ..ops.linalg import matmul
from ..ops.reduction import reduce_mean, reduce_sum, top_k
from ..ops.shape import broadcast_to, expand_dims, reshape
from ..ops.unary import cast, log, sigmoid
from .losses import as_float_tensor, as_tensor, squeeze_or_expand_to_same_rank
from .metric_base import Metric

__all__ = ["AUC", "Precision", "Recall", "TruePositives", "FalsePositives", "TrueNegatives", "FalseNegatives",
           "confusion_matrix"]

EPSILON = 1e-7
NEG_INF = -1e10  # what Keras writes into predictions outside the top k
_KINDS = ("true_positives", "false_positives", "true_negatives", "false_negatives")


def _init_thresholds(thresholds, default):
    if thresholds is None:
        return [float(default)]
    listed = [float(t) for t in (thresholds if isinstance(thresholds, (list, tuple, np.ndarray)) else [thresholds])]
    if any(not 0.0 <= t <= 1.0 for t in listed):
        raise InvalidArgumentError(f"Threshold values must be in [0, 1]. Received: {thresholds}")
    return listed


def _filter_top_k(y_pred, k):
    """`y_pred` with every entry outside the k largest of its row replaced by NEG_INF."""
    _, indices = top_k(y_pred, k)
    in_top_k = reduce_sum(one_hot(indices, y_pred.shape[-1]), axis=-2)
    return add(multiply(y_pred, in_top_k), multiply(subtract(1.0, in_top_k), NEG_INF))


def update_confusion_variables(variables, y_true, y_pred, thresholds, top_k=None, class_id=None,
                               sample_weight=None, multi_label=False, label_weights=None):
    """Add this batch's thresholded counts to `variables` ({kind: Variable}, kinds from _KINDS).

    `thresholds` is a float32 tensor of shape [T]. Flat counts have shape [T]; with `multi_label`
    they have shape [T, num_labels] and the last axis of y_pred is the label axis.
    """
    y_pred = as_float_tensor(y_pred)
    y_true = as_tensor(y_true)
    y_true = cast(not_equal(y_true, False if y_true.dtype.is_bool else 0), float32)
    y_pred, y_true = squeeze_or_expand_to_same_rank(y_pred, y_true)
    if tuple(y_pred.shape) != tuple(y_true.shape):
        raise IncompatibleShapesError(f"confusion metric: y_true of shape {list(y_true.shape)} does not match "
                                      f"y_pred of shape {list(y_pred.shape)}")
    weights = None
    if sample_weight is not None:
        weights = expand_dims(as_float_tensor(sample_weight), -1)
        _, weights = squeeze_or_expand_to_same_rank(y_true, weights, expand_rank_1=False)
        if len(weights.shape) < len(y_pred.shape):
            weights = reshape(weights, tuple(weights.shape) + (1,) * (len(y_pred.shape) - len(weights.shape)))
        weights = broadcast_to(weights, tuple(y_pred.shape))
    if top_k is not None:
        y_pred = _filter_top_k(y_pred, top_k)
    if class_id is not None:
        if y_pred.ndim < 2:
            raise InvalidArgumentError("When class_id is provided, y_pred must be a 2D array with shape "
                                       f"(num_samples, num_classes), found shape: {list(y_pred.shape)}")
        y_true, y_pred = _column(y_true, class_id), _column(y_pred, class_id)
        weights = _column(weights, class_id) if weights is not None else None
    if label_weights is not None and not multi_label:
        label_weights = broadcast_to(as_float_tensor(label_weights), tuple(y_pred.shape))
        weights = label_weights if weights is None else multiply(weights, label_weights)

    if multi_label:
        num_labels = y_pred.shape[-1]
        y_pred = reshape(y_pred, (1, -1, num_labels))
        y_true = reshape(y_true, (-1, num_labels))
        weights = reshape(weights, (-1, num_labels)) if weights is not None else None
        positive = cast(greater(y_pred, reshape(thresholds, (-1, 1, 1))), float32)        # [T, N, L]
    else:
        y_pred = reshape(y_pred, (1, -1))
        y_true = reshape(y_true, (-1, 1))
        weights = reshape(weights, (-1, 1)) if weights is not None else None
        positive = cast(greater(y_pred, reshape(thresholds, (-1, 1))), float32)           # [T, N]
    weighted_true = y_true if weights is None else multiply(y_true, weights)
    weighted_false = subtract(1.0, y_true) if weights is None else multiply(subtract(1.0, y_true), weights)

    def counted(weighted_labels):
        if multi_label:
            return reduce_sum(multiply(positive, weighted_labels), axis=1)
        return reshape(matmul(positive, weighted_labels), (-1,))

    if "true_positives" in variables or "false_negatives" in variables:
        true_positives = counted(weighted_true)
        if "true_positives" in variables:
            variables["true_positives"].assign_add(true_positives)
        if "false_negatives" in variables:
            variables["false_negatives"].assign_add(subtract(reduce_sum(weighted_true, axis=0), true_positives))
    if "false_positives" in variables or "true_negatives" in variables:
        false_positives = counted(weighted_false)
        if "false_positives" in variables:
            variables["false_positives"].assign_add(false_positives)
        if "true_negatives" in variables:
            variables["true_negatives"].assign_add(subtract(reduce_sum(weighted_false, axis=0), false_positives))


def _column(tensor, class_id):
    return gather(tensor, [int(class_id)], axis=tensor.ndim - 1)


def _threshold_tensor(values):
    # keep(): the tensor outlives any tidy scope the metric happens to be created in.
    return keep(convert_to_tensor(np.asarray(values, np.float32)))


class _ConfusionMetric(Metric):
    """Counts of one kind (or several) at a list of thresholds."""

    _kinds = ()

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None,
                 default_threshold=0.5):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.top_k = top_k
        self.class_id = class_id
        self.thresholds = _init_thresholds(thresholds, default_threshold if top_k is None else NEG_INF)
        self._thresholds_tensor = _threshold_tensor(self.thresholds)
        for kind in self._kinds:
            setattr(self, kind, self.add_variable(shape=(len(self.thresholds),), name=kind))

    def update_state(self, y_true, y_pred, sample_weight=None):
        update_confusion_variables({kind: getattr(self, kind) for kind in self._kinds}, y_true, y_pred,
                                   self._thresholds_tensor, top_k=self.top_k, class_id=self.class_id,
                                   sample_weight=sample_weight)

    def _one_or_all(self, value):
        return reshape(value, ()) if len(self.thresholds) == 1 else value

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds}


class TruePositives(_ConfusionMetric):
    _kinds = ("true_positives",)

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(thresholds=thresholds, name=name, dtype=dtype)
        self.accumulator = self.true_positives

    def result(self):
        return self._one_or_all(self.accumulator)


class FalsePositives(TruePositives):
    _kinds = ("false_positives",)

    def __init__(self, thresholds=None, name=None, dtype=None):
        _ConfusionMetric.__init__(self, thresholds=thresholds, name=name, dtype=dtype)
        self.accumulator = self.false_positives


class TrueNegatives(TruePositives):
    _kinds = ("true_negatives",)

    def __init__(self, thresholds=None, name=None, dtype=None):
        _ConfusionMetric.__init__(self, thresholds=thresholds, name=name, dtype=dtype)
        self.accumulator = self.true_negatives


class FalseNegatives(TruePositives):
    _kinds = ("false_negatives",)

    def __init__(self, thresholds=None, name=None, dtype=None):
        _ConfusionMetric.__init__(self, thresholds=thresholds, name=name, dtype=dtype)
        self.accumulator = self.false_negatives


class Precision(_ConfusionMetric):
    """true_positives / (true_positives + false_positives), per threshold."""

    _direction = "up"

    _kinds = ("true_positives", "false_positives")

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(thresholds=thresholds, top_k=top_k, class_id=class_id, name=name, dtype=dtype)

    def result(self):
        return self._one_or_all(divide_no_nan(self.true_positives, add(self.true_positives, self.false_positives)))

    def get_config(self):
        return {**super().get_config(), "top_k": self.top_k, "class_id": self.class_id}


class Recall(Precision):
    """true_positives / (true_positives + false_negatives), per threshold."""

    _kinds = ("true_positives", "false_negatives")

    def result(self):
        return self._one_or_all(divide_no_nan(self.true_positives, add(self.true_positives, self.false_negatives)))


class AUC(Metric):
    """Area under the ROC or precision-recall curve, from counts at `num_thresholds` thresholds
    (Keras's Riemann sums; "interpolation" on the PR curve uses Davis & Goadrich's interpolation)."""

    _direction = "up"

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation", name=None, dtype=None,
                 thresholds=None, multi_label=False, num_labels=None, label_weights=None, from_logits=False):
        super().__init__(name=name, dtype=dtype)
        curve = str(curve).upper()
        summation_method = str(summation_method).lower()
        if curve not in ("ROC", "PR"):
            raise InvalidArgumentError(f'Invalid AUC curve value: "{curve}". Expected values are ["ROC", "PR"]')
        if summation_method not in ("interpolation", "minoring", "majoring"):
            raise InvalidArgumentError(f'Invalid AUC summation method value: "{summation_method}". Expected '
                                       'values are ["interpolation", "majoring", "minoring"]')
        self.curve = curve
        self.summation_method = summation_method
        if thresholds is not None:
            inner = sorted(_init_thresholds(thresholds, 0.5))
            self._init_from_thresholds = True
        else:
            if num_thresholds <= 1:
                raise InvalidArgumentError(f"Argument `num_thresholds` must be an integer > 1. "
                                           f"Received: num_thresholds={num_thresholds}")
            inner = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self._init_from_thresholds = False
        self.thresholds = [0.0 - EPSILON] + inner + [1.0 + EPSILON]
        self.num_thresholds = len(self.thresholds)
        self._thresholds_tensor = _threshold_tensor(self.thresholds)
        self.multi_label = multi_label
        self.num_labels = num_labels
        self.label_weights = None if label_weights is None else [float(w) for w in np.ravel(label_weights)]
        self._label_weights_tensor = _threshold_tensor(self.label_weights) if label_weights is not None else None
        self.from_logits = from_logits
        self._built = False
        if not multi_label or num_labels is not None:
            self._build(num_labels if multi_label else None)

    def _build(self, num_labels):
        shape = (self.num_thresholds,) if num_labels is None else (self.num_thresholds, num_labels)
        for kind in _KINDS:
            setattr(self, kind, self.add_variable(shape=shape, name=kind))
        self.num_labels = num_labels if self.multi_label else self.num_labels
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = as_float_tensor(y_pred)
        if not self._built:
            if y_pred.ndim < 2:
                raise InvalidArgumentError(f"AUC(multi_label=True) needs y_pred of rank 2 or more, got shape "
                                           f"{list(y_pred.shape)}")
            self._build(y_pred.shape[-1])
        if self.from_logits:
            y_pred = sigmoid(y_pred)
        update_confusion_variables({kind: getattr(self, kind) for kind in _KINDS}, y_true, y_pred,
                                   self._thresholds_tensor, sample_weight=sample_weight,
                                   multi_label=self.multi_label,
                                   label_weights=None if self.multi_label else self._label_weights_tensor)

    def result(self):
        if not self._built:
            return convert_to_tensor(0.0)
        tp, fp, tn, fn = self.true_positives, self.false_positives, self.true_negatives, self.false_negatives
        n = self.num_thresholds
        if self.curve == "PR" and self.summation_method == "interpolation":
            areas = self._interpolated_pr_areas(tp, fp, fn, n)
        else:
            recall = divide_no_nan(tp, add(tp, fn))
            if self.curve == "ROC":
                x, y = divide_no_nan(fp, add(fp, tn)), recall
            else:
                x, y = recall, divide_no_nan(tp, add(tp, fp))
            left, right = y[: n - 1], y[1:]
            if self.summation_method == "interpolation":
                heights = multiply(add(left, right), 0.5)
            elif self.summation_method == "minoring":
                heights = minimum(left, right)
            else:
                heights = maximum(left, right)
            areas = multiply(subtract(x[: n - 1], x[1:]), heights)
        if not self.multi_label:
            return reduce_sum(areas)
        per_label = reduce_sum(areas, axis=0)
        if self._label_weights_tensor is None:
            return reduce_mean(per_label)
        return divide_no_nan(reduce_sum(multiply(per_label, self._label_weights_tensor)),
                             reduce_sum(self._label_weights_tensor))

    @staticmethod
    def _interpolated_pr_areas(tp, fp, fn, n):
        """Davis & Goadrich (2006): between adjacent thresholds precision is interpolated along the
        line that TP traces against the predicted positives P = TP + FP."""
        delta_tp = subtract(tp[: n - 1], tp[1:])
        predicted = add(tp, fp)
        delta_p = subtract(predicted[: n - 1], predicted[1:])
        slope = divide_no_nan(delta_tp, maximum(delta_p, 0.0))
        intercept = subtract(tp[1:], multiply(slope, predicted[1:]))
        both_positive = logical_and(greater(predicted[: n - 1], 0.0), greater(predicted[1:], 0.0))
        ratio = where(both_positive, divide_no_nan(predicted[: n - 1], maximum(predicted[1:], 0.0)), 1.0)
        numerator = multiply(slope, add(delta_tp, multiply(intercept, log(ratio))))
        return divide_no_nan(numerator, maximum(add(tp[1:], fn[1:]), 0.0))

    def reset_state(self):
        if self._built:
            super().reset_state()

    def get_config(self):
        config = {**super().get_config(), "num_thresholds": self.num_thresholds, "curve": self.curve,
                  "summation_method": self.summation_method, "multi_label": self.multi_label,
                  "num_labels": self.num_labels, "label_weights": self.label_weights,
                  "from_logits": self.from_logits}
        if self._init_from_thresholds:
            config["thresholds"] = self.thresholds[1:-1]
        return config

