"""The image ML pipeline on the engine's public API: feature extractor, head training, classifier, export."""
from .classifier import Classifier
from .export import EXPORT_FORMATS, code_snippets, export, parse_formats
from .extractor import DEFAULT_EXTRACTOR, ImageFeatureExtractor
from .pipeline import compute_missing_embeddings, project_classifier, train_project, training_data
from .training import build_head, confusion_matrix, per_class_accuracy, stratified_split, train_head

__all__ = ["Classifier", "EXPORT_FORMATS", "code_snippets", "export", "parse_formats", "DEFAULT_EXTRACTOR",
           "ImageFeatureExtractor", "compute_missing_embeddings", "project_classifier", "train_project",
           "training_data", "build_head", "confusion_matrix", "per_class_accuracy", "stratified_split",
           "train_head"]
