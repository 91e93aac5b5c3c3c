"""Reduction kernels: reductions over any axes, arg-reductions, scans and top-k.

Reductions run gl_kernels/reduce.glsl over a description of x in which adjacent
axes of one kind (kept or reduced) are merged, so non-contiguous axes need no
transpose. When the outputs are too few to keep a GPU busy (a sum to a scalar),
the reduction runs in passes: partial results, then merges of them.
"""
import math

from ....dtypes import complex64, float16, float32, int32
from ....ops.reduction import reduced_shape
from ..kernel import gl_kernel
from ..program import ProgramSpec, glsl_type, strides_of
from .reduction_scan import scan
from .reduction_top_k import top_k

# Split a reduction when its outputs give fewer threads than this (a quarter of an H200's)...
TARGET_THREADS = 1 << 18
# ...into parts of at least this many elements each, and merge at least this many partials
# per thread: every pass costs a dispatch (tens of microseconds from Python), so few, full passes.
MIN_RUN = 256
MIN_MERGE = 1024

_REDUCE_LIBRARIES = ("reduce_values.glsl", "reduce_layout.glsl", "reduce_ops.glsl", "reduce.glsl")
_MERGE_LIBRARIES = ("reduce_values.glsl", "reduce_ops.glsl", "reduce.glsl")


def glsl_int_array(values):
    return f"int[{len(values)}]({', '.join(str(int(v)) for v in values)})"


def _groups_defines(prefix, groups, index_strides_name):
    """Defines for groups of (size, stride in x): <prefix>_RANK, _DIMS, _X_STRIDES, and their index strides."""
    defines = {prefix + "_RANK": len(groups)}
    if groups:
        sizes = [size for size, _ in groups]
        defines[prefix + "_DIMS"] = glsl_int_array(sizes)
        defines[prefix + "_X_STRIDES"] = glsl_int_array([stride for _, stride in groups])
        defines[index_strides_name] = glsl_int_array(strides_of(sizes))
    return defines


def reduction_layout(shape, axes):
    """The defines of gl_kernels/reduce_layout.glsl for reducing a tensor of `shape` over `axes`."""
    groups = []   # [is_reduced, size, stride in x], innermost first while building
    stride = 1
    for axis in reversed(range(len(shape))):
        size, reduced = shape[axis], axis in axes
        if size != 1:
            if groups and groups[-1][0] == reduced:
                groups[-1][1] *= size   # the merged group keeps its inner stride
            else:
                groups.append([reduced, size, stride])
        stride *= size
    groups.reverse()
    kept = [(size, stride) for reduced, size, stride in groups if not reduced]
    reduced = [(size, stride) for reduced, size, stride in groups if reduced]
    count = math.prod(size for size, _ in reduced)
    run, run_stride = reduced.pop() if reduced and count else (count, 0)
    outer = reduced if count else []
    return {**_groups_defines("KEPT", kept, "KEPT_OUT_STRIDES"),
            **_groups_defines("OUTER", outer, "OUTER_STRIDES"),
            "OUTER_COUNT": math.prod(size for size, _ in outer), "RUN": run, "RUN_STRIDE": run_stride,
            "REDUCE_COUNT": count}


def _parts(outputs, count, min_run):
    """How many partial results per output a pass over `count` values per output should write."""
    if outputs == 0:
        return 1
    return max(1, min(-(-TARGET_THREADS // outputs), count // min_run))


def reduce(backend, x, axes, keepdims, op, out_dtype=None, value_type=None, partial_dtype=None):
    """Reduce x over `axes` with accumulator OP_<op> of gl_kernels/reduce_ops.glsl."""
    out_shape = reduced_shape(tuple(x.shape), axes, keepdims)
    out_dtype = out_dtype or x.dtype
    partial_dtype = partial_dtype or (float32 if x.dtype is float16 else x.dtype)
    outputs = math.prod(out_shape)
    layout = reduction_layout(tuple(x.shape), axes)
    is_arg = op in ("ARGMAX", "ARGMIN")   # their merges read the values of the partials' indices in x
    common = {"OP_" + op: 1, "VALUE_T": value_type or glsl_type(x.dtype), "REDUCE_COUNT": layout["REDUCE_COUNT"]}

    def run_pass(inputs, input_names, libraries, defines):
        final = defines["PARTS"] == 1
        return backend.program(ProgramSpec(
            inputs, out_shape if final else (outputs * defines["PARTS"],), out_dtype if final else partial_dtype,
            libraries, {**defines, "FINAL_PASS": 1} if final else defines, input_names=input_names))

    parts = _parts(outputs, layout["REDUCE_COUNT"], MIN_RUN)
    if parts > 1:
        common["OUTPUTS"] = outputs
        if layout["RUN_STRIDE"] != 1:
            common["OUTPUT_MINOR"] = 1
    result = run_pass([x], None, _REDUCE_LIBRARIES, {**common, **layout, "SOURCE_PASS": 1, "PARTS": parts})
    while parts > 1:
        parts_in, parts = parts, _parts(outputs, parts, MIN_MERGE)
        merge = {**common, "PARTS_IN": parts_in, "PARTS": parts}
        if is_arg:
            result = run_pass([x, result], ("x", "p"), _REDUCE_LIBRARIES, {**merge, **layout})
        else:
            result = run_pass([result], ("p",), _MERGE_LIBRARIES, merge)
    return result


@gl_kernel("Sum")
def sum_(backend, x, axes, keepdims):
    return reduce(backend, x, axes, keepdims, "SUM")


@gl_kernel("Mean")
def mean(backend, x, axes, keepdims):
    return reduce(backend, x, axes, keepdims, "MEAN")


@gl_kernel("Prod")
def prod(backend, x, axes, keepdims):
    return reduce(backend, x, axes, keepdims, "PROD")


@gl_kernel("Max")
def max_(backend, x, axes, keepdims):
    return reduce(backend, x, axes, keepdims, "MAX")


@gl_kernel("Min")
def min_(backend, x, axes, keepdims):
    return reduce(backend, x, axes, keepdims, "MIN")


@gl_kernel("Any")
def any_(backend, x, axes, keepdims):
    return reduce(backend, x, axes, keepdims, "ANY")


@gl_kernel("All")
def all_(backend, x, axes, keepdims):
    return reduce(backend, x, axes, keepdims, "ALL")


@gl_kernel("LogSumExp")
def log_sum_exp(backend, x, axes, keepdims):
    return reduce(backend, x, axes, keepdims, "LOGSUMEXP", partial_dtype=complex64)


def _arg_reduce(backend, x, axis, op):
    # Booleans compare as 0/1; partial passes store the index of their best element.
    return reduce(backend, x, (axis,), False, op, out_dtype=int32,
                  value_type="float" if x.dtype.is_floating else "int", partial_dtype=int32)


@gl_kernel("ArgMax")
def arg_max(backend, x, axis):
    return _arg_reduce(backend, x, axis, "ARGMAX")


@gl_kernel("ArgMin")
def arg_min(backend, x, axis):
    return _arg_reduce(backend, x, axis, "ARGMIN")


@gl_kernel("Cumsum")
def cumsum(backend, x, axis, exclusive, reverse):
    return scan(backend, x, axis, exclusive, reverse, "SUM")


@gl_kernel("Cumprod")
def cumprod(backend, x, axis, exclusive, reverse):
    return scan(backend, x, axis, exclusive, reverse, "PROD")


@gl_kernel("TopKV2")
def top_k_v2(backend, x, k):
    return top_k(backend, x, k)
