"""Broadcasting binary kernels: one GLSL function each, overloaded by dtype, in gl_kernels/binary*.glsl."""
from ....dtypes import bool_, float16, int32
from ....errors import InvalidArgumentError
from ....ops.convert import broadcast_shapes
from ..kernel import gl_kernel
from ..program import ProgramSpec

# Kernels whose functions use binary_float_pairs.glsl, which hides values from the optimizer behind the
# uniform `opaque_zero` (always 0).
_DIV_LIBRARIES = ("binary_float_pairs.glsl", "binary_div.glsl")
_FLOOR_LIBRARIES = ("binary_float_pairs.glsl", "binary_floor.glsl")
_ATAN2_LIBRARIES = ("binary_float_pairs.glsl", "binary_atan2.glsl")
POW_LIBRARIES = ("binary.glsl", "binary_float_pairs.glsl", "binary_div.glsl", "binary_atan2.glsl", "binary_pow.glsl")
OPAQUE_ZERO = {"opaque_zero": ("uint", 0)}


def binary(backend, x, y, function, out_dtype=None, libraries=("binary.glsl",), uniforms=None, defines=None):
    shape = broadcast_shapes(x.shape, y.shape, function)
    return backend.program(ProgramSpec([x, y], shape, out_dtype or x.dtype, libraries + ("elementwise.glsl",),
                                       {"FN": function, "BINARY": 1, **(defines or {})}, uniforms,
                                       elementwise=True))


def _register(kernel_name, function, out_dtype=None):
    @gl_kernel(kernel_name)
    def kernel(backend, x, y):
        return binary(backend, x, y, function, out_dtype)
    kernel.__name__ = function
    return kernel


for _kernel_name, _function in (("Add", "k_add"), ("Sub", "k_sub"), ("Mul", "k_mul"), ("Maximum", "k_maximum"),
                                ("Minimum", "k_minimum"), ("SquaredDifference", "k_squared_difference")):
    _register(_kernel_name, _function)
for _kernel_name, _function in (("Equal", "k_equal"), ("NotEqual", "k_not_equal"), ("Less", "k_less"),
                                ("LessEqual", "k_less_equal"), ("Greater", "k_greater"),
                                ("GreaterEqual", "k_greater_equal"), ("LogicalAnd", "k_logical_and"),
                                ("LogicalOr", "k_logical_or")):
    _register(_kernel_name, _function, bool_)


@gl_kernel("RealDiv")
def real_div(backend, x, y):
    return binary(backend, x, y, "k_div", libraries=_DIV_LIBRARIES, uniforms=OPAQUE_ZERO)


@gl_kernel("DivNoNan")
def div_no_nan(backend, x, y):
    return binary(backend, x, y, "k_div_no_nan", libraries=_DIV_LIBRARIES, uniforms=OPAQUE_ZERO)


def _check_integer_divisor(y, op_name):
    """Integer division by zero raises, as on cpu: the divisor is read back (int32 only)."""
    if y.dtype is int32 and not y.numpy().all():
        raise InvalidArgumentError(f"{op_name}: integer division by zero")


@gl_kernel("FloorDiv")
def floor_div(backend, x, y):
    _check_integer_divisor(y, "floordiv")
    # round_to_half exists in float16 programs: the cpu rounds the quotient to half before flooring
    defines = {"HALF_QUOTIENT": 1} if x.dtype is float16 else None
    return binary(backend, x, y, "k_floor_div", libraries=_FLOOR_LIBRARIES, uniforms=OPAQUE_ZERO, defines=defines)


@gl_kernel("FloorMod")
def floor_mod(backend, x, y):
    _check_integer_divisor(y, "floormod")
    return binary(backend, x, y, "k_floor_mod", libraries=_FLOOR_LIBRARIES, uniforms=OPAQUE_ZERO)


@gl_kernel("Pow")
def power(backend, x, y):
    if y.dtype is int32 and (y.numpy() < 0).any():
        raise InvalidArgumentError("pow: integers to negative integer powers are not allowed")
    return binary(backend, x, y, "k_pow", libraries=POW_LIBRARIES, uniforms=OPAQUE_ZERO)


@gl_kernel("Atan2")
def atan2(backend, y, x):
    return binary(backend, y, x, "k_atan2", libraries=_ATAN2_LIBRARIES, uniforms=OPAQUE_ZERO)
