"""`tf.keras.callbacks`: hooks into fit / evaluate / predict, with Keras 3's names and behaviour."""
import math

from ..errors import InvalidArgumentError
from .callback_base import Callback, CallbackList, History, ProgbarLogger
from .monitor_callbacks import EarlyStopping, LearningRateScheduler, ModelCheckpoint, ReduceLROnPlateau

__all__ = ["Callback", "CallbackList", "History", "EarlyStopping", "ModelCheckpoint", "ReduceLROnPlateau",
           "LearningRateScheduler", "LambdaCallback", "ProgbarLogger", "TerminateOnNaN"]


class LambdaCallback(Callback):
    """A callback made of functions: on_epoch_begin(epoch, logs), on_train_batch_end(batch, logs), ...;
    other hooks (on_test_batch_end=..., ...) may be passed by keyword too."""

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_train_begin=None, on_train_end=None,
                 on_train_batch_begin=None, on_train_batch_end=None, **kwargs):
        super().__init__()
        hooks = {"on_epoch_begin": on_epoch_begin, "on_epoch_end": on_epoch_end, "on_train_begin": on_train_begin,
                 "on_train_end": on_train_end, "on_train_batch_begin": on_train_batch_begin,
                 "on_train_batch_end": on_train_batch_end, **kwargs}
        for name, fn in hooks.items():
            if fn is None:
                continue
            if not name.startswith("on_") or not hasattr(Callback, name):
                raise InvalidArgumentError(f"LambdaCallback: unknown hook {name!r}")
            setattr(self, name, fn)


class TerminateOnNaN(Callback):
    """Stop training as soon as a batch's loss is NaN or infinite (or raise, with raise_error=True)."""

    def __init__(self, raise_error=False):
        super().__init__()
        self.raise_error = raise_error

    def on_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(loss):
            if self.raise_error:
                raise RuntimeError(f"NaN or Inf loss encountered at batch {batch}. Loss value: {loss}. "
                                   "Terminating training immediately.")
            print(f"Batch {batch}: Invalid loss, terminating training")
            self.model.stop_training = True
