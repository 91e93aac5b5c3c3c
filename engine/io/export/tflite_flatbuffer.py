"""Writing a Program (tflite_program.py) as a TFLite flatbuffer with the published schema (the `tflite` package).

Flatbuffers are built back to front: every vector, string and child table is written before
the table that points to it.
"""
import importlib

import flatbuffers
import numpy as np
import tflite

from .tflite_versions import min_runtime_version, operator_version, padded_version_bytes

__all__ = ["serialize"]

SCHEMA_VERSION = 3
FILE_IDENTIFIER = b"TFL3"
SIGNATURE_KEY = "serving_default"
# Weights are read in place (mmap): XNNPack and the GPU delegates want them 16-byte aligned.
_BUFFER_ALIGNMENT = 16
# Builtin codes above 127 do not fit the deprecated int8 field, which then holds this placeholder.
_PLACEHOLDER_FOR_GREATER_OP_CODES = 127
_TENSOR_TYPES = {"float32": tflite.TensorType.FLOAT32, "float16": tflite.TensorType.FLOAT16,
                 "int32": tflite.TensorType.INT32, "int8": tflite.TensorType.INT8}


def _schema(table):
    return importlib.import_module(f"tflite.{table}")


def _vector(builder, values, dtype):
    return builder.CreateNumpyVector(np.asarray(values, dtype))


def _offsets(builder, offsets):
    builder.StartVector(4, len(offsets), 4)
    for offset in reversed(offsets):
        builder.PrependUOffsetTRelative(offset)
    return builder.EndVector()


def _data_vector(builder, data):
    builder.StartVector(1, len(data), _BUFFER_ALIGNMENT)
    builder.head -= len(data)
    builder.Bytes[builder.head:builder.head + len(data)] = data
    return builder.EndVector()


def _table(builder, name, fields):
    """A table of the schema from {field: value}; a list is an int32 vector (written first, as vectors must be)."""
    module = _schema(name)
    prepared = {}
    for field, value in fields.items():
        if isinstance(value, (list, tuple)):
            prepared[field] = _vector(builder, value, np.int32)
        else:
            prepared[field] = value.item() if isinstance(value, np.generic) else value
    module.Start(builder)
    for field, value in prepared.items():
        getattr(module, f"Add{field}")(builder, value)
    return module.End(builder)


def _buffer(builder, data):
    vector = _data_vector(builder, data) if data else None
    tflite.BufferStart(builder)
    if vector is not None:
        tflite.BufferAddData(builder, vector)
    return tflite.BufferEnd(builder)


def _quantization(builder, quantization):
    scale = _vector(builder, quantization.scale, np.float32)
    zero_point = _vector(builder, quantization.zero_point, np.int64)
    tflite.QuantizationParametersStart(builder)
    tflite.QuantizationParametersAddScale(builder, scale)
    tflite.QuantizationParametersAddZeroPoint(builder, zero_point)
    tflite.QuantizationParametersAddQuantizedDimension(builder, quantization.axis)
    return tflite.QuantizationParametersEnd(builder)


def _tensor(builder, tensor, buffer_index):
    name = builder.CreateString(tensor.name)
    shape = _vector(builder, tensor.shape, np.int32)
    quantization = _quantization(builder, tensor.quantization) if tensor.quantization is not None else None
    tflite.TensorStart(builder)
    tflite.TensorAddName(builder, name)
    tflite.TensorAddShape(builder, shape)
    tflite.TensorAddType(builder, _TENSOR_TYPES[tensor.dtype])
    tflite.TensorAddBuffer(builder, buffer_index)
    if quantization is not None:
        tflite.TensorAddQuantization(builder, quantization)
    return tflite.TensorEnd(builder)


def _operator(builder, op, opcode_index, tensor_index):
    inputs = _vector(builder, [tensor_index[name] for name in op.inputs], np.int32)
    outputs = _vector(builder, [tensor_index[name] for name in op.outputs], np.int32)
    options = _table(builder, op.options[0], op.options[1]) if op.options else None
    tflite.OperatorStart(builder)
    tflite.OperatorAddOpcodeIndex(builder, opcode_index)
    tflite.OperatorAddInputs(builder, inputs)
    tflite.OperatorAddOutputs(builder, outputs)
    if options is not None:
        tflite.OperatorAddBuiltinOptionsType(builder, getattr(tflite.BuiltinOptions, op.options[0]))
        tflite.OperatorAddBuiltinOptions(builder, options)
    return tflite.OperatorEnd(builder)


def _operator_code(builder, code, version):
    builtin = getattr(tflite.BuiltinOperator, code)
    tflite.OperatorCodeStart(builder)
    tflite.OperatorCodeAddDeprecatedBuiltinCode(builder, min(builtin, _PLACEHOLDER_FOR_GREATER_OP_CODES))
    tflite.OperatorCodeAddBuiltinCode(builder, builtin)
    tflite.OperatorCodeAddVersion(builder, version)
    return tflite.OperatorCodeEnd(builder)


def _tensor_maps(builder, names, tensor_index):
    maps = []
    for name in names:
        text = builder.CreateString(name)
        tflite.TensorMapStart(builder)
        tflite.TensorMapAddName(builder, text)
        tflite.TensorMapAddTensorIndex(builder, tensor_index[name])
        maps.append(tflite.TensorMapEnd(builder))
    return _offsets(builder, maps)


def _signature(builder, program, tensor_index):
    """The "serving_default" signature, which LiteRT's signature runners and TF's tools look up by input name."""
    inputs = _tensor_maps(builder, program.inputs, tensor_index)
    outputs = _tensor_maps(builder, program.outputs, tensor_index)
    key = builder.CreateString(SIGNATURE_KEY)
    tflite.SignatureDefStart(builder)
    tflite.SignatureDefAddInputs(builder, inputs)
    tflite.SignatureDefAddOutputs(builder, outputs)
    tflite.SignatureDefAddSignatureKey(builder, key)
    tflite.SignatureDefAddSubgraphIndex(builder, 0)
    return tflite.SignatureDefEnd(builder)


def _metadata_entry(builder, name, buffer_index):
    text = builder.CreateString(name)
    tflite.MetadataStart(builder)
    tflite.MetadataAddName(builder, text)
    tflite.MetadataAddBuffer(builder, buffer_index)
    return tflite.MetadataEnd(builder)


def _referenced_tensors(program):
    """Tensor names in index order: inputs, then every tensor the operators read or write, first use first."""
    order = dict.fromkeys(program.inputs)
    for op in program.ops:
        order.update(dict.fromkeys((*op.inputs, *op.outputs)))
    order.update(dict.fromkeys(program.outputs))
    return list(order)


def _little_endian_bytes(array):
    return array.astype(array.dtype.newbyteorder("<"), copy=False).tobytes()


def serialize(program, description, metadata=None):
    """The .tflite bytes of `program`. metadata: {name: bytes} entries besides "min_runtime_version"."""
    tensors = program.tensors
    names = _referenced_tensors(program)
    tensor_index = {name: index for index, name in enumerate(names)}
    versions = [(op.code, operator_version(op, tensors)) for op in program.ops]
    opcode_pairs = list(dict.fromkeys(versions))
    opcode_index = {pair: index for index, pair in enumerate(opcode_pairs)}

    # Buffer 0 is the schema's empty sentinel, shared by every tensor without data.
    buffers = [b""]
    buffer_index = {}
    for name in names:
        if tensors[name].data is not None:
            buffer_index[name] = len(buffers)
            buffers.append(_little_endian_bytes(tensors[name].data))
    entries = {"min_runtime_version": padded_version_bytes(min_runtime_version(opcode_pairs)), **(metadata or {})}
    entry_buffers = {}
    for entry_name, data in entries.items():
        entry_buffers[entry_name] = len(buffers)
        buffers.append(data)

    builder = flatbuffers.Builder(sum(len(data) + _BUFFER_ALIGNMENT for data in buffers) + 65536)
    buffer_offsets = _offsets(builder, [_buffer(builder, data) for data in buffers])
    tensor_offsets = _offsets(builder, [_tensor(builder, tensors[name], buffer_index.get(name, 0))
                                        for name in names])
    operator_offsets = _offsets(builder, [_operator(builder, op, opcode_index[pair], tensor_index)
                                          for op, pair in zip(program.ops, versions)])
    inputs = _vector(builder, [tensor_index[name] for name in program.inputs], np.int32)
    outputs = _vector(builder, [tensor_index[name] for name in program.outputs], np.int32)
    subgraph_name = builder.CreateString("main")
    tflite.SubGraphStart(builder)
    tflite.SubGraphAddTensors(builder, tensor_offsets)
    tflite.SubGraphAddInputs(builder, inputs)
    tflite.SubGraphAddOutputs(builder, outputs)
    tflite.SubGraphAddOperators(builder, operator_offsets)
    tflite.SubGraphAddName(builder, subgraph_name)
    subgraphs = _offsets(builder, [tflite.SubGraphEnd(builder)])
    operator_codes = _offsets(builder, [_operator_code(builder, code, version) for code, version in opcode_pairs])
    signatures = _offsets(builder, [_signature(builder, program, tensor_index)])
    metadata_offsets = _offsets(builder, [_metadata_entry(builder, entry_name, index)
                                          for entry_name, index in entry_buffers.items()])
    description_text = builder.CreateString(description)
    tflite.ModelStart(builder)
    tflite.ModelAddVersion(builder, SCHEMA_VERSION)
    tflite.ModelAddOperatorCodes(builder, operator_codes)
    tflite.ModelAddSubgraphs(builder, subgraphs)
    tflite.ModelAddDescription(builder, description_text)
    tflite.ModelAddBuffers(builder, buffer_offsets)
    tflite.ModelAddMetadata(builder, metadata_offsets)
    tflite.ModelAddSignatureDefs(builder, signatures)
    builder.Finish(tflite.ModelEnd(builder), file_identifier=FILE_IDENTIFIER)
    return bytes(builder.Output())
