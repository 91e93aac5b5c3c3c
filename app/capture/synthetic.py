"""A camera without hardware: moving drawn shapes, the same frames for the same seed, every time.

`set_class_hint(i)` changes what the camera "sees" (another shape and palette), so tests and
demos can record classes that a classifier can tell apart. The drawing helpers also make the
bundled sample images (assets/samples/make_samples.py).
"""
import math
import os

import cv2
import numpy as np

from ..errors import CameraError
from .sources import FrameSource

__all__ = ["SyntheticCameraSource", "SHAPES", "draw_shape", "shape_scene", "write_shape_images"]

SHAPES = ("circle", "square", "triangle", "star")
_PALETTES = (((235, 235, 225), (200, 205, 215)), ((40, 60, 80), (20, 30, 40)), ((210, 230, 200), (150, 190, 160)))


def _polygon(centre, radius, angle, corners, inner=None):
    """Vertices of a regular polygon (or a star when `inner` gives the inner radius)."""
    points = []
    steps = corners * (2 if inner else 1)
    for k in range(steps):
        r = inner if inner and k % 2 else radius
        theta = angle + 2 * math.pi * k / steps
        points.append((centre[0] + r * math.cos(theta), centre[1] + r * math.sin(theta)))
    return np.round(np.array(points)).astype(np.int32)


def draw_shape(canvas, kind, centre, radius, angle, colour):
    """Draw a filled `kind` (one of SHAPES) in RGB `colour` onto the uint8 `canvas`, anti-aliased."""
    colour = tuple(int(c) for c in colour)
    if kind == "circle":
        cv2.circle(canvas, (int(centre[0]), int(centre[1])), int(radius), colour, -1, cv2.LINE_AA)
        return canvas
    corners = {"square": 4, "triangle": 3, "star": 5}.get(kind)
    if corners is None:
        raise ValueError(f"unknown shape {kind!r}; choose one of {SHAPES}")
    inner = radius * 0.45 if kind == "star" else None
    cv2.fillPoly(canvas, [_polygon(centre, radius, angle, corners, inner)], colour, cv2.LINE_AA)
    return canvas


def shape_scene(rng, kind, width, height, palette=0, position=None, noise=8.0):
    """One RGB frame: a gradient background from `palette`, a randomly coloured `kind`, and pixel noise."""
    top, bottom = (np.array(c, np.float32) for c in _PALETTES[palette % len(_PALETTES)])
    tint = rng.uniform(-25, 25, size=3).astype(np.float32)
    ramp = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None, None]
    canvas = np.clip(top + (bottom - top) * ramp + tint, 0, 255).astype(np.uint8)
    canvas = np.ascontiguousarray(np.broadcast_to(canvas, (height, width, 3)))
    side = min(width, height)
    if position is None:
        position = (width / 2 + rng.uniform(-0.15, 0.15) * side, height / 2 + rng.uniform(-0.15, 0.15) * side)
    radius = side * rng.uniform(0.2, 0.32)
    hue = int(rng.integers(0, 180))
    colour = cv2.cvtColor(np.array([[[hue, 200, int(rng.integers(120, 230))]]], np.uint8), cv2.COLOR_HSV2RGB)[0, 0]
    draw_shape(canvas, kind, position, radius, rng.uniform(0, 2 * math.pi), colour)
    if noise:
        grain = rng.normal(0.0, noise, size=(height, width, 1)).astype(np.float32)
        canvas = np.clip(canvas.astype(np.float32) + grain, 0, 255).astype(np.uint8)
    return canvas


def write_shape_images(folder, kind, count, seed=0, width=240, height=200, quality=80, prefix=""):
    """Write `count` JPEG pictures of `kind` (random palette, colour, position, size, angle, noise) to `folder`.

    Returns the paths. The same (seed, kind) always gives the same pictures.
    """
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng([seed, SHAPES.index(kind)])
    paths = []
    for index in range(count):
        image = shape_scene(rng, kind, width, height, palette=int(rng.integers(0, len(_PALETTES))), noise=4.0)
        path = os.path.join(folder, f"{prefix}{index:02d}.jpg")
        if not cv2.imwrite(path, cv2.cvtColor(image, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality]):
            raise OSError(f"{path}: could not write the image")
        paths.append(path)
    return paths


class SyntheticCameraSource(FrameSource):
    """Deterministic moving shapes: frame k depends only on (seed, class hint, k)."""

    def __init__(self, pattern="shapes", seed=0, fps=30, width=640, height=480):
        super().__init__()
        if pattern != "shapes":
            raise ValueError(f"unknown synthetic pattern {pattern!r}; only 'shapes' exists")
        self.pattern = pattern
        self.seed = int(seed)
        self.fps = float(fps)
        self.width, self.height = int(width), int(height)
        self.name = "Synthetic camera"
        self.class_hint = 0
        self.frame_index = 0

    def set_class_hint(self, index):
        """Show what class `index` looks like from now on (shape = SHAPES[index % 4], palette from index // 4)."""
        self.class_hint = int(index)

    def open(self):
        self._open = True

    def frame(self, index):
        """Frame `index` of the current class hint, without advancing the stream."""
        rng = np.random.default_rng([self.seed, self.class_hint, index])
        phase = index / max(self.fps, 1.0)
        side = min(self.width, self.height)
        # The shape drifts on a slow Lissajous path so consecutive frames differ as a real recording would.
        position = (self.width / 2 + 0.18 * side * math.sin(1.3 * phase + self.class_hint),
                    self.height / 2 + 0.14 * side * math.sin(0.9 * phase + 2 * self.class_hint))
        kind = SHAPES[self.class_hint % len(SHAPES)]
        return shape_scene(rng, kind, self.width, self.height, palette=self.class_hint // len(SHAPES),
                           position=position)

    def read(self):
        if not self._open:
            raise CameraError(f"{self.name}: not open; call open() first")
        frame = self.frame(self.frame_index)
        self.frame_index += 1
        return frame
