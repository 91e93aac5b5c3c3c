"""Random kernels (GL): the cpu kernels' Philox4x32-10 stream (engine/backends/cpu/random.py), element by element.

The seed pair's key and counter words come from the cpu module's `key_and_counter` and reach the shaders
as uniforms, so a new seed never recompiles. Uniform floats and integers, the shuffle permutation and (in
nn.py) dropout masks are bit-identical to the cpu kernels. Normals evaluate log, sin and cos with their own
float32 polynomials (gl_kernels/random_normal_math.glsl): numpy's float32 versions are neither correctly
rounded nor the same on every CPU, so normals agree with the cpu kernels to a few ulp, not bit for bit.
"""
import math

from ....dtypes import float16, int32
from ...cpu.random import key_and_counter
from ..kernel import gl_kernel
from ..program import ProgramSpec
from .core import alias

_LOW32 = 0xFFFFFFFF
_NORMAL_LIBRARIES = ("philox.glsl", "random_normal_math.glsl")


def philox_uniforms(seed0, seed1):
    """The uniforms philox.glsl reads: the Philox key and fixed counter words of a seed pair."""
    (key0, key1), (counter2, counter3) = key_and_counter(seed0, seed1)
    return {"philox_key0": ("uint", key0), "philox_key1": ("uint", key1),
            "philox_counter2": ("uint", counter2), "philox_counter3": ("uint", counter3)}


def half_define(dtype):
    """The define that makes philox.glsl's random_unit build float16 uniforms."""
    return {"HALF": 1} if dtype is float16 else {}


@gl_kernel("RandomUniform")
def random_uniform(backend, *, shape, dtype, seed0, seed1):
    return backend.program(ProgramSpec([], shape, dtype, ("philox.glsl", "random_uniform.glsl"), half_define(dtype),
                                       philox_uniforms(seed0, seed1)))


@gl_kernel("RandomUniformInt")
def random_uniform_int(backend, *, shape, minval, maxval, seed0, seed1):
    uniforms = {**philox_uniforms(seed0, seed1),
                "int_range": ("uint", (maxval - minval) & _LOW32),   # 2**32 wraps to 0, read as the full range
                "int_low": ("uint", minval & _LOW32)}
    return backend.program(ProgramSpec([], shape, int32, ("philox.glsl", "random_uniform_int.glsl"),
                                       uniforms=uniforms))


@gl_kernel("RandomStandardNormal")
def random_standard_normal(backend, *, shape, dtype, seed0, seed1):
    return backend.program(ProgramSpec([], shape, dtype, _NORMAL_LIBRARIES + ("random_normal.glsl",),
                                       uniforms=philox_uniforms(seed0, seed1)))


@gl_kernel("TruncatedNormal")
def truncated_normal(backend, *, shape, dtype, seed0, seed1):
    return backend.program(ProgramSpec([], shape, dtype, _NORMAL_LIBRARIES + ("random_truncated_normal.glsl",),
                                       uniforms=philox_uniforms(seed0, seed1)))


@gl_kernel("RandomShuffle")
def random_shuffle(backend, x, *, seed0, seed1):
    """Rows sorted by their Philox keys (ties by index): keys, then ranks by counting, then the inverse, then rows."""
    rows = x.shape[0]
    if math.prod(x.shape) == 0:
        return alias(x, x.shape)   # nothing to permute
    keys = backend.program(ProgramSpec([], (rows, 2), int32, ("philox.glsl", "random_shuffle_keys.glsl"),
                                       uniforms=philox_uniforms(seed0, seed1)))
    ranks = backend.program(ProgramSpec([keys], (rows,), int32, ("random_shuffle_rank.glsl",), input_names=("keys",)))
    order = backend.program(ProgramSpec([ranks], (rows,), int32, ("random_shuffle_order.glsl",),
                                        input_names=("ranks",)))
    return backend.program(ProgramSpec([x, order], x.shape, x.dtype, ("random_shuffle_gather.glsl",),
                                       input_names=("x", "order")))
