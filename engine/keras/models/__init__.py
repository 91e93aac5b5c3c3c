"""`tf.keras.models`: Sequential, Model, load_model, save_model."""
from .functional import *  # noqa: F401,F403
from .model import *  # noqa: F401,F403
from .sequential import *  # noqa: F401,F403
from .saving import *  # noqa: F401,F403
