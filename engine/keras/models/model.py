"""Model: functional (inputs/outputs) or subclassed."""
__all__ = []
