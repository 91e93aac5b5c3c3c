"""`tf.keras.layers`: every built-in layer class."""
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
