"""Pretrained sound feature extractors and their log-mel front end."""
from . import aisfx, log_mel
from .aisfx import AisfxEmbedding, AisfxEmbeddingNet, embed_clip
from .log_mel import LogMelSpectrogram, mel_filterbank

__all__ = ["aisfx", "log_mel", "AisfxEmbedding", "AisfxEmbeddingNet", "embed_clip", "LogMelSpectrogram",
           "mel_filterbank"]
