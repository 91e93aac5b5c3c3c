"""`tf.keras.utils`: serialization helpers and `to_categorical`."""
import numpy as np

from ..errors import InvalidArgumentError
from .serialization import (custom_object_scope, deserialize_keras_object, get_registered_name,  # noqa: F401
                            get_registered_object, register_keras_serializable, serialize_keras_object)


def to_categorical(x, num_classes=None):
    """One-hot rows (float32 numpy) for integer class labels, as Keras's `to_categorical`."""
    labels = np.asarray(x)
    if labels.size and (not np.issubdtype(labels.dtype, np.integer) and not np.all(labels == np.round(labels))):
        raise InvalidArgumentError(f"to_categorical: labels must be whole numbers, got {labels.dtype} values")
    labels = labels.astype(np.int64)
    if labels.ndim > 1 and labels.shape[-1] == 1:
        labels = labels[..., 0]
    if num_classes is None:
        num_classes = int(labels.max()) + 1 if labels.size else 0
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise InvalidArgumentError(f"to_categorical: labels must lie in [0, {num_classes}), got "
                                   f"{int(labels.min())}..{int(labels.max())}")
    return np.eye(num_classes, dtype=np.float32)[labels]
