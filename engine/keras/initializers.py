"""Weight initializers (Keras 3 names and seeding)."""
__all__ = []
