"""`tf.keras.optimizers`: the engine's optimizers under Keras's names."""
from ..optimizers import *  # noqa: F401,F403
