"""Frame sources and image import."""
import sys

import cv2
import numpy as np
import pytest

from app.capture import (CameraSource, SyntheticCameraSource, VideoFileSource, dataset_files, import_dataset,
                         import_images, list_cameras)
from app.errors import AppError, CameraError


def test_synthetic_camera_is_deterministic_and_moves():
    with SyntheticCameraSource(seed=3, width=160, height=120) as first:
        frames = [first.read() for _ in range(3)]
    with SyntheticCameraSource(seed=3, width=160, height=120) as second:
        again = [second.read() for _ in range(3)]
    assert frames[0].shape == (120, 160, 3) and frames[0].dtype == np.uint8
    assert all(np.array_equal(a, b) for a, b in zip(frames, again))
    assert not np.array_equal(frames[0], frames[1])
    with SyntheticCameraSource(seed=4, width=160, height=120) as other_seed:
        assert not np.array_equal(other_seed.read(), frames[0])


def test_class_hints_show_different_scenes():
    camera = SyntheticCameraSource(width=96, height=96)
    camera.open()
    looks = []
    for hint in range(3):
        camera.set_class_hint(hint)
        looks.append(camera.frame(0))
    assert not np.array_equal(looks[0], looks[1]) and not np.array_equal(looks[1], looks[2])
    camera.close()
    assert not camera.is_open
    with pytest.raises(CameraError, match="not open"):
        camera.read()


@pytest.mark.parametrize("fourcc, extension", [("MJPG", ".avi"), ("mp4v", ".mp4")])
def test_video_file_source_plays_and_loops(tmp_path, fourcc, extension):
    path = tmp_path / f"clip{extension}"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), 10, (64, 48))
    levels = (30, 120, 220)
    for level in levels:
        frame = np.zeros((48, 64, 3), np.uint8)
        frame[..., 2] = level        # BGR on disk: the red channel in RGB
        writer.write(frame)
    writer.release()
    with VideoFileSource(path, loop=True) as video:
        assert video.name == path.name
        reds = [int(np.median(video.read()[..., 0])) for _ in range(5)]
    assert all(abs(red - level) < 12 for red, level in zip(reds, levels + levels[:2]))
    with VideoFileSource(path, loop=False) as once:
        played = [once.read() for _ in range(4)]
    assert played[3] is None and played[2].shape == (48, 64, 3)


def test_video_file_source_errors_name_the_file(tmp_path):
    with pytest.raises(CameraError, match="missing.mp4: video file not found"):
        VideoFileSource(tmp_path / "missing.mp4").open()
    junk = tmp_path / "junk.avi"
    junk.write_bytes(b"\x00" * 1000)
    with pytest.raises(CameraError, match="junk.avi: cannot play"):
        VideoFileSource(junk).open()


def test_missing_camera_is_a_clear_error():
    camera = CameraSource(index=63)
    with pytest.raises(CameraError) as caught:
        camera.open()
    message = str(caught.value)
    if sys.platform.startswith("linux"):
        assert "No camera found: /dev/video63 does not exist" in message
    assert "synthetic camera" in message or "could not be opened" in message
    assert not camera.is_open
    assert all(index != 63 for index, _ in list_cameras(max_index=4))


def write_image(path, colour, size=(90, 120)):
    image = np.zeros(size + (3,), np.uint8)
    image[:] = colour
    assert cv2.imwrite(str(path), cv2.cvtColor(image, cv2.COLOR_RGB2BGR))


def test_import_folder_lists_broken_files_and_reads_webp(tmp_path):
    folder = tmp_path / "photos"
    (folder / "nested").mkdir(parents=True)
    write_image(folder / "a.jpg", (200, 10, 10))
    write_image(folder / "nested" / "b.webp", (10, 200, 10))
    write_image(folder / "c.PNG", (10, 10, 200))
    (folder / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 definitely not a whole JPEG")
    (folder / "notes.txt").write_text("not an image, not listed")
    (folder / ".hidden.png").write_bytes(b"hidden files are skipped")
    images, broken = import_images([folder, tmp_path / "nothing-here.jpg"])
    names = [path.split("/")[-1] for path, _ in images]
    assert names == ["a.jpg", "c.PNG", "b.webp"]
    assert all(image.shape == (224, 224, 3) for _, image in images)
    assert np.argmax(images[2][1].reshape(-1, 3).mean(axis=0)) == 1      # the WebP is green
    assert [(path.split("/")[-1], reason) for path, reason in broken] == [
        ("nothing-here.jpg", "not found"),
        ("broken.jpg", "not an image or damaged (JPEG, PNG, BMP and WebP are supported)")]


def test_import_dataset_uses_a_folder_per_class(tmp_path):
    for name, colour in (("red", (220, 0, 0)), ("blue", (0, 0, 220))):
        (tmp_path / name).mkdir()
        for i in range(2):
            write_image(tmp_path / name / f"{i}.bmp", colour)
    (tmp_path / "blue" / "bad.png").write_bytes(b"\x89PNG\r\n\x1a\n truncated")
    write_image(tmp_path / "stray.jpg", (0, 0, 0))
    classes, broken = import_dataset(tmp_path)
    assert list(classes) == ["blue", "red"] and [len(v) for v in classes.values()] == [2, 2]
    assert classes["red"][0][0, 0, 0] == 220
    assert sorted(path.split("/")[-1] for path, _ in broken) == ["bad.png", "stray.jpg"]
    files, _ = dataset_files(tmp_path)
    assert [p.split("/")[-1] for p in files["blue"]] == ["0.bmp", "1.bmp", "bad.png"]
    with pytest.raises(AppError, match="folder not found"):
        import_dataset(tmp_path / "absent")
