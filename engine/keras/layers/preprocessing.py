"""Rescaling, Normalization, Resizing."""
__all__ = []
