"""The single image pipeline: crop, resize, decode, encode, thumbnails."""
import cv2
import numpy as np
import pytest

from app.errors import ImageReadError
from app.imaging import IMAGE_SIZE, decode_image, encode_png, prepare_image, read_image, thumbnail


def test_prepare_crops_the_centre_square_and_resizes_bilinear():
    image = np.zeros((300, 500, 3), np.uint8)
    image[:, :100] = 255          # left margin: cropped away
    image[:, 400:] = 255          # right margin: cropped away
    image[:, 100:400] = (10, 200, 30)
    prepared = prepare_image(image)
    assert prepared.shape == (IMAGE_SIZE, IMAGE_SIZE, 3) and prepared.dtype == np.uint8
    assert np.all(prepared == (10, 200, 30))
    expected = cv2.resize(np.ascontiguousarray(image[:, 100:400]), (224, 224), interpolation=cv2.INTER_LINEAR)
    assert np.array_equal(prepared, expected)


def test_prepare_crops_portrait_images_vertically():
    image = np.zeros((400, 224, 3), np.uint8)
    image[88:312] = 77
    assert np.all(prepare_image(image) == 77)


def test_prepare_accepts_grey_and_rgba_and_float():
    grey = np.full((50, 60), 128, np.uint8)
    assert np.all(prepare_image(grey) == 128)
    rgba = np.zeros((224, 224, 4), np.uint8)
    rgba[..., :3] = (0, 0, 255)
    rgba[:112, :, 3] = 255      # opaque blue on top, transparent below: composited on white
    prepared = prepare_image(rgba)
    assert np.array_equal(prepared[0, 0], [0, 0, 255]) and np.array_equal(prepared[-1, -1], [255, 255, 255])
    assert np.all(prepare_image(np.full((10, 10, 3), 300.7)) == 255)


def test_prepare_returns_a_copy_of_an_already_prepared_image():
    image = np.random.RandomState(0).randint(0, 256, (224, 224, 3)).astype(np.uint8)
    prepared = prepare_image(image)
    assert np.array_equal(prepared, image) and prepared is not image
    prepared[0, 0] = 0
    assert np.array_equal(prepare_image(prepared), prepared)


def test_prepare_refuses_what_is_not_an_image():
    with pytest.raises(ValueError, match="not an image"):
        prepare_image(np.zeros((5,)))
    with pytest.raises(ValueError, match="not an image"):
        prepare_image(np.zeros((4, 4, 2)))


@pytest.mark.parametrize("extension", [".png", ".bmp", ".webp"])
def test_lossless_formats_read_back_exactly_as_rgb(tmp_path, extension):
    image = np.random.RandomState(1).randint(0, 256, (40, 70, 3)).astype(np.uint8)
    path = tmp_path / f"picture{extension}"
    params = [cv2.IMWRITE_WEBP_QUALITY, 101] if extension == ".webp" else []
    assert cv2.imwrite(str(path), cv2.cvtColor(image, cv2.COLOR_RGB2BGR), params)
    assert np.array_equal(read_image(path), image)


def test_jpeg_reads_as_rgb_not_bgr(tmp_path):
    image = np.zeros((64, 64, 3), np.uint8)
    image[..., 0] = 250          # pure red in RGB
    path = tmp_path / "red.jpg"
    cv2.imwrite(str(path), cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
    red, green, blue = read_image(path).reshape(-1, 3).mean(axis=0)
    assert red > 240 and green < 10 and blue < 10


def test_png_round_trip_is_lossless():
    image = np.random.RandomState(2).randint(0, 256, (224, 224, 3)).astype(np.uint8)
    assert np.array_equal(decode_image(encode_png(image)), image)


@pytest.mark.parametrize("content, reason", [(b"", "empty"), (b"not an image at all" * 10, "not an image")])
def test_unreadable_files_raise_image_read_error_naming_the_file(tmp_path, content, reason):
    path = tmp_path / "broken.jpg"
    path.write_bytes(content)
    with pytest.raises(ImageReadError, match=f"broken.jpg.*{reason}"):
        read_image(path)


def test_truncated_jpeg_and_missing_file_are_refused(tmp_path):
    image = np.random.RandomState(3).randint(0, 256, (120, 120, 3)).astype(np.uint8)
    ok, data = cv2.imencode(".jpg", image)
    path = tmp_path / "half.jpg"
    path.write_bytes(data.tobytes()[: len(data) // 2])
    with pytest.raises(ImageReadError, match="half.jpg"):
        read_image(path)
    with pytest.raises(ImageReadError, match="nowhere.png: cannot read"):
        read_image(tmp_path / "nowhere.png")


def test_thumbnail_is_a_small_square_of_the_same_picture():
    image = np.zeros((224, 224, 3), np.uint8)
    image[:, 112:] = 200
    small = thumbnail(image, 32)
    assert small.shape == (32, 32, 3)
    assert np.all(small[:, :15] == 0) and np.all(small[:, 17:] == 200)
