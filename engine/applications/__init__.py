"""Pretrained feature extractors that ship with the app (weights under assets/models/, no download)."""
from . import efficientnet_lite
from .efficientnet_lite import EfficientNetLite0

# Audio extractors join here: `from . import audio` and their builders.

__all__ = ["efficientnet_lite", "EfficientNetLite0"]
