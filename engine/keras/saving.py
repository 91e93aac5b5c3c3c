"""`tf.keras.saving`: model files and the registry of serializable classes, under Keras 3's names."""
from .models.saving import *  # noqa: F401,F403
from .serialization import (custom_object_scope, deserialize_keras_object, get_registered_name,  # noqa: F401
                            get_registered_object, register_keras_serializable, serialize_keras_object)
