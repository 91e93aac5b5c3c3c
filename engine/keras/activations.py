"""`tf.keras.activations`: Keras 3's activation functions by name, written with public ops."""
from .._export import lookup
from ..errors import InvalidArgumentError
from . import serialization

__all__ = ["relu", "relu6", "elu", "selu", "celu", "gelu", "glu", "softplus", "softsign", "soft_shrink",
           "sparse_plus", "squareplus", "silu", "swish", "hard_silu", "hard_swish", "tanh", "tanh_shrink",
           "hard_tanh", "hard_shrink", "threshold", "sigmoid", "hard_sigmoid", "sparse_sigmoid", "log_sigmoid",
           "exponential", "linear", "mish", "softmax", "log_softmax", "sparsemax", "leaky_relu", "get", "serialize",
           "deserialize"]

def _op(name):
    return lookup(name)


def _tensor(x):
    return _op("convert_to_tensor")(x)


def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """max(x, 0) with Keras's options: a slope below `threshold`, a cap at `max_value`."""
    x = _tensor(x)
    if negative_slope == 0.0 and max_value is None and threshold == 0.0:
        return _op("nn.relu")(x)
    if threshold != 0.0:
        above = _op("greater")(x, threshold)
        y = _op("where")(above, x, negative_slope * (x - threshold))
    else:
        y = _op("maximum")(x, 0.0) + negative_slope * _op("minimum")(x, 0.0) if negative_slope else _op("nn.relu")(x)
    if max_value is not None:
        y = _op("minimum")(y, float(max_value))
    return y


def relu6(x):
    return _op("nn.relu6")(_tensor(x))


def elu(x, alpha=1.0):
    x = _tensor(x)
    y = _op("nn.elu")(x)
    return y if alpha == 1.0 else _op("where")(_op("greater")(x, 0.0), y, alpha * y)


def selu(x):
    return _op("nn.selu")(_tensor(x))


def celu(x, alpha=1.0):
    x = _tensor(x)
    return _op("maximum")(x, 0.0) + alpha * (_op("exp")(_op("minimum")(x, 0.0) / alpha) - 1.0)


def gelu(x, approximate=False):
    return _op("nn.gelu")(_tensor(x), approximate=approximate)


def glu(x, axis=-1):
    """Gated linear unit: the first half of `axis` times the sigmoid of the second half."""
    x = _tensor(x)
    if x.shape[axis] % 2:
        raise InvalidArgumentError(f"glu: axis {axis} must have an even size, got shape {list(x.shape)}")
    a, b = _op("split")(x, 2, axis=axis)
    return a * _op("sigmoid")(b)


def softplus(x):
    return _op("math.softplus")(_tensor(x))


def softsign(x):
    return _op("math.softsign")(_tensor(x))


def soft_shrink(x, threshold=0.5):
    x = _tensor(x)
    return _op("where")(_op("greater")(x, threshold), x - threshold,
                        _op("where")(_op("less")(x, -threshold), x + threshold, _op("zeros_like")(x)))


def sparse_plus(x):
    x = _tensor(x)
    middle = 0.25 * _op("square")(x + 1.0)
    return _op("where")(_op("less_equal")(x, -1.0), _op("zeros_like")(x),
                        _op("where")(_op("less")(x, 1.0), middle, x))


def squareplus(x, b=4):
    x = _tensor(x)
    return (x + _op("sqrt")(_op("square")(x) + float(b))) / 2.0


def silu(x):
    return _op("nn.silu")(_tensor(x))


swish = silu


def hard_silu(x):
    x = _tensor(x)
    return x * hard_sigmoid(x)


hard_swish = hard_silu


def tanh(x):
    return _op("tanh")(_tensor(x))


def tanh_shrink(x):
    x = _tensor(x)
    return x - _op("tanh")(x)


def hard_tanh(x):
    return _op("clip_by_value")(_tensor(x), -1.0, 1.0)


def hard_shrink(x, threshold=0.5):
    x = _tensor(x)
    return _op("where")(_op("greater")(_op("abs")(x), threshold), x, _op("zeros_like")(x))


def threshold(x, threshold, default_value):
    x = _tensor(x)
    return _op("where")(_op("greater")(x, threshold), x, _op("fill")(x.shape, float(default_value)))


def sigmoid(x):
    return _op("sigmoid")(_tensor(x))


def hard_sigmoid(x):
    """Keras 3's piecewise-linear sigmoid: relu6(x + 3) / 6."""
    return _op("nn.relu6")(_tensor(x) + 3.0) / 6.0


def log_sigmoid(x):
    return _op("math.log_sigmoid")(_tensor(x))


def sparse_sigmoid(x):
    """0 below -1, 1 above 1, linear (x + 1) / 2 in between."""
    return _op("clip_by_value")((_tensor(x) + 1.0) / 2.0, 0.0, 1.0)


def sparsemax(x, axis=-1):
    """The Euclidean projection of x onto the probability simplex (sparse probabilities) along the last axis."""
    x = _tensor(x)
    if axis not in (-1, x.ndim - 1):
        raise InvalidArgumentError(f"sparsemax: only the last axis is supported, got axis={axis}")
    n = x.shape[-1]
    ordered = _op("math.top_k")(x, k=n).values
    ranks = _op("range")(1, n + 1, dtype=x.dtype)
    in_support = _op("cast")(_op("greater")(1.0 + ranks * ordered, _op("cumsum")(ordered, axis=-1)), x.dtype)
    support_size = _op("reduce_sum")(in_support, axis=-1, keepdims=True)
    threshold = (_op("reduce_sum")(in_support * ordered, axis=-1, keepdims=True) - 1.0) / support_size
    return _op("maximum")(x - threshold, 0.0)


def exponential(x):
    return _op("exp")(_tensor(x))


def linear(x):
    return x


def mish(x):
    x = _tensor(x)
    return x * _op("tanh")(_op("math.softplus")(x))


def softmax(x, axis=-1):
    return _op("nn.softmax")(_tensor(x), axis=axis)


def log_softmax(x, axis=-1):
    return _op("nn.log_softmax")(_tensor(x), axis=axis)


def leaky_relu(x, negative_slope=0.2):
    return _op("nn.leaky_relu")(_tensor(x), alpha=negative_slope)


_ALL = {fn.__name__: fn for fn in (
    relu, relu6, elu, selu, celu, gelu, glu, softplus, softsign, soft_shrink, sparse_plus, squareplus, silu,
    hard_silu, tanh, tanh_shrink, hard_tanh, hard_shrink, threshold, sigmoid, hard_sigmoid, sparse_sigmoid,
    log_sigmoid, exponential, linear, mish, softmax, log_softmax, sparsemax, leaky_relu)}
# Aliases Keras resolves by name; serialisation writes the canonical name.
_ALIASES = {"swish": silu, "hard_swish": hard_silu}
for _name, _fn in _ALL.items():
    serialization.register_builtin(_fn, "keras.activations", _name)
for _name, _fn in _ALIASES.items():
    serialization.register_builtin(_fn, "keras.activations", _name)


def serialize(activation):
    """The name Keras writes for an activation: "relu", ..., or "package>name" for a registered one."""
    if activation is None:
        return None
    builtin = serialization.builtin_module(activation)
    if builtin is not None:
        return activation.__name__
    registered = serialization.get_registered_name(activation)
    if registered is not None and serialization.get_registered_object(registered) is activation:
        return serialization.serialize_keras_object(activation)
    if hasattr(activation, "get_config"):
        return serialization.serialize_keras_object(activation)
    raise InvalidArgumentError(
        f"cannot serialize activation {getattr(activation, '__name__', activation)!r}: it is not built in; "
        "register it with register_keras_serializable()")


def deserialize(config, custom_objects=None):
    """An activation function from its name or serialized dict."""
    return serialization.deserialize_keras_object(config, custom_objects=custom_objects,
                                                  module_objects={**_ALL, **_ALIASES})


def get(identifier):
    """An activation from None (linear), a name, a serialized dict, or a callable (returned as is)."""
    if identifier is None:
        return linear
    if isinstance(identifier, str):
        fn = _ALIASES.get(identifier) or _ALL.get(identifier)
        if fn is not None:
            return fn
        obj = serialization.get_registered_object(identifier)
        if obj is None:
            known = ", ".join(sorted({**_ALL, **_ALIASES}))
            raise InvalidArgumentError(f"unknown activation function {identifier!r}; known: {known}")
        return obj
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise InvalidArgumentError(f"could not interpret activation function identifier: {identifier!r}")
