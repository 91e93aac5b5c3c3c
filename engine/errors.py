"""Typed errors. Each says what was wrong and where (op, shapes, dtypes, file)."""


class EngineError(Exception):
    """Base class of every error the engine raises on purpose."""


class InvalidArgumentError(EngineError, ValueError):
    """An argument has a bad value or shape for the op that received it."""


class IncompatibleShapesError(InvalidArgumentError):
    """Shapes cannot be broadcast or combined as the op needs."""


class DTypeError(EngineError, TypeError):
    """A dtype is unknown, unsupported, or does not match its partner."""


class UnimplementedError(EngineError, NotImplementedError):
    """The requested feature exists in TF but not (yet) in this engine."""


class DisposedTensorError(EngineError, RuntimeError):
    """A tensor was used after `dispose()` freed its data."""


class BackendError(EngineError, RuntimeError):
    """A backend is missing, failed to start, or failed to run a kernel."""


class GradientError(EngineError, LookupError):
    """No gradient is registered for a kernel, or a tape was misused."""


class ModelFormatError(EngineError, ValueError):
    """A model file is malformed, truncated, or does not match its description."""


class ReplayMismatchError(EngineError, RuntimeError):
    """A tf.function replay met a result unlike its trace's (engine/tracing.py runs that call eagerly)."""
