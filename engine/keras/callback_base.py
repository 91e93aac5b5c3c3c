"""Callback (the hooks fit / evaluate / predict call), CallbackList (calls them in order) and the two
callbacks fit adds itself: History and ProgbarLogger.

Logs reach callbacks as dicts of Python floats. Per-batch logs cost a readback
of every metric, so the training loop builds them only when some callback
overrides a batch-end hook (`CallbackList.wants_batch_logs`).
"""
import math
import sys
import time

import numpy as np

__all__ = ["Callback", "CallbackList", "History", "ProgbarLogger"]


class Callback:
    """Base class: override the hooks you need; `self.model` and `self.params` are set by fit."""

    def __init__(self):
        self.params = {}
        self._model = None

    def set_params(self, params):
        self.params = params

    def set_model(self, model):
        self._model = model

    @property
    def model(self):
        return self._model

    def on_batch_begin(self, batch, logs=None):
        """Keras 2's name for on_train_batch_begin (which calls it)."""

    def on_batch_end(self, batch, logs=None):
        """Keras 2's name for on_train_batch_end (which calls it)."""

    def on_epoch_begin(self, epoch, logs=None):
        pass

    def on_epoch_end(self, epoch, logs=None):
        pass

    def on_train_batch_begin(self, batch, logs=None):
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch, logs=None):
        self.on_batch_end(batch, logs=logs)

    def on_test_batch_begin(self, batch, logs=None):
        pass

    def on_test_batch_end(self, batch, logs=None):
        pass

    def on_predict_batch_begin(self, batch, logs=None):
        pass

    def on_predict_batch_end(self, batch, logs=None):
        pass

    def on_train_begin(self, logs=None):
        pass

    def on_train_end(self, logs=None):
        pass

    def on_test_begin(self, logs=None):
        pass

    def on_test_end(self, logs=None):
        pass

    def on_predict_begin(self, logs=None):
        pass

    def on_predict_end(self, logs=None):
        pass


def _overrides(callback, *hook_names):
    """Whether `callback` does something in any of these hooks (a subclass method or an instance attribute)."""
    for name in hook_names:
        if name in vars(callback) or getattr(type(callback), name) is not getattr(Callback, name):
            return True
    return False


_BATCH_HOOKS = {
    "train_begin": ("on_train_batch_begin", "on_batch_begin"),
    "train_end": ("on_train_batch_end", "on_batch_end"),
    "test_begin": ("on_test_batch_begin",),
    "test_end": ("on_test_batch_end",),
    "predict_begin": ("on_predict_batch_begin",),
    "predict_end": ("on_predict_batch_end",),
}


def pythonify_logs(logs):
    """Logs with keys sorted (as Keras orders them) and tensor or numpy scalars turned into Python floats."""
    if not logs:
        return {} if logs is None else logs
    result = {}
    for key, value in sorted(logs.items()):
        if isinstance(value, (int, float, str)) or value is None:
            result[key] = value
        else:
            array = np.asarray(value)
            result[key] = float(array) if array.size == 1 else array
    return result


class CallbackList(Callback):
    """Calls every callback's hook in order; adds History and ProgbarLogger when asked."""

    def __init__(self, callbacks=None, add_history=False, add_progbar=False, model=None, **params):
        super().__init__()
        self.callbacks = list(callbacks) if callbacks else []
        self._history = next((c for c in self.callbacks if isinstance(c, History)), None)
        self._progbar = next((c for c in self.callbacks if isinstance(c, ProgbarLogger)), None)
        if self._history is None and add_history:
            self._history = History()
            self.callbacks.append(self._history)
        if self._progbar is None and add_progbar:
            self._progbar = ProgbarLogger()
            self.callbacks.append(self._progbar)
        self._batch_listeners = {}
        self.set_model(model)
        self.set_params(params)

    def append(self, callback):
        self.callbacks.append(callback)
        self._batch_listeners = {}

    def set_params(self, params):
        self.params = params
        if params:
            for callback in self.callbacks:
                callback.set_params(params)

    def set_model(self, model):
        if model is None:
            return
        super().set_model(model)
        if self._history is not None:
            model.history = self._history
        for callback in self.callbacks:
            callback.set_model(model)

    def _listeners(self, kind):
        listeners = self._batch_listeners.get(kind)
        if listeners is None:
            listeners = [c for c in self.callbacks if _overrides(c, *_BATCH_HOOKS[kind])]
            self._batch_listeners[kind] = listeners
        return listeners

    def wants_batch_logs(self, mode):
        """Whether some callback listens at the end of a `mode` ("train", "test", "predict") batch."""
        return bool(self._listeners(f"{mode}_end"))

    def wants_batch_begin(self, mode):
        return bool(self._listeners(f"{mode}_begin"))

    def _each(self, hook, *args):
        logs = pythonify_logs(args[-1])
        for callback in self.callbacks:
            getattr(callback, hook)(*args[:-1], logs)

    def _each_listener(self, kind, hook, batch, logs):
        listeners = self._listeners(kind)
        if listeners:
            logs = pythonify_logs(logs)
            for callback in listeners:
                getattr(callback, hook)(batch, logs)

    def on_batch_begin(self, batch, logs=None):
        self._each_listener("train_begin", "on_train_batch_begin", batch, logs)

    def on_batch_end(self, batch, logs=None):
        self._each_listener("train_end", "on_train_batch_end", batch, logs)

    def on_train_batch_begin(self, batch, logs=None):
        self._each_listener("train_begin", "on_train_batch_begin", batch, logs)

    def on_train_batch_end(self, batch, logs=None):
        self._each_listener("train_end", "on_train_batch_end", batch, logs)

    def on_test_batch_begin(self, batch, logs=None):
        self._each_listener("test_begin", "on_test_batch_begin", batch, logs)

    def on_test_batch_end(self, batch, logs=None):
        self._each_listener("test_end", "on_test_batch_end", batch, logs)

    def on_predict_batch_begin(self, batch, logs=None):
        self._each_listener("predict_begin", "on_predict_batch_begin", batch, logs)

    def on_predict_batch_end(self, batch, logs=None):
        self._each_listener("predict_end", "on_predict_batch_end", batch, logs)

    def on_epoch_begin(self, epoch, logs=None):
        self._each("on_epoch_begin", epoch, logs)

    def on_epoch_end(self, epoch, logs=None):
        # The same dict goes to every callback, so a callback that adds a key (ReduceLROnPlateau's
        # "learning_rate") is seen by History after it, as in Keras.
        logs = pythonify_logs(logs)
        for callback in self.callbacks:
            callback.on_epoch_end(epoch, logs)

    def on_train_begin(self, logs=None):
        self._each("on_train_begin", logs)

    def on_train_end(self, logs=None):
        self._each("on_train_end", logs)

    def on_test_begin(self, logs=None):
        self._each("on_test_begin", logs)

    def on_test_end(self, logs=None):
        self._each("on_test_end", logs)

    def on_predict_begin(self, logs=None):
        self._each("on_predict_begin", logs)

    def on_predict_end(self, logs=None):
        self._each("on_predict_end", logs)

    def __iter__(self):
        return iter(self.callbacks)


class History(Callback):
    """Records the epoch logs: `history` ({key: [value per epoch]}), `epoch` (epoch numbers), `params`."""

    def __init__(self):
        super().__init__()
        self.history = {}
        self.epoch = []

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)
        self.model.history = self


class ProgbarLogger(Callback):
    """Prints progress to stdout: verbose 1 a progress bar per epoch, verbose 2 one line per epoch."""

    _BAR_WIDTH = 30
    _REFRESH_SECONDS = 0.05

    def __init__(self):
        super().__init__()
        self.verbose = 1
        self.epochs = 1
        self.target = None
        self._in_fit = False
        self._started = 0.0
        self._last_drawn = 0.0
        self._seen = 0
        self._drawn_width = 0

    def set_params(self, params):
        super().set_params(params)
        verbose = params.get("verbose", 1)
        self.verbose = 1 if verbose == "auto" else verbose
        self.epochs = params.get("epochs", 1)
        self.target = params.get("steps")

    def _start(self):
        self._started = time.perf_counter()
        self._last_drawn = 0.0
        self._seen = 0
        self._drawn_width = 0

    def on_train_begin(self, logs=None):
        self._in_fit = True

    def on_train_end(self, logs=None):
        self._in_fit = False

    def on_epoch_begin(self, epoch, logs=None):
        self._start()
        if self.verbose and self.epochs > 1:
            print(f"Epoch {epoch + 1}/{self.epochs}", flush=True)

    def on_train_batch_end(self, batch, logs=None):
        self._progress(batch, logs)

    def on_test_begin(self, logs=None):
        if not self._in_fit:
            self._start()

    def on_test_batch_end(self, batch, logs=None):
        if not self._in_fit:
            self._progress(batch, logs)

    def on_test_end(self, logs=None):
        if not self._in_fit:
            self._finish(logs)

    def on_predict_begin(self, logs=None):
        self._start()

    def on_predict_batch_end(self, batch, logs=None):
        self._progress(batch, None)

    def on_predict_end(self, logs=None):
        self._finish(None)

    def on_epoch_end(self, epoch, logs=None):
        self._finish(logs)

    def _progress(self, batch, logs):
        self._seen = batch + 1
        # Redrawing in place needs a terminal; into a file or pipe only the final line of each epoch goes.
        if self.verbose != 1 or not _is_terminal():
            return
        now = time.perf_counter()
        if now - self._last_drawn < self._REFRESH_SECONDS and self._seen != self.target:
            return
        self._last_drawn = now
        self._write_in_place(self._line(logs, final=False))

    def _write_in_place(self, line):
        padding = " " * max(self._drawn_width - len(line), 0)
        self._drawn_width = len(line)
        sys.stdout.write("\r" + line + padding)
        sys.stdout.flush()

    def _finish(self, logs):
        if not self.verbose:
            return
        line = self._line(logs, final=True)
        if self._drawn_width:
            self._write_in_place(line)
            sys.stdout.write("\n")
        else:
            sys.stdout.write(line + "\n")
        self._drawn_width = 0
        sys.stdout.flush()

    def _line(self, logs, final):
        target = self.target if self.target is not None else self._seen
        count = f"{self._seen if not final else target}/{target}"
        elapsed = time.perf_counter() - self._started
        per_step = elapsed / max(self._seen, 1)
        parts = [count]
        if self.verbose == 1 and target:
            done = int(self._BAR_WIDTH * min(self._seen / target, 1.0))
            parts[0] += " [" + "=" * done + "." * (self._BAR_WIDTH - done) + "]"
        parts.append(f"{elapsed:.0f}s {_format_step_time(per_step)}/step")
        for key, value in (logs or {}).items():
            if isinstance(value, float):
                parts.append(f"{key}: {_format_value(value)}")
        return " - ".join(parts)


def _format_step_time(seconds):
    if seconds >= 1:
        return f"{seconds:.0f}s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.0f}ms"
    return f"{seconds * 1e6:.0f}us"


def _format_value(value):
    return f"{value:.4f}" if math.isfinite(value) and abs(value) >= 1e-3 or value == 0 else f"{value:.4e}"


def _is_terminal():
    return hasattr(sys.stdout, "isatty") and sys.stdout.isatty()
