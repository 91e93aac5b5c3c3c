"""Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Dot."""
__all__ = []
