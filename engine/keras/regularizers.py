"""Weight regularizers l1, l2, l1_l2."""
__all__ = []
