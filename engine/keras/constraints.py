"""Weight constraints."""
__all__ = []
