"""`tf.keras.models`: Sequential, Model, load_model, save_model."""
from . import functional, model, saving, sequential
from .functional import *  # noqa: F401,F403
from .model import *  # noqa: F401,F403
from .sequential import *  # noqa: F401,F403
from .saving import *  # noqa: F401,F403

__all__ = functional.__all__ + model.__all__ + sequential.__all__ + saving.__all__
