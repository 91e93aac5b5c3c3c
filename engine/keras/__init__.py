"""`tf.keras`: Keras 3's layers, models, training loop and model files, on the engine's ops."""
from . import activations, constraints, initializers, regularizers, serialization  # noqa: F401
from . import layers, losses, metrics, callbacks, optimizers, models  # noqa: F401
from . import backend, saving, utils  # noqa: F401
from .layers import *  # noqa: F401,F403  (Input, Layer, ... as in keras.Input)
from .models import *  # noqa: F401,F403  (Sequential, Model, load_model, save_model)
