"""Core layers: Input, InputLayer, Dense, Activation, Dropout, Flatten, Reshape, Permute, RepeatVector."""
__all__ = []
