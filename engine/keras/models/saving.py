"""load_model / save_model: pick the file format and delegate to engine.io."""
__all__ = []
