"""Layer: the Keras 3 base class (lazy build, weights, call, config)."""
__all__ = []
