"""Sequential: a stack of layers."""
__all__ = []
