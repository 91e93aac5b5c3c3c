"""Activation functions by Keras name."""
__all__ = []
