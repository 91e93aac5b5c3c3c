"""What every capture source shares, camera or microphone: open, read, close, and `with source:`."""
import abc

__all__ = ["Source"]


class Source(abc.ABC):
    """A source that must be opened before `read()`; `not_open_error` is the AppError subclass raised otherwise."""

    name = "source"
    not_open_error = RuntimeError

    def __init__(self):
        self._open = False

    @property
    def is_open(self):
        return self._open

    @abc.abstractmethod
    def open(self):
        """Start the source; raises an AppError with the reason if it cannot."""

    @abc.abstractmethod
    def read(self):
        """What the source has now (see the subclass); never waits for more."""

    def close(self):
        self._open = False

    def _require_open(self):
        if not self._open:
            raise self.not_open_error(f"{self.name}: not open; call open() first")

    def __enter__(self):
        if not self._open:
            self.open()
        return self

    def __exit__(self, *exc_info):
        self.close()
        return False
