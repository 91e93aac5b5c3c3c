"""Pretrained feature extractors that ship with the app (weights under assets/models/, no download)."""
from . import audio, efficientnet_lite
from .audio import AisfxEmbedding, AisfxEmbeddingNet, LogMelSpectrogram
from .efficientnet_lite import EfficientNetLite0

__all__ = ["audio", "efficientnet_lite", "EfficientNetLite0", "AisfxEmbedding", "AisfxEmbeddingNet",
           "LogMelSpectrogram"]
