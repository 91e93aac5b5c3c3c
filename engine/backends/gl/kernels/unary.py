"""Elementwise unary kernels, activations and their gradient kernels, cast and clip.

Each kernel applies one overloaded GLSL function (gl_kernels/unary*.glsl, on the accurate
float32 building blocks of unary_math.glsl) through the shared elementwise wrapper.
"""
import numpy as np

from ....dtypes import bool_, complex64, float16, float32, int32
from ....ops.convert import broadcast_shapes
from ....tensor import Tensor
from ..kernel import gl_kernel
from ..program import ProgramSpec

MATH = ("unary_math.glsl", "unary.glsl")
ACTIVATION = ("unary_math.glsl", "unary_activation.glsl")
LEAKY_RELU = ("unary_leaky_relu.glsl",)
CAST = ("unary_cast.glsl",)
CLIP = ("unary_math.glsl", "unary_clip.glsl")

_ARITY_DEFINES = {1: {}, 2: {"BINARY": 1}, 3: {"TERNARY": 1}, 4: {"QUATERNARY": 1}}
_CAST_FUNCTIONS = {float32: "k_to_float", float16: "k_to_float", int32: "k_to_int", bool_: "k_to_bool",
                   complex64: "k_to_complex"}


def elementwise(backend, inputs, function, libraries, out_shape=None, out_dtype=None, uniforms=None):
    """`function` of the (broadcast) inputs, element by element; shape and dtype default to the first input's."""
    first = inputs[0]
    return backend.program(ProgramSpec(inputs, first.shape if out_shape is None else out_shape,
                                       out_dtype or first.dtype, libraries + ("elementwise.glsl",),
                                       {"FN": function, **_ARITY_DEFINES[len(inputs)]}, uniforms, elementwise=True))


def _unary_kernel(function, libraries=MATH, out_dtype=None):
    def kernel(backend, x):
        return elementwise(backend, [x], function, libraries, out_dtype=out_dtype)
    return kernel


def _gradient_kernel(name, function):
    def kernel(backend, a, b):
        return elementwise(backend, [a, b], function, ACTIVATION, broadcast_shapes(a.shape, b.shape, name))
    return kernel


for _name, _function in (("Abs", "k_abs"), ("Neg", "k_neg"), ("Conj", "k_conj"), ("Square", "k_square"),
                         ("Exp", "k_exp"), ("Expm1", "k_expm1"), ("Log", "k_log"), ("Log1p", "k_log1p"),
                         ("Sqrt", "k_sqrt"), ("Rsqrt", "k_rsqrt"), ("Reciprocal", "k_reciprocal"),
                         ("Sin", "k_sin"), ("Cos", "k_cos"), ("Tan", "k_tan"), ("Tanh", "k_tanh"),
                         ("Sigmoid", "k_sigmoid"), ("Sign", "k_sign"), ("Floor", "k_floor"), ("Ceil", "k_ceil"),
                         ("Round", "k_round"), ("Erf", "k_erf"), ("LogicalNot", "k_logical_not")):
    gl_kernel(_name)(_unary_kernel(_function))

for _name, _function in (("IsNan", "k_is_nan"), ("IsInf", "k_is_inf"), ("IsFinite", "k_is_finite")):
    gl_kernel(_name)(_unary_kernel(_function, out_dtype=bool_))

for _name, _function in (("Relu", "k_relu"), ("Relu6", "k_relu6"), ("Elu", "k_elu"), ("Selu", "k_selu"),
                         ("Softplus", "k_softplus"), ("Softsign", "k_softsign")):
    gl_kernel(_name)(_unary_kernel(_function, ACTIVATION))

for _name, _function in (("ReluGrad", "k_relu_grad"), ("Relu6Grad", "k_relu6_grad"), ("EluGrad", "k_elu_grad"),
                         ("SeluGrad", "k_selu_grad"), ("SigmoidGrad", "k_sigmoid_grad"),
                         ("TanhGrad", "k_tanh_grad")):
    gl_kernel(_name)(_gradient_kernel(_name, _function))


def _alpha_uniform(x, alpha):
    # The cpu kernel multiplies by alpha in x's dtype, so a float16 slope is rounded first.
    return {"alpha": ("float", float(np.float16(alpha)) if x.dtype is float16 else alpha)}


@gl_kernel("LeakyRelu")
def leaky_relu(backend, x, *, alpha):
    return elementwise(backend, [x], "k_leaky_relu", LEAKY_RELU, uniforms=_alpha_uniform(x, alpha))


@gl_kernel("LeakyReluGrad")
def leaky_relu_grad(backend, dy, x, *, alpha):
    return elementwise(backend, [dy, x], "k_leaky_relu_grad", LEAKY_RELU,
                       broadcast_shapes(dy.shape, x.shape, "LeakyReluGrad"), uniforms=_alpha_uniform(dy, alpha))


@gl_kernel("Cast")
def cast(backend, x, *, dtype):
    if x.dtype is dtype:
        return x
    if x.dtype is float16 and dtype is float32:
        return Tensor(x.buffer, x.shape, dtype)  # float16 is stored widened to float32: a relabel
    return elementwise(backend, [x], _CAST_FUNCTIONS[dtype], CAST, out_dtype=dtype)


@gl_kernel("ClipByValue")
def clip_by_value(backend, t, low, high):
    return elementwise(backend, [t, low, high], "k_clip", CLIP)


_CLIP_GRAD_FUNCTIONS = {"t": "k_clip_grad_t", "clip_value_min": "k_clip_grad_min", "clip_value_max": "k_clip_grad_max"}


@gl_kernel("ClipByValueGrad")
def clip_by_value_grad(backend, dy, t, low, high, *, wrt):
    return elementwise(backend, [dy, t, low, high], _CLIP_GRAD_FUNCTIONS[wrt], CLIP)
