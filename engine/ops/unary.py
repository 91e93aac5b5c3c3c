"""Elementwise unary ops, activations, cast and clip.

These are the hottest ops, so each is: convert, check the dtype, run the kernel.
The `*_grad` functions at the end run TF's gradient kernels (tf.raw_ops.ReluGrad ...);
they are not exported and exist for engine/gradients/unary.py.
"""
from .._export import tf_export
from ..dtypes import as_dtype, bool_, complex64, float16, float32, int32
from ..errors import DTypeError, IncompatibleShapesError
from ..runtime import run_kernel
from ..tensor import Tensor
from . import binary  # a module import: binary imports this module too, so look its ops up at call time
from .convert import binary_operands, broadcast_shapes, convert_to_tensor

_FLOAT = (float32, float16)
_FLOAT_COMPLEX = (float32, float16, complex64)
_REAL = (float32, float16, int32)
_SIGNED = (float32, float16, int32, complex64)
_BOOL = (bool_,)

_SQRT_HALF = 0.7071067811865476
_SQRT_2_OVER_PI = 0.7978845608028654


def _checked(x, dtypes, op_name):
    if not isinstance(x, Tensor):
        x = convert_to_tensor(x)
    if x.dtype not in dtypes:
        raise DTypeError(f"{op_name}: expected a {' or '.join(d.name for d in dtypes)} tensor, "
                         f"got {x.dtype.name} (shape {list(x.shape)})")
    return x


@tf_export("math.conj")
def conj(x, name=None):
    """Complex conjugate; the identity for real tensors (so gradients can use it everywhere)."""
    x = convert_to_tensor(x)
    if not x.dtype.is_complex:
        return x
    return run_kernel("Conj", [x])


@tf_export("abs", "math.abs")
def abs(x, name=None):  # noqa: A001  (TF's name)
    x = _checked(x, _SIGNED, "abs")
    if x.dtype is complex64:
        return run_kernel("ComplexAbs", [x])
    return run_kernel("Abs", [x])


@tf_export("negative", "math.negative")
def negative(x, name=None):
    return run_kernel("Neg", [_checked(x, _SIGNED, "negative")])


@tf_export("exp", "math.exp")
def exp(x, name=None):
    return run_kernel("Exp", [_checked(x, _FLOAT_COMPLEX, "exp")])


@tf_export("math.expm1")
def expm1(x, name=None):
    return run_kernel("Expm1", [_checked(x, _FLOAT, "expm1")])


@tf_export("math.log")
def log(x, name=None):
    return run_kernel("Log", [_checked(x, _FLOAT_COMPLEX, "log")])


@tf_export("math.log1p")
def log1p(x, name=None):
    return run_kernel("Log1p", [_checked(x, _FLOAT, "log1p")])


@tf_export("sqrt", "math.sqrt")
def sqrt(x, name=None):
    return run_kernel("Sqrt", [_checked(x, _FLOAT_COMPLEX, "sqrt")])


@tf_export("math.rsqrt")
def rsqrt(x, name=None):
    return run_kernel("Rsqrt", [_checked(x, _FLOAT, "rsqrt")])


@tf_export("square", "math.square")
def square(x, name=None):
    return run_kernel("Square", [_checked(x, _SIGNED, "square")])


@tf_export("sin", "math.sin")
def sin(x, name=None):
    return run_kernel("Sin", [_checked(x, _FLOAT, "sin")])


@tf_export("cos", "math.cos")
def cos(x, name=None):
    return run_kernel("Cos", [_checked(x, _FLOAT, "cos")])


@tf_export("tan", "math.tan")
def tan(x, name=None):
    return run_kernel("Tan", [_checked(x, _FLOAT, "tan")])


@tf_export("tanh", "math.tanh", "nn.tanh")
def tanh(x, name=None):
    return run_kernel("Tanh", [_checked(x, _FLOAT, "tanh")])


@tf_export("sigmoid", "math.sigmoid", "nn.sigmoid")
def sigmoid(x, name=None):
    return run_kernel("Sigmoid", [_checked(x, _FLOAT, "sigmoid")])


@tf_export("math.log_sigmoid")
def log_sigmoid(x, name=None):
    """log(sigmoid(x)) = -softplus(-x), finite for very negative x."""
    return negative(softplus(negative(_checked(x, _FLOAT, "log_sigmoid"))))


@tf_export("sign", "math.sign")
def sign(x, name=None):
    return run_kernel("Sign", [_checked(x, _REAL, "sign")])


@tf_export("floor", "math.floor")
def floor(x, name=None):
    x = _checked(x, _REAL, "floor")
    return x if x.dtype is int32 else run_kernel("Floor", [x])


@tf_export("math.ceil", "ceil")  # TF 2 has only tf.math.ceil; the engine's promised API also lists tf.ceil
def ceil(x, name=None):
    x = _checked(x, _REAL, "ceil")
    return x if x.dtype is int32 else run_kernel("Ceil", [x])


@tf_export("round", "math.round")
def round(x, name=None):  # noqa: A001  (TF's name)
    """Rounds half to even (banker's rounding), as TF does."""
    x = _checked(x, _REAL, "round")
    return x if x.dtype is int32 else run_kernel("Round", [x])


@tf_export("math.reciprocal")
def reciprocal(x, name=None):
    return run_kernel("Reciprocal", [_checked(x, _FLOAT_COMPLEX, "reciprocal")])


@tf_export("math.erf")
def erf(x, name=None):
    return run_kernel("Erf", [_checked(x, _FLOAT, "erf")])


@tf_export("logical_not", "math.logical_not")
def logical_not(x, name=None):
    return run_kernel("LogicalNot", [_checked(x, _BOOL, "logical_not")])


@tf_export("math.is_nan")
def is_nan(x, name=None):
    return run_kernel("IsNan", [_checked(x, _FLOAT, "is_nan")])


@tf_export("math.is_finite")
def is_finite(x, name=None):
    return run_kernel("IsFinite", [_checked(x, _FLOAT, "is_finite")])


@tf_export("math.is_inf")
def is_inf(x, name=None):
    return run_kernel("IsInf", [_checked(x, _FLOAT, "is_inf")])


@tf_export("cast", "dtypes.cast")
def cast(x, dtype, name=None):
    """Float to int truncates toward zero; complex to real keeps the real part; nonzero is True."""
    dtype = as_dtype(dtype)
    x = convert_to_tensor(x)
    if x.dtype is dtype:
        return x
    return run_kernel("Cast", [x], {"dtype": dtype})


@tf_export("clip_by_value")
def clip_by_value(t, clip_value_min, clip_value_max, name=None):
    """Clip `t` to [clip_value_min, clip_value_max]; the bounds broadcast to `t`'s shape."""
    t, low = binary_operands(t, clip_value_min, "clip_by_value")
    t, high = binary_operands(t, clip_value_max, "clip_by_value")
    if t.dtype not in _REAL:
        raise DTypeError(f"clip_by_value: expected a float32, float16 or int32 tensor, "
                         f"got {t.dtype.name} (shape {list(t.shape)})")
    for bound, what in ((low, "clip_value_min"), (high, "clip_value_max")):
        if bound.shape and broadcast_shapes(t.shape, bound.shape, "clip_by_value") != t.shape:
            raise IncompatibleShapesError(f"clip_by_value: {what} of shape {list(bound.shape)} would broadcast "
                                          f"t of shape {list(t.shape)} to a larger shape")
    return run_kernel("ClipByValue", [t, low, high])


# --- activations ---------------------------------------------------------------
@tf_export("nn.relu")
def relu(features, name=None):
    return run_kernel("Relu", [_checked(features, _REAL, "relu")])


@tf_export("nn.relu6")
def relu6(features, name=None):
    return run_kernel("Relu6", [_checked(features, _REAL, "relu6")])


@tf_export("nn.leaky_relu")
def leaky_relu(features, alpha=0.2, name=None):
    x = _checked(features, _REAL, "leaky_relu")
    if x.dtype is int32:
        x = cast(x, float32)  # TF computes integer features in float32
    return run_kernel("LeakyRelu", [x], {"alpha": float(alpha)})


@tf_export("nn.elu")
def elu(features, name=None):
    return run_kernel("Elu", [_checked(features, _FLOAT, "elu")])


@tf_export("nn.selu")
def selu(features, name=None):
    return run_kernel("Selu", [_checked(features, _FLOAT, "selu")])


@tf_export("nn.softplus", "math.softplus")
def softplus(features, name=None):
    return run_kernel("Softplus", [_checked(features, _FLOAT, "softplus")])


@tf_export("nn.softsign", "math.softsign")
def softsign(features, name=None):
    return run_kernel("Softsign", [_checked(features, _FLOAT, "softsign")])


@tf_export("nn.silu", "nn.swish")
def silu(features, beta=1.0, name=None):
    """x * sigmoid(beta * x)."""
    x = _checked(features, _FLOAT, "silu")
    scaled = x if isinstance(beta, (int, float)) and beta == 1 else binary.multiply(x, beta)
    return binary.multiply(x, sigmoid(scaled))


@tf_export("nn.gelu")
def gelu(features, approximate=False, name=None):
    """0.5 x (1 + erf(x / sqrt 2)), or TF's tanh approximation when `approximate`."""
    x = _checked(features, _FLOAT, "gelu")
    if approximate:
        cubic = binary.add(x, binary.multiply(binary.multiply(square(x), x), 0.044715))
        smooth = tanh(binary.multiply(cubic, _SQRT_2_OVER_PI))
    else:
        smooth = erf(binary.multiply(x, _SQRT_HALF))
    return binary.multiply(binary.multiply(x, 0.5), binary.add(smooth, 1.0))


# --- gradient kernels (for engine/gradients/unary.py) ------------------------------
def relu_grad(gradients, features):
    """`gradients` where `features` (relu's output) > 0, else 0."""
    return run_kernel("ReluGrad", [gradients, features])


def relu6_grad(gradients, features):
    """`gradients` where 0 < `features` (relu6's input) < 6, else 0."""
    return run_kernel("Relu6Grad", [gradients, features])


def leaky_relu_grad(gradients, features, alpha):
    return run_kernel("LeakyReluGrad", [gradients, features], {"alpha": alpha})


def elu_grad(gradients, outputs):
    return run_kernel("EluGrad", [gradients, outputs])


def selu_grad(gradients, outputs):
    return run_kernel("SeluGrad", [gradients, outputs])


def sigmoid_grad(y, dy):
    return run_kernel("SigmoidGrad", [y, dy])


def tanh_grad(y, dy):
    return run_kernel("TanhGrad", [y, dy])


def clip_by_value_grad(dy, t, clip_value_min, clip_value_max, wrt):
    """The part of `dy` (shaped like t) that flows to input `wrt` of clip_by_value, before unbroadcasting."""
    return run_kernel("ClipByValueGrad", [dy, t, clip_value_min, clip_value_max], {"wrt": wrt})
