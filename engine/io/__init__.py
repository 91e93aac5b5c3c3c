"""Model files: TF.js layers format, Keras `.keras` and `.h5`; exports to TFLite and ONNX."""
from . import hdf5_reader, keras_h5, keras_v3, tfjs_layers, tfjs_weights, topology
from .hdf5_reader import *  # noqa: F401,F403
from .keras_h5 import *  # noqa: F401,F403
from .keras_v3 import *  # noqa: F401,F403
from .tfjs_layers import *  # noqa: F401,F403
from .tfjs_weights import *  # noqa: F401,F403
from .topology import *  # noqa: F401,F403
from .export import ExportError, export_onnx, export_tflite  # noqa: F401

__all__ = [*hdf5_reader.__all__, *keras_h5.__all__, *keras_v3.__all__, *tfjs_layers.__all__, *tfjs_weights.__all__,
           *topology.__all__, "ExportError", "export_onnx", "export_tflite"]
