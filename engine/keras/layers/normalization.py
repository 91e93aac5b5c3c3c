"""BatchNormalization, LayerNormalization."""
__all__ = []
