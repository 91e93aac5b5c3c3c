"""Model.compile / fit / evaluate / predict and friends."""
__all__ = []


class Trainer:
    """Mixin of Model holding the training loop."""
