"""Exports to TFLite and ONNX: Keras model -> format-neutral graph (lowering.py) -> a writer per format.

The writers load their format libraries (onnx, flatbuffers and the TFLite schema) on first use,
so `import engine` does not pay for them.
"""
from .graph import ExportError, Graph

__all__ = ["ExportError", "Graph", "export_tflite", "export_onnx"]


def export_tflite(model, path, quantize=None, representative_data=None, batch_size=1, input_type="float32",
                  output_type="float32", labels=None):
    """Write `model` as a TFLite flatbuffer (quantize: None, "float16" or "int8"); see tflite_writer.py."""
    from .tflite_writer import export_tflite as write
    return write(model, path, quantize=quantize, representative_data=representative_data, batch_size=batch_size,
                 input_type=input_type, output_type=output_type, labels=labels)


def export_onnx(model, path, opset=17, labels=None):
    """Write `model` as an ONNX graph with a dynamic batch; see onnx_writer.py."""
    from .onnx_writer import export_onnx as write
    return write(model, path, opset=opset, labels=labels)
