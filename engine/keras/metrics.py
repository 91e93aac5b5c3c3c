"""`tf.keras.metrics`: Keras 3's stateful metrics (accuracy variants, top-k, AUC, precision, recall,
regression and loss-named metrics), metric functions, `get` by name, and `confusion_matrix`."""
import inspect

from ..dtypes import float32, int32
from ..errors import InvalidArgumentError
from ..ops.binary import equal, greater, less, multiply
from ..ops.indexing import one_hot
from ..ops.reduction import argmax, reduce_any, reduce_mean, reduce_sum
from ..ops.shape import expand_dims, reshape, squeeze
from ..ops.training import argmax_matches
from ..ops.unary import cast, sqrt
from . import losses as losses_module
from .confusion_metrics import (AUC, FalseNegatives, FalsePositives, Precision, Recall, TrueNegatives,
                                TruePositives, confusion_matrix)
from .losses import as_float_tensor, as_tensor, squeeze_or_expand_to_same_rank
from .metric_base import Mean, MeanMetricWrapper, Metric, Sum, snake_case

__all__ = [
    "Metric", "Mean", "Sum", "MeanMetricWrapper",
    "Accuracy", "BinaryAccuracy", "CategoricalAccuracy", "SparseCategoricalAccuracy", "TopKCategoricalAccuracy",
    "SparseTopKCategoricalAccuracy", "AUC", "Precision", "Recall", "TruePositives", "FalsePositives",
    "TrueNegatives", "FalseNegatives", "MeanSquaredError", "MeanAbsoluteError", "RootMeanSquaredError",
    "BinaryCrossentropy", "CategoricalCrossentropy", "SparseCategoricalCrossentropy", "KLDivergence",
    "accuracy", "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy",
    "top_k_categorical_accuracy", "sparse_top_k_categorical_accuracy", "mean_squared_error",
    "mean_absolute_error", "binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy",
    "kl_divergence", "confusion_matrix", "serialize", "deserialize", "get",
]

mean_squared_error = losses_module.mean_squared_error
mean_absolute_error = losses_module.mean_absolute_error
binary_crossentropy = losses_module.binary_crossentropy
categorical_crossentropy = losses_module.categorical_crossentropy
sparse_categorical_crossentropy = losses_module.sparse_categorical_crossentropy
kl_divergence = losses_module.kl_divergence


# --- accuracy functions: 1.0 per correct sample, 0.0 per wrong one ------------------
def accuracy(y_true, y_pred):
    """Exact equality of labels and predictions."""
    y_pred = as_tensor(y_pred)
    y_true = as_tensor(y_true)
    if y_true.dtype is not y_pred.dtype:
        y_true = cast(y_true, y_pred.dtype)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return cast(equal(y_true, y_pred), float32)


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """Mean over the last axis of (y_pred > threshold) == y_true."""
    y_pred = as_float_tensor(y_pred)
    y_true = as_float_tensor(y_true)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    predicted = cast(greater(y_pred, float(threshold)), float32)
    return reduce_mean(cast(equal(y_true, predicted), float32), axis=-1)


def _argmax_matches(labels, y_pred):
    if not labels.dtype.is_integer:
        labels = cast(labels, int32)
    if (labels.dtype is int32 and y_pred.dtype is float32 and y_pred.ndim >= 1 and y_pred.shape[-1]
            and tuple(labels.shape) == tuple(y_pred.shape[:-1])):
        return argmax_matches(labels, y_pred)
    return cast(equal(labels, argmax(y_pred, axis=-1, output_type=int32)), float32)


def categorical_accuracy(y_true, y_pred):
    """argmax(y_true) == argmax(y_pred) along the last axis (one-hot labels)."""
    return _argmax_matches(argmax(as_tensor(y_true), axis=-1, output_type=int32), as_tensor(y_pred))


def sparse_categorical_accuracy(y_true, y_pred):
    """y_true == argmax(y_pred) for integer labels of shape (batch,) or (batch, 1)."""
    y_pred = as_tensor(y_pred)
    labels = as_tensor(y_true)
    if labels.ndim == y_pred.ndim and labels.shape[-1] == 1:
        labels = squeeze(labels, -1)
    matches = _argmax_matches(labels, y_pred)
    if matches.ndim > 1 and matches.shape[-1] == 1:
        matches = squeeze(matches, -1)
    return matches


def _in_top_k(labels, y_pred, k):
    """TF's in_top_k: the label's score is beaten by fewer than k scores (ties straddling the cut count in)."""
    y_pred = as_float_tensor(y_pred)
    if y_pred.ndim > 2:
        y_pred = reshape(y_pred, (-1, y_pred.shape[-1]))
    labels = reshape(labels if labels.dtype is int32 else cast(labels, int32), (-1,))
    label_scores = reduce_sum(multiply(y_pred, one_hot(labels, y_pred.shape[-1])), axis=-1, keepdims=True)
    beaten_by = reduce_sum(cast(greater(y_pred, label_scores), float32), axis=-1)
    return cast(less(beaten_by, float(k)), float32)


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """Whether the class of each one-hot label is among the k highest predictions."""
    labels = argmax(as_tensor(y_true), axis=-1, output_type=int32)
    matches = _in_top_k(labels, y_pred, k)
    return reshape(matches, tuple(labels.shape)) if labels.ndim > 1 else matches


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5, from_sorted_ids=False):
    """Whether each integer label is among the k highest predictions (or the first k ids when
    `from_sorted_ids`, y_pred then holding class ids sorted by score)."""
    labels = as_tensor(y_true)
    y_pred = as_tensor(y_pred)
    if labels.ndim == y_pred.ndim and labels.shape[-1] == 1:
        labels = squeeze(labels, -1)
    if from_sorted_ids:
        ids = y_pred[..., :k]
        labels = cast(labels, ids.dtype) if labels.dtype is not ids.dtype else labels
        matches = cast(reduce_any(equal(ids, expand_dims(labels, -1)), axis=-1), float32)
        return matches
    matches = _in_top_k(labels, y_pred, k)
    return reshape(matches, tuple(labels.shape)) if labels.ndim > 1 else matches


# --- metric classes --------------------------------------------------------------------
class Accuracy(MeanMetricWrapper):
    _direction = "up"
    _config_keys = ()

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(accuracy, name=name, dtype=dtype)


class BinaryAccuracy(MeanMetricWrapper):
    _direction = "up"
    _config_keys = ("threshold",)

    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        super().__init__(binary_accuracy, name=name, dtype=dtype, threshold=threshold)
        self.threshold = threshold


class CategoricalAccuracy(MeanMetricWrapper):
    _direction = "up"
    _config_keys = ()

    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(categorical_accuracy, name=name, dtype=dtype)


class SparseCategoricalAccuracy(MeanMetricWrapper):
    _direction = "up"
    _config_keys = ()

    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(sparse_categorical_accuracy, name=name, dtype=dtype)


class TopKCategoricalAccuracy(MeanMetricWrapper):
    _direction = "up"
    _config_keys = ("k",)

    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None):
        super().__init__(top_k_categorical_accuracy, name=name, dtype=dtype, k=k)
        self.k = k


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    _direction = "up"
    _config_keys = ("k",)

    def __init__(self, k=5, name="sparse_top_k_categorical_accuracy", dtype=None, from_sorted_ids=False):
        super().__init__(sparse_top_k_categorical_accuracy, name=name, dtype=dtype, k=k,
                         from_sorted_ids=from_sorted_ids)
        self.k = k
        self.from_sorted_ids = from_sorted_ids


class MeanSquaredError(MeanMetricWrapper):
    _direction = "down"
    _config_keys = ()

    def __init__(self, name="mean_squared_error", dtype=None):
        super().__init__(mean_squared_error, name=name, dtype=dtype)


class MeanAbsoluteError(MeanMetricWrapper):
    _direction = "down"
    _config_keys = ()

    def __init__(self, name="mean_absolute_error", dtype=None):
        super().__init__(mean_absolute_error, name=name, dtype=dtype)


class RootMeanSquaredError(Mean):
    """sqrt of the (weighted) mean of squared errors."""

    _direction = "down"

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = squeeze_or_expand_to_same_rank(as_float_tensor(y_true), as_float_tensor(y_pred))
        error = y_pred - y_true
        super().update_state(multiply(error, error), sample_weight)

    def result(self):
        return sqrt(super().result())


class BinaryCrossentropy(MeanMetricWrapper):
    _direction = "down"
    _config_keys = ("from_logits", "label_smoothing")

    def __init__(self, name="binary_crossentropy", dtype=None, from_logits=False, label_smoothing=0):
        super().__init__(binary_crossentropy, name=name, dtype=dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing

    def update_state(self, y_true, y_pred, sample_weight=None):
        # As the loss: labels of shape (batch,) meet predictions of shape (batch, 1).
        y_true, y_pred = squeeze_or_expand_to_same_rank(as_float_tensor(y_true), as_float_tensor(y_pred))
        super().update_state(y_true, y_pred, sample_weight)


class CategoricalCrossentropy(MeanMetricWrapper):
    _direction = "down"
    _config_keys = ("from_logits", "label_smoothing", "axis")

    def __init__(self, name="categorical_crossentropy", dtype=None, from_logits=False, label_smoothing=0,
                 axis=-1):
        super().__init__(categorical_crossentropy, name=name, dtype=dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis


class SparseCategoricalCrossentropy(MeanMetricWrapper):
    _direction = "down"
    _config_keys = ("from_logits", "ignore_class", "axis")

    def __init__(self, name="sparse_categorical_crossentropy", dtype=None, from_logits=False, ignore_class=None,
                 axis=-1):
        super().__init__(sparse_categorical_crossentropy, name=name, dtype=dtype, from_logits=from_logits,
                         ignore_class=ignore_class, axis=axis)
        self.from_logits = from_logits
        self.ignore_class = ignore_class
        self.axis = axis


class KLDivergence(MeanMetricWrapper):
    _direction = "down"
    _config_keys = ()

    def __init__(self, name="kl_divergence", dtype=None):
        super().__init__(kl_divergence, name=name, dtype=dtype)


# --- lookup and serialization ------------------------------------------------------------
_METRIC_CLASSES = (Metric, Mean, Sum, MeanMetricWrapper, Accuracy, BinaryAccuracy, CategoricalAccuracy,
                   SparseCategoricalAccuracy, TopKCategoricalAccuracy, SparseTopKCategoricalAccuracy, AUC,
                   Precision, Recall, TruePositives, FalsePositives, TrueNegatives, FalseNegatives,
                   MeanSquaredError, MeanAbsoluteError, RootMeanSquaredError, BinaryCrossentropy,
                   CategoricalCrossentropy, SparseCategoricalCrossentropy, KLDivergence)
_METRIC_FUNCTIONS = (accuracy, binary_accuracy, categorical_accuracy, sparse_categorical_accuracy,
                     top_k_categorical_accuracy, sparse_top_k_categorical_accuracy)
ALL_OBJECTS_DICT = {cls.__name__: cls for cls in _METRIC_CLASSES}
ALL_OBJECTS_DICT.update({snake_case(cls.__name__): cls for cls in _METRIC_CLASSES})
ALL_OBJECTS_DICT.update({"auc": AUC, "mse": MeanSquaredError, "MSE": MeanSquaredError, "mae": MeanAbsoluteError,
                         "MAE": MeanAbsoluteError, "bce": BinaryCrossentropy, "BCE": BinaryCrossentropy,
                         "kld": KLDivergence, "KLD": KLDivergence})
_FUNCTIONS_BY_NAME = {fn.__name__: fn for fn in _METRIC_FUNCTIONS}


def serialize(metric):
    """Keras 3's JSON form of a metric object or function."""
    if isinstance(metric, Metric):
        builtin = type(metric) in _METRIC_CLASSES
        return {"module": "keras.metrics" if builtin else type(metric).__module__,
                "class_name": type(metric).__name__, "config": metric.get_config(),
                "registered_name": None if builtin else type(metric).__name__}
    return losses_module.serialize(metric)


def deserialize(config, custom_objects=None):
    """A metric object (or metric function) from `serialize`'s dict or a name."""
    if isinstance(config, dict) and config.get("class_name") == "function":
        config = config["config"]
    if isinstance(config, str):
        found = (custom_objects or {}).get(config) or ALL_OBJECTS_DICT.get(config) or \
            _FUNCTIONS_BY_NAME.get(config) or losses_module.ALL_OBJECTS_DICT.get(config)
        if found is None:
            raise InvalidArgumentError(f"unknown metric {config!r}")
        return found
    if not isinstance(config, dict) or "class_name" not in config:
        raise InvalidArgumentError(f"a serialized metric must be a name or a dict with 'class_name', got {config!r}")
    class_name = config["class_name"]
    cls = (custom_objects or {}).get(config.get("registered_name") or class_name) or \
        (custom_objects or {}).get(class_name) or ALL_OBJECTS_DICT.get(class_name) or \
        _registered(config.get("registered_name") or class_name)
    if not (inspect.isclass(cls) and issubclass(cls, Metric)):
        raise InvalidArgumentError(f"unknown metric class {class_name!r}")
    return cls.from_config(dict(config.get("config") or {}))


def _registered(name):
    from . import serialization
    finder = getattr(serialization, "get_registered_object", None)
    return finder(name) if finder is not None else None


def get(identifier):
    """A metric from a name ("mse", "auc", "Precision", "categorical_accuracy"), a config dict, a Metric
    or a function; a class is instantiated with its defaults."""
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        found = deserialize(identifier)
    elif isinstance(identifier, str):
        found = ALL_OBJECTS_DICT.get(identifier) or _FUNCTIONS_BY_NAME.get(identifier) or _registered(identifier)
    else:
        found = identifier
    if inspect.isclass(found):
        found = found()
    if not callable(found) and not isinstance(found, Metric):
        raise InvalidArgumentError(f"Could not interpret metric identifier: {identifier!r}")
    return found
