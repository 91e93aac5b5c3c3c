"""Fusing a tf.function trace's dispatches before it is replayed (engine/tracing.py, replay.py).

On a GPU most of a small network's forward is fixed cost per dispatch: the barrier between
dependent dispatches and the GL calls around each. A trace knows every reader of every
intermediate result, so a result that exactly one later dispatch reads, and that nothing
outside the trace sees, need not be stored at all when that reader is
- an activation (a unary elementwise kernel: Relu, Relu6, Sigmoid, Tanh, Exp...), or
- a batch normalization over the last axis (FusedBatchNorm), whose four parameter vectors become
  extra inputs of the producer, or
- the addition of a vector over the last axis (a Dense or convolution layer's bias), an extra input too:
the producer applies it to each result before storing it (epilogue.glsl). Producers are the
generated programs (program.py) and the hand-written compute shaders whose stores go through
epilogue(): the convolutions, the depthwise convolutions and the matrix products.
So Conv2D -> BatchNormalization -> ReLU6, three dispatches eagerly, replays as one, and so does
MatMul -> bias Add -> ReLU. Each fused
program computes what the dispatches did, in the same order of float32 operations.
"""
import math

from ...dtypes import float32
from . import program as programs

BATCH_NORM_LIBRARIES = ("nn_batch_norm.glsl",)
# Hand-written compute shaders whose stores go through epilogue(value, last-axis index), and the
# defines under which that index is an output channel of a finished result (not a partial sum).
_EPILOGUE_SOURCES = {
    "matmul_tiled.comp": lambda defines: True,
    "matmul_tiled_vec4.comp": lambda defines: True,
    "matmul_tuned.comp": lambda defines: True,
    "conv_gemm.comp": lambda defines: "FORWARD" in defines and defines["K_CHUNK"] >= defines["K"],
    "conv_quads.comp": lambda defines: "FORWARD" in defines or "DEPTHWISE_FORWARD" in defines,
}
_BATCH_NORM_INPUTS = ("ep_mean", "ep_variance", "ep_offset", "ep_scale")
_BIAS_INPUTS = ("ep_bias",)
_BIAS_ADD = (("binary.glsl", "elementwise.glsl"), (("BINARY", 1), ("FN", "k_add")))


class Step:
    """One recorded dispatch, while fusion rewrites the trace: the spec it ran and its buffers."""

    __slots__ = ("spec", "inputs", "out", "compiled", "uniforms", "groups", "layout", "extras")

    def __init__(self, record):
        self.compiled, self.inputs, self.out, self.uniforms, self.groups, self.layout, self.spec, self.extras = record

    def record(self):
        return self.compiled, self.inputs, self.out, self.uniforms, self.groups, self.layout, self.spec, self.extras


def fuse(backend, records, kept):
    """The trace's records (compiled, inputs, out, uniforms, groups, layout, spec, extras) with fusable readers
    folded into the dispatch before them. `kept`: ids of the buffers the function returns or assigns to
    Variables, which must still be stored."""
    steps = [Step(record) for record in records]
    readers = {}
    for step in steps:
        for buffer in step.inputs:
            readers[id(buffer)] = readers.get(id(buffer), 0) + 1
    producer = {id(buffer): step for step in steps for buffer in (step.out, *step.extras)}
    order = {id(step): index for index, step in enumerate(steps)}
    fused = []
    for step in steps:
        source = producer.get(id(step.inputs[0])) if step.inputs else None
        if source is not None and readers[id(step.inputs[0])] == 1 and id(step.inputs[0]) not in kept \
                and not any(order.get(id(producer.get(id(buffer))), -1) > order[id(source)]
                            for buffer in step.inputs[1:]):
            spec = _fused_spec(source.spec, step.spec)
            if spec is not None:
                # The buffers as recorded: a Variable's buffer may have changed since its kernel read it.
                added = len(spec.inputs) - len(source.spec.inputs)
                source.inputs = source.inputs + step.inputs[len(step.inputs) - added:]
                source.spec, source.out, source.compiled = spec, step.out, None
                producer[id(step.out)] = source
                continue
        fused.append(step)
    for step in fused:
        if step.compiled is None:
            _compile(backend, step)
    return [step.record() for step in fused]


def _compile(backend, step):
    spec = step.spec
    step.compiled = backend.runtime.program(backend.path, spec.key) or backend.thread.call(backend._compile, spec)
    step.uniforms = [(step.compiled.uniform_locations[name], kind, value) for name, (kind, value) in spec.uniforms.items()]
    step.groups = spec.groups if isinstance(spec, programs.ComputeSpec) else backend._groups(spec)
    step.layout = backend._layout(spec)


def _activation(spec):
    """(libraries, function) of a unary elementwise float32 kernel, or None."""
    if not (isinstance(spec, programs.ProgramSpec) and spec.elementwise and len(spec.inputs) == 1 and not spec.uniforms
            and spec.libraries[-1:] == ("elementwise.glsl",) and spec.out_dtype is float32
            and spec.inputs[0].dtype is float32 and tuple(spec.inputs[0].shape) == spec.out_shape):
        return None
    defines = dict(spec.defines)
    if set(defines) != {"FN"}:
        return None
    return spec.libraries[:-1], defines["FN"]


def _channel_vectors(spec):
    """FusedBatchNorm's parameters when each is one value per channel of the last axis of x, else None."""
    if spec.libraries != BATCH_NORM_LIBRARIES or spec.out_dtype is not float32:
        return None
    x, *parameters = spec.inputs
    channels = x.shape[-1] if x.shape else 0
    if tuple(x.shape) != spec.out_shape or x.dtype is not float32 or not channels:
        return None
    for tensor in parameters:
        shape = tuple(tensor.shape)
        if tensor.dtype is not float32 or not shape or shape[-1] != channels or math.prod(shape) != channels:
            return None
    return parameters


def _merged(first, second):
    return first + tuple(name for name in second if name not in first)


def _fused_spec(producer, reader):
    """The producer's spec doing the reader's work too, or None where the two do not fuse."""
    defines = dict(producer.defines)
    if "EPILOGUE" in defines or "COMPUTE_TEXEL" in defines or producer.out_dtype is not float32:
        return None
    if isinstance(producer, programs.ComputeSpec):
        applies = _EPILOGUE_SOURCES.get(producer.source)
        if applies is None or not applies(defines):
            return None
    activation = _activation(reader)
    if activation is not None:
        libraries, function = activation
        return _with_epilogue(producer, libraries, {"EPILOGUE": function})
    if "EPILOGUE_AFFINE" in defines or "EPILOGUE_BIAS" in defines or not reader.out_shape \
            or producer.out_shape[-1:] != tuple(reader.out_shape[-1:]) \
            or math.prod(producer.out_shape) != math.prod(reader.out_shape):
        return None
    channels = {"EPILOGUE_CHANNELS": reader.out_shape[-1]}
    bias = _bias_vector(reader)
    if bias is not None:
        return _with_epilogue(producer, (), {"EPILOGUE_BIAS": 1, **channels}, [bias], _BIAS_INPUTS)
    parameters = _channel_vectors(reader)
    if parameters is None or "epsilon" in producer.uniforms:
        return None
    return _with_epilogue(producer, (), {"EPILOGUE_AFFINE": 1, **channels}, parameters, _BATCH_NORM_INPUTS,
                          {"epsilon": reader.uniforms["epsilon"]})


def _bias_vector(spec):
    """y of a float32 x + y whose y is one value per channel of the last axis of x (x the producer's result),
    else None."""
    if not isinstance(spec, programs.ProgramSpec) or (spec.libraries, spec.defines) != _BIAS_ADD \
            or spec.uniforms or spec.out_dtype is not float32:
        return None
    x, bias = spec.inputs
    if tuple(x.shape) != spec.out_shape or bias.dtype is not float32 or tuple(bias.shape) != spec.out_shape[-1:]:
        return None
    return bias


def _with_epilogue(spec, libraries, defines, parameters=(), parameter_names=(), uniforms=None):
    inputs = spec.inputs + list(parameters)
    names = spec.input_names + parameter_names
    defines = {**dict(spec.defines), **defines}
    uniforms = {**spec.uniforms, **(uniforms or {})}
    if isinstance(spec, programs.ComputeSpec):
        return programs.ComputeSpec(spec.source, inputs, spec.out_shape, float32, spec.groups, defines, uniforms, names,
                                    _merged(spec.libraries, libraries), spec.epilogue_inputs + len(parameters))
    own = tuple(name for name in spec.libraries if name != "epilogue.glsl")
    return programs.ProgramSpec(inputs, spec.out_shape, float32, _merged(libraries, own) + ("epilogue.glsl",),
                                defines, uniforms, names, spec.elementwise)
