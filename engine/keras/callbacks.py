"""Training callbacks."""
__all__ = []
