"""Where images come from: camera, video file, synthetic camera, and image/dataset import."""
from .importing import dataset_files, image_files, import_dataset, import_images
from .sources import CameraSource, FrameSource, VideoFileSource, list_cameras
from .synthetic import SHAPES, SyntheticCameraSource

__all__ = ["FrameSource", "CameraSource", "VideoFileSource", "SyntheticCameraSource", "SHAPES", "list_cameras",
           "image_files", "import_images", "dataset_files", "import_dataset"]
