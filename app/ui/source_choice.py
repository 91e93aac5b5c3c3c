"""Which frame source a person picked, as a short string a combo box can hold and compare.

"camera:0" (a camera by index), "synthetic" (the test camera), "video:/path/clip.mp4" (a video file);
"video:" alone is the "Video file…" entry that asks for a file first.
"""
from app.capture import CameraSource, SyntheticCameraSource, VideoFileSource

SYNTHETIC = "synthetic"
PICK_VIDEO = "video:"


def camera(index):
    return f"camera:{index}"


def video(path):
    return f"video:{path}"


def kind_of(choice):
    return choice.partition(":")[0]


def make_source(choice, width=640, height=480):
    """The FrameSource for `choice` (not opened yet)."""
    kind, _, value = choice.partition(":")
    if kind == "camera":
        return CameraSource(index=int(value), width=width, height=height)
    if kind == "video":
        return VideoFileSource(value, loop=True)
    return SyntheticCameraSource()
