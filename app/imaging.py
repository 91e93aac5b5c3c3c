"""The one image pipeline: every image that enters the app (captured, imported, predicted) goes through here.

Images are RGB uint8 numpy arrays. `prepare_image` centre-crops to a square and resizes to
224x224 with bilinear filtering, the same way for every path, so that training and prediction
see identical pixels.
"""
import os

import cv2
import numpy as np

from .errors import ImageReadError

__all__ = ["IMAGE_SIZE", "IMAGE_EXTENSIONS", "prepare_image", "read_image", "encode_png", "decode_image",
           "thumbnail", "quiet_opencv_logging"]

IMAGE_SIZE = 224
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".webp")


def quiet_opencv_logging():
    """OpenCV logs every undecodable buffer and unopenable camera to stderr; the app reports those itself,
    once, with the file or device name (and `predict`'s stderr stays readable)."""
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)


quiet_opencv_logging()


def _to_rgb_uint8(image):
    """HxW, HxWx1, HxWx3 or HxWx4 (any integer or float dtype) as HxWx3 RGB uint8; alpha is composited on white."""
    array = np.asarray(image)
    if array.ndim == 2:
        array = array[:, :, None]
    if array.ndim != 3 or array.shape[2] not in (1, 3, 4) or array.shape[0] == 0 or array.shape[1] == 0:
        raise ValueError(f"not an image: expected HxW, HxWx3 or HxWx4, got shape {array.shape}")
    if array.dtype == np.uint16:
        array = (array >> 8).astype(np.uint8)
    elif array.dtype == np.bool_:
        array = array.astype(np.uint8) * 255
    elif array.dtype != np.uint8:
        array = np.clip(np.rint(array.astype(np.float32)), 0, 255).astype(np.uint8)
    channels = array.shape[2]
    if channels == 1:
        return np.repeat(array, 3, axis=2)
    if channels == 4:
        alpha = array[:, :, 3:4].astype(np.float32) / 255.0
        blended = array[:, :, :3].astype(np.float32) * alpha + 255.0 * (1.0 - alpha)
        return np.rint(blended).astype(np.uint8)
    return array


def _centre_square(image):
    height, width = image.shape[:2]
    side = min(height, width)
    top, left = (height - side) // 2, (width - side) // 2
    return image[top:top + side, left:left + side]


def prepare_image(image):
    """Any RGB(A)/grey image -> centre-cropped square, bilinear-resized to 224x224, RGB uint8 (a new array)."""
    square = _centre_square(_to_rgb_uint8(image))
    if square.shape[0] == IMAGE_SIZE:
        return np.ascontiguousarray(square).copy()
    return cv2.resize(np.ascontiguousarray(square), (IMAGE_SIZE, IMAGE_SIZE), interpolation=cv2.INTER_LINEAR)


def _unreadable(name, reason):
    return ImageReadError(f"{name}: {reason}", path=name, reason=reason)


def decode_image(data, name="image data"):
    """Encoded JPEG/PNG/BMP/WebP bytes -> RGB uint8 (alpha composited on white); ImageReadError if undecodable."""
    if not data:
        raise _unreadable(name, "empty file")
    buffer = np.frombuffer(data, dtype=np.uint8)
    try:
        decoded = cv2.imdecode(buffer, cv2.IMREAD_UNCHANGED)
    except cv2.error as exc:
        raise _unreadable(name, f"cannot decode image ({str(exc).strip().splitlines()[-1]})") from exc
    if decoded is None:
        raise _unreadable(name, "not an image or damaged (JPEG, PNG, BMP and WebP are supported)")
    if decoded.ndim == 3 and decoded.shape[2] == 3:
        decoded = cv2.cvtColor(decoded, cv2.COLOR_BGR2RGB)
    elif decoded.ndim == 3 and decoded.shape[2] == 4:
        decoded = cv2.cvtColor(decoded, cv2.COLOR_BGRA2RGBA)
    return _to_rgb_uint8(decoded)


def read_image(path):
    """The image file at `path` as RGB uint8; ImageReadError naming the file if it is missing or undecodable."""
    name = os.fspath(path)
    try:
        with open(name, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise _unreadable(name, f"cannot read ({exc.strerror or exc})") from exc
    return decode_image(data, name)


def encode_png(image):
    """RGB uint8 image -> PNG bytes (fast compression: samples are written while recording)."""
    rgb = _to_rgb_uint8(image)
    ok, buffer = cv2.imencode(".png", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_PNG_COMPRESSION, 1])
    if not ok:
        raise ImageReadError(f"cannot encode a {rgb.shape[1]}x{rgb.shape[0]} image as PNG")
    return buffer.tobytes()


def thumbnail(image, size=96):
    """A size x size RGB uint8 preview (centre square, area-averaged so small previews do not shimmer)."""
    square = np.ascontiguousarray(_centre_square(_to_rgb_uint8(image)))
    if square.shape[0] == size:
        return square.copy()
    interpolation = cv2.INTER_AREA if square.shape[0] > size else cv2.INTER_LINEAR
    return cv2.resize(square, (size, size), interpolation=interpolation)
