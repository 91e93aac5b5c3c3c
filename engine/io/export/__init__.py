"""Exports to TFLite and ONNX: Keras model -> format-neutral graph (lowering.py) -> a writer per format."""
from .graph import ExportError, Graph

__all__ = ["ExportError", "Graph"]
