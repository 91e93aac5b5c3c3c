"""Errors the app shows to people: each message says which file or device and what is wrong."""

__all__ = ["AppError", "ProjectFormatError", "ProjectSaveError", "CameraError", "MicrophoneError", "ImageReadError",
           "AudioFileError", "TrainingError"]


class AppError(Exception):
    """Base of every error the app reports as a message rather than a crash."""


class ProjectFormatError(AppError):
    """A .glimmer file that is damaged, truncated, foreign or unsafe; the file itself is never changed."""


class ProjectSaveError(AppError):
    """A project could not be written; the previous file on disk is left as it was."""


class CameraError(AppError):
    """A camera or video source that cannot be opened or stopped delivering frames."""


class MicrophoneError(AppError):
    """A microphone (or an audio file played as one) that cannot be opened or stopped delivering sound."""


class ImageReadError(AppError):
    """An image file that cannot be read or decoded; `path` and `reason` hold the two halves of the message."""

    def __init__(self, message, path=None, reason=None):
        super().__init__(message)
        self.path = path
        self.reason = reason or message


class AudioFileError(AppError):
    """A sound file that cannot be read or decoded; `path` and `reason` hold the two halves of the message."""

    def __init__(self, message, path=None, reason=None):
        super().__init__(message)
        self.path = path
        self.reason = reason or message


class TrainingError(AppError):
    """Training cannot start (too few classes or samples) or its inputs do not fit together."""
