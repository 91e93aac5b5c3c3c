"""Optimizers with Keras 3's update rules, options and configs (`tf.keras.optimizers`)."""
from ..errors import InvalidArgumentError
from . import schedules
from .adagrad import Adadelta, Adagrad
from .adam import Adam, Adamax, AdamW
from .base import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "Adamax", "RMSprop", "Adagrad", "Adadelta", "schedules",
           "serialize", "deserialize", "get"]

# Built-in optimizers by lower-cased class name: Keras resolves "adam", "Adam" and "ADAM" alike.
ALL_OBJECTS_DICT = {cls.__name__.lower(): cls for cls in (Optimizer, SGD, Adam, AdamW, Adamax, RMSprop, Adagrad,
                                                          Adadelta)}


def serialize(optimizer):
    """Keras 3's JSON form of an optimizer: {"module", "class_name", "config", "registered_name"}."""
    return {"module": "keras.optimizers", "class_name": type(optimizer).__name__,
            "config": optimizer.get_config(), "registered_name": None}


def deserialize(config, custom_objects=None):
    """An optimizer from `serialize`'s dict (Keras 2's {"class_name", "config"} works too)."""
    class_name = config["class_name"]
    cls = (custom_objects or {}).get(class_name) or ALL_OBJECTS_DICT.get(class_name.lower())
    if cls is None or cls is Optimizer:
        known = ", ".join(c.__name__ for c in ALL_OBJECTS_DICT.values() if c is not Optimizer)
        raise InvalidArgumentError(f"unknown optimizer {class_name!r}; known: {known}")
    return cls.from_config(dict(config.get("config", {})), custom_objects=custom_objects)


def get(identifier):
    """An optimizer from a name ("adam"), a serialized dict, or an optimizer (returned unchanged)."""
    if identifier is None or isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        return deserialize({"class_name": identifier, "config": {}})
    raise InvalidArgumentError(f"Could not interpret optimizer identifier: {identifier!r}")


__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "Adamax", "RMSprop", "Adagrad", "Adadelta", "schedules",
           "serialize", "deserialize", "get"]
