"""ReLU, LeakyReLU, ELU, Softmax."""
__all__ = []
