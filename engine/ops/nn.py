"""Neural-network ops: bias_add, softmax, log_softmax, batch_normalization, l2_normalize, dropout, cross-entropies.

Softmax, log-softmax, the cross-entropies and dropout are kernels (hot paths,
numerically delicate); the rest are composed of other ops.
"""
import numbers
import operator

from .._export import tf_export
from ..errors import DTypeError, IncompatibleShapesError, InvalidArgumentError
from ..runtime import run_kernel
from ..tensor import Tensor
from .binary import add, maximum, multiply
from .convert import binary_operands, broadcast_shapes, convert_to_tensor
from .random import check_alg, stateful_seed_pair, stateless_seed_pair
from .reduction import normalize_axes, normalize_axis, reduce_sum
from .shape import reshape
from .unary import cast, rsqrt, square


def _floating(value, op_name, what):
    x = convert_to_tensor(value)
    if not x.dtype.is_floating:
        raise DTypeError(f"{op_name}: {what} must be float16 or float32, got {x.dtype.name} (shape {list(x.shape)})")
    return x


def _logits(value, op_name):
    logits = _floating(value, op_name, "logits")
    if logits.ndim == 0:
        raise InvalidArgumentError(f"{op_name}: logits must have rank >= 1, got a scalar")
    return logits


def _like(value, reference, op_name, what):
    """`value` as a tensor of `reference`'s dtype; Python and numpy values take it, tensors must have it."""
    if not isinstance(value, Tensor):
        value = convert_to_tensor(value, dtype_hint=reference.dtype)
        if value.dtype is not reference.dtype and value.dtype.is_floating:
            value = cast(value, reference.dtype)
    if value.dtype is not reference.dtype:
        raise DTypeError(f"{op_name}: {what} has dtype {value.dtype.name} but x has {reference.dtype.name}")
    broadcast_shapes(value.shape, reference.shape, op_name)
    return value


@tf_export("nn.bias_add")
def bias_add(value, bias, data_format=None, name=None):
    """value + bias, with the 1-D bias along the channel axis (last for 'N...C', 1 for 'NC...')."""
    value, bias = binary_operands(value, bias, "bias_add")
    if data_format is not None and data_format.startswith("NC"):
        channel_axis = 1
    elif data_format is None or data_format.startswith("N") and data_format.endswith("C"):
        channel_axis = value.ndim - 1
    else:
        raise InvalidArgumentError(f"bias_add: data_format must be of the form 'N...C' or 'NC...', got {data_format!r}")
    if value.ndim < 2:
        raise InvalidArgumentError(f"bias_add: value must be at least 2-D, got shape {list(value.shape)}")
    if bias.ndim != 1:
        raise InvalidArgumentError(f"bias_add: bias must be 1-D, got shape {list(bias.shape)}")
    if bias.shape[0] != value.shape[channel_axis]:
        raise IncompatibleShapesError(f"bias_add: bias of shape {list(bias.shape)} does not match axis {channel_axis} "
                                      f"of value shape {list(value.shape)}")
    if channel_axis != value.ndim - 1:
        bias = reshape(bias, [bias.shape[0]] + [1] * (value.ndim - 2))
    return add(value, bias)


@tf_export("nn.softmax", "math.softmax")
def softmax(logits, axis=None, name=None):
    logits = _logits(logits, "softmax")
    axis = normalize_axis(-1 if axis is None else axis, logits.ndim, "softmax")
    return run_kernel("Softmax", [logits], {"axis": axis})


@tf_export("nn.log_softmax", "math.log_softmax")
def log_softmax(logits, axis=None, name=None):
    logits = _logits(logits, "log_softmax")
    axis = normalize_axis(-1 if axis is None else axis, logits.ndim, "log_softmax")
    return run_kernel("LogSoftmax", [logits], {"axis": axis})


@tf_export("nn.batch_normalization")
def batch_normalization(x, mean, variance, offset, scale, variance_epsilon, name=None):
    """(x - mean) * scale / sqrt(variance + variance_epsilon) + offset, every parameter broadcast against x."""
    op_name = "batch_normalization"
    x = _floating(x, op_name, "x")
    parameters = [_like(value, x, op_name, what) for value, what in (
        (mean, "mean"), (variance, "variance"), (0.0 if offset is None else offset, "offset"),
        (1.0 if scale is None else scale, "scale"))]
    shape = tuple(x.shape)
    for parameter, what in zip(parameters, ("mean", "variance", "offset", "scale")):
        shape = broadcast_shapes(shape, parameter.shape, f"{op_name} ({what})")
    # One kernel, not seven: at inference a network's BatchNormalizations were most of its GPU dispatches.
    return run_kernel("FusedBatchNorm", [x, *parameters], {"epsilon": float(variance_epsilon)})


@tf_export("math.l2_normalize", "linalg.l2_normalize", "nn.l2_normalize")
def l2_normalize(x, axis=None, epsilon=1e-12, name=None, dim=None):
    """x / sqrt(max(sum(x**2, axis), epsilon))."""
    x = _floating(x, "l2_normalize", "x")
    axes = normalize_axes(dim if axis is None else axis, x.ndim, "l2_normalize")
    square_sum = reduce_sum(square(x), axes, keepdims=True)
    return multiply(x, rsqrt(maximum(square_sum, epsilon)))


def _dropout_rate(rate, op_name):
    if isinstance(rate, Tensor) and rate.ndim == 0:
        rate = float(rate)
    if not isinstance(rate, numbers.Real) or isinstance(rate, bool) or not 0 <= rate < 1:
        raise InvalidArgumentError(f"{op_name}: rate must be a float in the range [0, 1), got {rate!r}")
    return float(rate)


def _noise_shape(x, noise_shape, op_name):
    """The full-rank noise shape: None entries take x's size; each entry is x's size or 1."""
    if noise_shape is None:
        return tuple(x.shape)
    if isinstance(noise_shape, Tensor):
        noise_shape = noise_shape.numpy().tolist()
    try:
        dims = [None if d is None else operator.index(d) for d in noise_shape]
    except TypeError:
        raise InvalidArgumentError(f"{op_name}: noise_shape must be a list of integers or None, "
                                   f"got {noise_shape!r}") from None
    if len(dims) > x.ndim:
        raise InvalidArgumentError(f"{op_name}: noise_shape {dims} has a higher rank than x of shape {list(x.shape)}")
    dims = [1] * (x.ndim - len(dims)) + dims
    dims = [size if d is None else d for d, size in zip(dims, x.shape)]
    if any(d not in (1, size) for d, size in zip(dims, x.shape)):
        raise IncompatibleShapesError(f"{op_name}: noise_shape {list(noise_shape)} does not broadcast to "
                                      f"x of shape {list(x.shape)}")
    return tuple(dims)


def _dropout(x, rate, noise_shape, seed_pair):
    return run_kernel("Dropout", [x], {"rate": rate, "noise_shape": noise_shape,
                                       "seed0": seed_pair[0], "seed1": seed_pair[1]})


@tf_export("nn.dropout")
def dropout(x, rate, noise_shape=None, seed=None, name=None):
    """Zero each element with probability `rate` and scale the others by 1 / (1 - rate)."""
    x = _floating(x, "dropout", "x")
    rate = _dropout_rate(rate, "dropout")
    noise_shape = _noise_shape(x, noise_shape, "dropout")
    # Drawn even when rate is 0, as TF does, so the stateful sequence does not depend on the rate.
    seed_pair = stateful_seed_pair("Dropout", seed, "dropout")
    if rate == 0:
        return x
    return _dropout(x, rate, noise_shape, seed_pair)


@tf_export("nn.experimental.stateless_dropout")
def stateless_dropout(x, rate, seed, rng_alg=None, noise_shape=None, name=None):
    """Dropout whose mask is fixed by `seed`: the mask of stateless_uniform(noise_shape, seed) >= rate."""
    check_alg(rng_alg, "stateless_dropout")
    x = _floating(x, "stateless_dropout", "x")
    rate = _dropout_rate(rate, "stateless_dropout")
    noise_shape = _noise_shape(x, noise_shape, "stateless_dropout")
    seed_pair = stateless_seed_pair(seed, "stateless_dropout")
    if rate == 0:
        return x
    return _dropout(x, rate, noise_shape, seed_pair)


def _labels_like_logits(labels, logits, op_name):
    """Dense labels in the logits' dtype (TF casts them), with the logits' shape."""
    labels = convert_to_tensor(labels)
    if labels.dtype is not logits.dtype:
        if labels.dtype.is_complex:
            raise DTypeError(f"{op_name}: labels must be real, got {labels.dtype.name}")
        labels = cast(labels, logits.dtype)
    if tuple(labels.shape) != tuple(logits.shape):
        raise IncompatibleShapesError(f"{op_name}: labels of shape {list(labels.shape)} and logits of shape "
                                      f"{list(logits.shape)} must have the same shape")
    return labels


@tf_export("nn.softmax_cross_entropy_with_logits")
def softmax_cross_entropy_with_logits(labels, logits, axis=-1, name=None):
    """Per-example -sum(labels * log_softmax(logits)) along `axis`; labels are probability distributions."""
    op_name = "softmax_cross_entropy_with_logits"
    logits = _logits(logits, op_name)
    labels = _labels_like_logits(labels, logits, op_name)
    axis = normalize_axis(axis, logits.ndim, op_name)
    loss, _ = run_kernel("SoftmaxCrossEntropyWithLogits", [logits, labels], {"axis": axis})
    return loss


@tf_export("nn.sparse_softmax_cross_entropy_with_logits")
def sparse_softmax_cross_entropy_with_logits(labels, logits, name=None):
    """Per-example -log_softmax(logits)[label]; labels are class indices in [0, num_classes)."""
    op_name = "sparse_softmax_cross_entropy_with_logits"
    logits = _logits(logits, op_name)
    labels = convert_to_tensor(labels)
    if not labels.dtype.is_integer:
        raise DTypeError(f"{op_name}: labels must be integer class indices, got {labels.dtype.name}")
    if tuple(labels.shape) != tuple(logits.shape[:-1]):
        raise IncompatibleShapesError(f"{op_name}: labels of shape {list(labels.shape)} must have the shape of "
                                      f"logits {list(logits.shape)} without its last dimension")
    loss, _ = run_kernel("SparseSoftmaxCrossEntropyWithLogits", [logits, labels])
    return loss


@tf_export("nn.sigmoid_cross_entropy_with_logits")
def sigmoid_cross_entropy_with_logits(labels=None, logits=None, name=None):
    """Elementwise max(x, 0) - x * z + log(1 + exp(-|x|)) for logits x and labels z."""
    op_name = "sigmoid_cross_entropy_with_logits"
    if labels is None or logits is None:
        raise InvalidArgumentError(f"{op_name}: both labels and logits must be given")
    logits = _floating(logits, op_name, "logits")
    labels = _labels_like_logits(labels, logits, op_name)
    return run_kernel("SigmoidCrossEntropyWithLogits", [logits, labels])
