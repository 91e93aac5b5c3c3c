"""The ML pipeline on the engine's public API, for image and audio projects: feature extractors, head training,
classifier, listening to a sound stream, export."""
from .audio_extractor import DEFAULT_AUDIO_EXTRACTOR, AudioFeatureExtractor
from .classifier import Classifier
from .export import EXPORT_FORMATS, code_snippets, export, metadata, parse_formats
from .extractor import DEFAULT_EXTRACTOR, ImageFeatureExtractor
from .listening import SlidingWindowListener, last_heard
from .pipeline import (calibration_inputs, check_background, compute_missing_embeddings, extractor_for,
                       project_classifier, train_project, training_data)
from .training import build_head, confusion_matrix, per_class_accuracy, stratified_split, train_head

__all__ = ["Classifier", "EXPORT_FORMATS", "code_snippets", "export", "metadata", "parse_formats",
           "DEFAULT_EXTRACTOR", "ImageFeatureExtractor", "DEFAULT_AUDIO_EXTRACTOR", "AudioFeatureExtractor",
           "extractor_for", "compute_missing_embeddings", "check_background", "project_classifier",
           "train_project", "training_data", "calibration_inputs", "SlidingWindowListener", "last_heard", "build_head",
           "confusion_matrix", "per_class_accuracy", "stratified_split", "train_head"]
