"""Losses (functions and classes, Keras 3 names)."""
__all__ = []
