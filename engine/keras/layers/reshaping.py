"""ZeroPadding2D, Cropping2D, UpSampling2D."""
__all__ = []
