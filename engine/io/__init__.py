"""Model files: TF.js layers format, Keras `.keras` and `.h5` (later TFLite and ONNX)."""
__all__ = []
