"""Which source a person picked, as a short string a combo box can hold and compare.

Pictures: "camera:0" (a camera by index), "synthetic" (the test camera), "video:/path/clip.mp4" (a video
file); "video:" alone is the "Video file…" entry that asks for a file first.
Sound: "microphone:2" (a microphone by index), "synthetic-sounds" (the synthetic microphone),
"audio:/path/clip.wav" (a sound file played as if it were heard); "audio:" alone asks for a file first.
"""
from app.capture import (AudioFileSource, CameraSource, MicrophoneSource, SyntheticAudioSource,
                         SyntheticCameraSource, VideoFileSource)

SYNTHETIC = "synthetic"
PICK_VIDEO = "video:"
SYNTHETIC_SOUNDS = "synthetic-sounds"
PICK_AUDIO = "audio:"


def camera(index):
    return f"camera:{index}"


def video(path):
    return f"video:{path}"


def microphone(index):
    return f"microphone:{index}"


def audio_file(path):
    return f"audio:{path}"


def kind_of(choice):
    return choice.partition(":")[0]


def file_name(choice):
    """The file name of a "video:" or "audio:" choice, for the combo box."""
    return choice.partition(":")[2].replace("\\", "/").rsplit("/", 1)[-1]


def make_source(choice, width=640, height=480):
    """The FrameSource for `choice` (not opened yet)."""
    kind, _, value = choice.partition(":")
    if kind == "camera":
        return CameraSource(index=int(value), width=width, height=height)
    if kind == "video":
        return VideoFileSource(value, loop=True)
    return SyntheticCameraSource()


def make_audio_source(choice):
    """The AudioSource for `choice` (not opened yet); a sound file loops, as a video does."""
    kind, _, value = choice.partition(":")
    if kind == "microphone":
        return MicrophoneSource(device=int(value))
    if kind == "audio":
        return AudioFileSource(value, loop=True)
    return SyntheticAudioSource()
