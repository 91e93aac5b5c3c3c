"""Losses with Keras 3's names, formulas, reductions and configs: functions and `Loss` classes.

A loss function maps (y_true, y_pred) to one value per sample (the last axis
reduced); a `Loss` object weights those values by `sample_weight` and reduces
them ("sum_over_batch_size" by default). Probabilities are clipped to
[EPSILON, 1 - EPSILON] as Keras does; from_logits=True uses the fused kernels.
"""
import inspect
import re

from .. import runtime
from ..dtypes import float32
from ..errors import IncompatibleShapesError, InvalidArgumentError
from ..ops.binary import add, less_equal, maximum, multiply, not_equal, subtract, divide
from ..ops.convert import convert_to_tensor
from ..ops.indexing import where
from ..ops.nn import (sigmoid_cross_entropy_with_logits, softmax_cross_entropy_with_logits,
                      sparse_softmax_cross_entropy_with_logits)
from ..ops.reduction import reduce_mean, reduce_sum
from ..ops.shape import expand_dims, reshape, squeeze
from ..ops.unary import abs as abs_, cast, clip_by_value, log, negative, square
from ..tensor import Tensor

__all__ = [
    "Loss", "LossFunctionWrapper", "MeanSquaredError", "MeanAbsoluteError", "Huber", "KLDivergence",
    "BinaryCrossentropy", "CategoricalCrossentropy", "SparseCategoricalCrossentropy",
    "mean_squared_error", "mean_absolute_error", "huber", "kl_divergence", "binary_crossentropy",
    "categorical_crossentropy", "sparse_categorical_crossentropy", "mse", "mae", "kld", "MSE", "MAE", "KLD",
    "serialize", "deserialize", "get",
]

EPSILON = 1e-7  # keras.backend.epsilon()
REDUCTIONS = ("sum_over_batch_size", "sum", None, "none", "mean", "mean_with_sample_weight")


# --- shared helpers (metrics use them too) ---------------------------------------
def as_float_tensor(value, dtype=float32):
    """`value` as a floating tensor: numpy and Python values are converted, integer and bool tensors cast."""
    tensor = value if isinstance(value, Tensor) else convert_to_tensor(value)
    if tensor.dtype is not dtype:
        tensor = cast(tensor, dtype)
    return tensor


def as_tensor(value):
    return value if isinstance(value, Tensor) else convert_to_tensor(value)


def squeeze_or_expand_to_same_rank(x1, x2, expand_rank_1=True):
    """Keras's rule: when the ranks differ by one and the longer one ends in a size-1 axis, line them up."""
    rank1, rank2 = len(x1.shape), len(x2.shape)
    if rank1 == rank2 + 1 and x1.shape[-1] == 1:
        if rank2 == 1 and expand_rank_1:
            x2 = expand_dims(x2, -1)
        else:
            x1 = squeeze(x1, -1)
    elif rank2 == rank1 + 1 and x2.shape[-1] == 1:
        if rank1 == 1 and expand_rank_1:
            x1 = expand_dims(x1, -1)
        else:
            x2 = squeeze(x2, -1)
    return x1, x2


def weights_like(sample_weight, values):
    """`sample_weight` as a float tensor that broadcasts against `values` (a per-sample weight of a
    per-timestep loss gets trailing axes; Keras would fail to broadcast it)."""
    weights = as_float_tensor(sample_weight, values.dtype)
    values, weights = squeeze_or_expand_to_same_rank(values, weights)
    if len(weights.shape) < len(values.shape):
        weights = reshape(weights, tuple(weights.shape) + (1,) * (len(values.shape) - len(weights.shape)))
    return values, weights


def reduce_weighted_values(values, sample_weight=None, mask=None, reduction="sum_over_batch_size"):
    """Weight per-sample `values` by `sample_weight` (and a boolean `mask`) and reduce them."""
    reduction = standardize_reduction(reduction)
    if mask is not None:
        # As Keras: masked-out entries weigh 0 and the others total/valid, so a mean counts valid entries only.
        float_mask = cast(mask, values.dtype)
        if reduction in ("mean", "sum_over_batch_size"):
            valid = reduce_sum(float_mask)
            float_mask = multiply(float_mask, divide(float(max(float_mask.size, 1)), maximum(valid, 1e-30)))
        if sample_weight is None:
            sample_weight = float_mask
        else:
            float_mask, sample_weight = squeeze_or_expand_to_same_rank(float_mask, as_float_tensor(sample_weight))
            sample_weight = multiply(sample_weight, float_mask)
    if sample_weight is not None:
        values, sample_weight = weights_like(sample_weight, values)
        values = multiply(values, sample_weight)
    if reduction is None or reduction == "none" or values.ndim == 0 or tuple(values.shape) == (0,):
        return values
    if reduction == "sum":
        return reduce_sum(values)
    if reduction == "mean_with_sample_weight" and sample_weight is not None:
        total_weight = reduce_sum(sample_weight)
        return where(not_equal(total_weight, 0.0), divide(reduce_sum(values), maximum(total_weight, 1e-30)),
                     0.0)
    if values.size == 0:
        return reduce_sum(values)
    return reduce_mean(values)


def standardize_reduction(reduction):
    if reduction not in REDUCTIONS:
        raise InvalidArgumentError(f"Invalid value for argument `reduction`. Expected one of {set(REDUCTIONS)}. "
                                   f"Received: reduction={reduction!r}")
    return reduction


_LOOKBACK = 32   # recorded ops searched for the producer of y_pred: it ran moments before the loss


def recorded_logits(output, kernel_name, axis=None):
    """The logits behind a softmax / sigmoid output, when a GradientTape recorded the op that made it.

    As Keras does under TensorFlow (which reads `output.op.inputs[0]`), a crossentropy of probabilities
    that came straight from a "Softmax" or "Sigmoid" kernel is computed from that kernel's input: exact
    gradients without clipping, and fewer kernels. Outside a tape (evaluate, predict) the probabilities
    are used as they are. Returns None when no such op is found.
    """
    for tape in runtime.active_tapes():
        for op, _ in reversed(tape._entries[-_LOOKBACK:]):
            if op.outputs[0] is not output:
                continue
            if op.name != kernel_name or axis is not None and op.attrs.get("axis") != axis % output.ndim:
                return None
            return op.inputs[0]
    return None


def _keras3_config(config):
    """A copy of a loss config with Keras 2's reduction "auto" read as Keras 3's default."""
    config = dict(config)
    if config.get("reduction") == "auto":
        config["reduction"] = "sum_over_batch_size"
    return config


def _same_shape(y_true, y_pred, fn_name):
    if tuple(y_true.shape) != tuple(y_pred.shape):
        raise IncompatibleShapesError(f"{fn_name}: y_true of shape {list(y_true.shape)} and y_pred of shape "
                                      f"{list(y_pred.shape)} must have the same shape")


def _prediction_and_target(y_true, y_pred):
    y_pred = as_float_tensor(y_pred)
    y_true = as_float_tensor(y_true, y_pred.dtype)
    return squeeze_or_expand_to_same_rank(y_true, y_pred)


# --- loss functions: one value per sample ------------------------------------------
def mean_squared_error(y_true, y_pred):
    """mean((y_true - y_pred)**2, axis=-1)."""
    y_true, y_pred = _prediction_and_target(y_true, y_pred)
    return reduce_mean(square(subtract(y_true, y_pred)), axis=-1)


def mean_absolute_error(y_true, y_pred):
    """mean(|y_true - y_pred|, axis=-1)."""
    y_true, y_pred = _prediction_and_target(y_true, y_pred)
    return reduce_mean(abs_(subtract(y_true, y_pred)), axis=-1)


def huber(y_true, y_pred, delta=1.0):
    """mean(0.5 e**2 where |e| <= delta, else delta |e| - 0.5 delta**2, axis=-1), e = y_pred - y_true."""
    y_true, y_pred = _prediction_and_target(y_true, y_pred)
    delta = float(delta)
    error = subtract(y_pred, y_true)
    abs_error = abs_(error)
    quadratic = multiply(square(error), 0.5)
    linear = subtract(multiply(abs_error, delta), 0.5 * delta * delta)
    return reduce_mean(where(less_equal(abs_error, delta), quadratic, linear), axis=-1)


def kl_divergence(y_true, y_pred):
    """sum(y_true * log(y_true / y_pred), axis=-1), both clipped to [EPSILON, 1]."""
    y_pred = as_float_tensor(y_pred)
    y_true = clip_by_value(as_float_tensor(y_true, y_pred.dtype), EPSILON, 1.0)
    y_pred = clip_by_value(y_pred, EPSILON, 1.0)
    return reduce_sum(multiply(y_true, log(divide(y_true, y_pred))), axis=-1)


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """-sum(y_true * log(p), axis) with p = softmax(y_pred) (from_logits) or y_pred renormalised and clipped."""
    if isinstance(axis, bool):
        raise InvalidArgumentError(f"`axis` must be of type `int`. Received: axis={axis} of type {type(axis)}")
    y_pred = as_float_tensor(y_pred)
    y_true = as_float_tensor(y_true, y_pred.dtype)
    _same_shape(y_true, y_pred, "categorical_crossentropy")
    if y_pred.ndim == 0:
        raise InvalidArgumentError("categorical_crossentropy: y_pred must have rank >= 1, got a scalar")
    if label_smoothing:
        num_classes = y_true.shape[axis]
        y_true = add(multiply(y_true, 1.0 - label_smoothing), label_smoothing / num_classes)
    logits = y_pred if from_logits else recorded_logits(y_pred, "Softmax", axis)
    if logits is not None:
        return softmax_cross_entropy_with_logits(y_true, logits, axis=axis)
    probabilities = divide(y_pred, reduce_sum(y_pred, axis, keepdims=True))
    probabilities = clip_by_value(probabilities, EPSILON, 1.0 - EPSILON)
    return negative(reduce_sum(multiply(y_true, log(probabilities)), axis))


def _sparse_labels(y_true, y_pred, axis, fn_name):
    if axis not in (-1, y_pred.ndim - 1):
        raise InvalidArgumentError(f"{fn_name}: only axis=-1 is supported. Received: axis={axis}")
    labels = as_tensor(y_true)
    if labels.ndim == y_pred.ndim and labels.shape[-1] == 1:
        labels = squeeze(labels, -1)
    if not labels.dtype.is_integer:
        labels = cast(labels, "int32")
    if tuple(labels.shape) != tuple(y_pred.shape[:-1]):
        raise IncompatibleShapesError(f"{fn_name}: y_true of shape {list(as_tensor(y_true).shape)} does not match "
                                      f"y_pred of shape {list(y_pred.shape)} (expected class indices of shape "
                                      f"{list(y_pred.shape[:-1])})")
    return labels


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None, axis=-1):
    """-log(p[label]) for integer labels; entries whose label is `ignore_class` give 0."""
    y_pred = as_float_tensor(y_pred)
    labels = _sparse_labels(y_true, y_pred, axis, "sparse_categorical_crossentropy")
    valid = None
    if ignore_class is not None:
        valid = not_equal(labels, int(ignore_class))
        labels = where(valid, labels, 0)
    logits = y_pred if from_logits else recorded_logits(y_pred, "Softmax", -1)
    if logits is None:
        # log of clipped probabilities are logits whose softmax renormalises them, as in Keras.
        logits = log(clip_by_value(y_pred, EPSILON, 1.0 - EPSILON))
    result = sparse_softmax_cross_entropy_with_logits(labels, logits)
    if valid is not None:
        result = where(valid, result, 0.0)
    return result


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """mean(-(y log p + (1 - y) log(1 - p)), axis) with p clipped, or the sigmoid form for logits."""
    y_pred = as_float_tensor(y_pred)
    y_true = as_float_tensor(y_true, y_pred.dtype)
    if label_smoothing:
        y_true = add(multiply(y_true, 1.0 - label_smoothing), 0.5 * label_smoothing)
    _same_shape(y_true, y_pred, "binary_crossentropy")
    logits = y_pred if from_logits else recorded_logits(y_pred, "Sigmoid")
    if logits is not None:
        elementwise = sigmoid_cross_entropy_with_logits(labels=y_true, logits=logits)
    else:
        p = clip_by_value(y_pred, EPSILON, 1.0 - EPSILON)
        positive = multiply(y_true, log(p))
        negative_part = multiply(subtract(1.0, y_true), log(subtract(1.0, p)))
        elementwise = negative(add(positive, negative_part))
    return reduce_mean(elementwise, axis=axis)


mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
kld = KLD = kl_divergence


# --- Loss classes -------------------------------------------------------------------
def snake_case(name):
    """Keras's naming rule: "CategoricalCrossentropy" -> "categorical_crossentropy", "AUC" -> "auc"."""
    name = re.sub(r"\W+", "", name)
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


class Loss:
    """Base class: subclasses implement `call(y_true, y_pred)` returning one value per sample."""

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None):
        self.name = name or snake_case(type(self).__name__)
        self.reduction = standardize_reduction(reduction)
        self._dtype = dtype or "float32"

    @property
    def dtype(self):
        return self._dtype

    def __call__(self, y_true, y_pred, sample_weight=None):
        y_pred = as_tensor(y_pred)
        y_true = as_tensor(y_true)
        values = self.call(y_true, y_pred)
        return reduce_weighted_values(values, sample_weight, self._mask(y_true, y_pred), self.reduction)

    def _mask(self, y_true, y_pred):
        """Entries that count (a boolean tensor), or None when all do."""
        return None

    def call(self, y_true, y_pred):
        raise NotImplementedError(f"{type(self).__name__} must implement call(y_true, y_pred)")

    def get_config(self):
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config):
        return cls(**_keras3_config(config))

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r} reduction={self.reduction!r}>"


class LossFunctionWrapper(Loss):
    """A Loss around a function `fn(y_true, y_pred, **kwargs)`."""

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, dtype=None, **kwargs):
        super().__init__(name=name or getattr(fn, "__name__", None), reduction=reduction, dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true, y_pred):
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self):
        config = super().get_config()
        config["fn"] = serialize(self.fn)
        config.update(self._fn_kwargs)
        return config

    @classmethod
    def from_config(cls, config):
        config = _keras3_config(config)
        if "fn" in config:
            config["fn"] = deserialize(config["fn"])
        return cls(**config)

    def __repr__(self):
        return f"<LossFunctionWrapper({getattr(self.fn, '__name__', self.fn)}, kwargs={self._fn_kwargs})>"


class _BuiltinLoss(LossFunctionWrapper):
    """A built-in loss class: its config is the base config plus its own arguments (no `fn`)."""

    _config_keys = ()

    def get_config(self):
        config = Loss.get_config(self)
        config.update({key: getattr(self, key) for key in self._config_keys})
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**_keras3_config(config))

    def __repr__(self):
        return Loss.__repr__(self)


class MeanSquaredError(_BuiltinLoss):
    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_error", dtype=None):
        super().__init__(mean_squared_error, name=name, reduction=reduction, dtype=dtype)


class MeanAbsoluteError(_BuiltinLoss):
    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_error", dtype=None):
        super().__init__(mean_absolute_error, name=name, reduction=reduction, dtype=dtype)


class Huber(_BuiltinLoss):
    # Keras 3 leaves `delta` out of the config (so it resets to 1.0 on reload); keeping it round-trips.
    _config_keys = ("delta",)

    def __init__(self, delta=1.0, reduction="sum_over_batch_size", name="huber_loss", dtype=None):
        super().__init__(huber, name=name, reduction=reduction, dtype=dtype, delta=delta)
        self.delta = delta


class KLDivergence(_BuiltinLoss):
    def __init__(self, reduction="sum_over_batch_size", name="kl_divergence", dtype=None):
        super().__init__(kl_divergence, name=name, reduction=reduction, dtype=dtype)


class BinaryCrossentropy(_BuiltinLoss):
    _config_keys = ("from_logits", "label_smoothing", "axis")

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name="binary_crossentropy", dtype=None):
        super().__init__(binary_crossentropy, name=name, reduction=reduction, dtype=dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis


class CategoricalCrossentropy(_BuiltinLoss):
    _config_keys = ("from_logits", "label_smoothing", "axis")

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name="categorical_crossentropy", dtype=None):
        super().__init__(categorical_crossentropy, name=name, reduction=reduction, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis


class SparseCategoricalCrossentropy(_BuiltinLoss):
    _config_keys = ("from_logits", "ignore_class")

    def __init__(self, from_logits=False, ignore_class=None, reduction="sum_over_batch_size", axis=-1,
                 name="sparse_categorical_crossentropy", dtype=None):
        super().__init__(sparse_categorical_crossentropy, name=name, reduction=reduction, dtype=dtype,
                         from_logits=from_logits, ignore_class=ignore_class, axis=axis)
        self.from_logits = from_logits
        self.ignore_class = ignore_class
        self.axis = axis

    def call(self, y_true, y_pred):
        # Unlike the other wrappers, integer labels of shape (batch,) must not gain an axis here.
        return sparse_categorical_crossentropy(y_true, y_pred, **self._fn_kwargs)

    def _mask(self, y_true, y_pred):
        if self.ignore_class is None:
            return None
        labels = _sparse_labels(y_true, as_float_tensor(y_pred), self.axis, self.name)
        return not_equal(labels, int(self.ignore_class))


# --- lookup and serialization ----------------------------------------------------------
_LOSS_CLASSES = (Loss, LossFunctionWrapper, MeanSquaredError, MeanAbsoluteError, Huber, KLDivergence,
                 BinaryCrossentropy, CategoricalCrossentropy, SparseCategoricalCrossentropy)
_LOSS_FUNCTIONS = (mean_squared_error, mean_absolute_error, huber, kl_divergence, binary_crossentropy,
                   categorical_crossentropy, sparse_categorical_crossentropy)
ALL_OBJECTS_DICT = {obj.__name__: obj for obj in _LOSS_CLASSES + _LOSS_FUNCTIONS}
ALL_OBJECTS_DICT.update({"mse": mean_squared_error, "MSE": mean_squared_error, "mae": mean_absolute_error,
                         "MAE": mean_absolute_error, "kld": kl_divergence, "KLD": kl_divergence,
                         "kullback_leibler_divergence": kl_divergence, "huber_loss": huber})


def serialize(loss):
    """Keras 3's JSON form of a loss object or function."""
    if isinstance(loss, Loss):
        module = "keras.losses" if type(loss) in _LOSS_CLASSES else type(loss).__module__
        return {"module": module, "class_name": type(loss).__name__, "config": loss.get_config(),
                "registered_name": None if type(loss) in _LOSS_CLASSES else type(loss).__name__}
    if inspect.isfunction(loss) or callable(loss):
        return {"module": "builtins", "class_name": "function", "config": loss.__name__,
                "registered_name": "function"}
    raise InvalidArgumentError(f"cannot serialize {loss!r} as a loss")


def _custom_object(name, custom_objects):
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    from . import serialization
    finder = getattr(serialization, "get_registered_object", None)
    return finder(name) if finder is not None else None


def deserialize(config, custom_objects=None):
    """A loss object or function from `serialize`'s dict or a name."""
    if isinstance(config, str):
        found = _custom_object(config, custom_objects) or ALL_OBJECTS_DICT.get(config)
        if found is None:
            raise InvalidArgumentError(f"unknown loss {config!r}; known: {', '.join(sorted(ALL_OBJECTS_DICT))}")
        return found
    if not isinstance(config, dict) or "class_name" not in config:
        raise InvalidArgumentError(f"a serialized loss must be a name or a dict with 'class_name', got {config!r}")
    class_name = config["class_name"]
    if class_name == "function":
        return deserialize(config["config"], custom_objects)
    cls = _custom_object(config.get("registered_name") or class_name, custom_objects) or \
        _custom_object(class_name, custom_objects) or ALL_OBJECTS_DICT.get(class_name)
    if not (inspect.isclass(cls) and issubclass(cls, Loss)):
        raise InvalidArgumentError(f"unknown loss class {class_name!r}")
    return cls.from_config(dict(config.get("config") or {}))


def get(identifier):
    """A loss from a name ("mse", "categorical_crossentropy", "CategoricalCrossentropy"), a config dict,
    a Loss object or a function; a class is instantiated with its defaults."""
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        found = deserialize(identifier)
    elif isinstance(identifier, str):
        found = ALL_OBJECTS_DICT.get(identifier) or _custom_object(identifier, None)
    else:
        found = identifier
    if inspect.isclass(found):
        found = found()
    if not callable(found):
        raise InvalidArgumentError(f"Could not interpret loss identifier: {identifier!r}")
    return found
