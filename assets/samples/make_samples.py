"""Regenerate the bundled sample images: python assets/samples/make_samples.py

shapes/<class>/NN.jpg   pictures of circles, squares and triangles to train on (a folder per class)
held_out/<class>-NN.jpg other pictures of the same shapes, for trying predictions

Each picture has a random background palette, shape colour, position, size, angle and pixel
noise, so a classifier has to learn the shape rather than a colour. Fixed seeds: running the
script again gives the same files.
"""
import os
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(os.path.dirname(HERE)))

from app.capture.synthetic import write_shape_images  # noqa: E402

CLASSES = ("circle", "square", "triangle")
TRAINING_PER_CLASS = 14
HELD_OUT_PER_CLASS = 2


def main():
    for folder in ("shapes", "held_out"):
        shutil.rmtree(os.path.join(HERE, folder), ignore_errors=True)
    for kind in CLASSES:
        write_shape_images(os.path.join(HERE, "shapes", kind), kind, TRAINING_PER_CLASS, seed=1)
        write_shape_images(os.path.join(HERE, "held_out"), kind, HELD_OUT_PER_CLASS, seed=2, prefix=f"{kind}-")
    total = sum(os.path.getsize(os.path.join(root, name)) for root, _, names in os.walk(HERE)
                for name in names if name.endswith(".jpg"))
    print(f"wrote {len(CLASSES) * (TRAINING_PER_CLASS + HELD_OUT_PER_CLASS)} images, {total / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
