"""`tf.keras.layers`: every built-in layer class."""
from .. import layer
from . import (activation_layers, convolutional, core, embedding, merging, normalization, pooling, preprocessing,
               recurrent, reshaping)
from ..layer import *  # noqa: F401,F403
from .core import *  # noqa: F401,F403
from .convolutional import *  # noqa: F401,F403
from .pooling import *  # noqa: F401,F403
from .normalization import *  # noqa: F401,F403
from .activation_layers import *  # noqa: F401,F403
from .preprocessing import *  # noqa: F401,F403
from .reshaping import *  # noqa: F401,F403
from .merging import *  # noqa: F401,F403
from .embedding import *  # noqa: F401,F403
from .recurrent import *  # noqa: F401,F403

__all__ = [name for module in (layer, core, convolutional, pooling, normalization, activation_layers, preprocessing,
                               reshaping, merging, embedding, recurrent) for name in module.__all__]
