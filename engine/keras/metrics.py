"""Metrics (stateful, Keras 3 names)."""
__all__ = []
