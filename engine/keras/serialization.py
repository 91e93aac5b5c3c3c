"""Keras object (de)serialization: registry of classes and the Keras 3 JSON form."""
__all__ = []
