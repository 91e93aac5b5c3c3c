"""TFLite export: Keras model -> export graph (lowering.py) -> TFLite program -> one .tflite file.

    export_tflite(model, "model.tflite")                                      # float32
    export_tflite(model, "model.tflite", quantize="float16")                  # float16 weights
    export_tflite(model, "model.tflite", quantize="int8", representative_data=samples,
                  labels=["cat", "dog"])                                      # full-integer, labels inside

The file is written to a temporary file beside `path` and renamed over it only when complete,
so a failed export (an unsupported layer, bad representative data, a full disk) never leaves a
half-written model behind.
"""
import os

import numpy as np

from ..files import atomic_write
from .tflite_program import FORMAT, build_program

__all__ = ["export_tflite", "write_tflite"]

QUANTIZE_MODES = (None, "float16", "int8")
IO_TYPES = ("float32", "int8")


def _check_options(quantize, representative_data, batch_size, input_type, output_type):
    if quantize not in QUANTIZE_MODES:
        raise ValueError(f"quantize must be one of {QUANTIZE_MODES}, got {quantize!r}")
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int ({FORMAT} models have a fixed batch), got {batch_size!r}")
    for what, value in (("input_type", input_type), ("output_type", output_type)):
        if value not in IO_TYPES:
            raise ValueError(f"{what} must be one of {IO_TYPES}, got {value!r}")
        if value == "int8" and quantize != "int8":
            raise ValueError(f"{what}='int8' needs quantize='int8' (a {quantize or 'float32'} model has float32 "
                             "inputs and outputs)")
    if quantize == "int8" and representative_data is None:
        raise ValueError(f"{FORMAT} int8 quantization needs representative_data: input samples like those the "
                         "model will see (for instance the project's own samples), to calibrate activation ranges")
    if representative_data is not None and quantize != "int8":
        raise ValueError(f"representative_data calibrates int8 quantization; quantize={quantize!r} does not use it")


def _write(graph, path, quantize, representative_data, batch_size, input_type, output_type, labels):
    # The schema package and flatbuffers load on the first export, not on every `import engine`.
    from .tflite_flatbuffer import serialize
    from .tflite_metadata import append_labels_file, labels_entries
    from .tflite_quantize import calibrate, quantize_int8, store_float16

    program = build_program(graph, int(batch_size))
    if quantize == "float16":
        store_float16(program)
    elif quantize == "int8":
        quantize_int8(program, calibrate(graph, representative_data), input_type, output_type)
    description = f"{graph.name}: exported by Glimmer's engine ({quantize or 'float32'})"
    metadata = labels_entries(labels, program, description) if labels is not None else {}
    data = serialize(program, description, metadata)
    with atomic_write(path) as temporary:
        with open(temporary, "wb") as handle:
            handle.write(data)
        if labels is not None:
            append_labels_file(temporary, labels)
    return os.fspath(path)


def write_tflite(graph, path, quantize=None, representative_data=None, batch_size=1, input_type="float32",
                 output_type="float32", labels=None):
    """Write the export `graph` as a .tflite file at `path` (the options as export_tflite's); returns `path`."""
    _check_options(quantize, representative_data, batch_size, input_type, output_type)
    return _write(graph, path, quantize, representative_data, batch_size, input_type, output_type, labels)


def export_tflite(model, path, quantize=None, representative_data=None, batch_size=1, input_type="float32",
                  output_type="float32", labels=None):
    """Write a functional or Sequential Keras `model` as a TFLite flatbuffer at `path`; returns `path`.

    quantize: None (float32), "float16" (float16 weights, float32 compute) or "int8" (full-integer
    quantization calibrated on `representative_data`: an array of input samples, or an iterable of
    batches, each a list of arrays for a model with several inputs). input_type / output_type:
    "float32" (the default: the int8 model quantizes its inputs and dequantizes its outputs
    itself) or "int8". batch_size: the fixed batch dimension of the file. labels: one per score of
    the output, stored in the file's metadata and as labels.txt in an appended zip.

    Raises ValueError for bad options and ExportError naming the layer and format when a layer
    cannot be written, before any file is touched.
    """
    from .lowering import lower_model

    _check_options(quantize, representative_data, batch_size, input_type, output_type)
    graph = lower_model(model, FORMAT if quantize is None else f"{FORMAT} {quantize}")
    return _write(graph, path, quantize, representative_data, batch_size, input_type, output_type, labels)
