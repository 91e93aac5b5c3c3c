"""Where images and sounds come from: camera, video file, synthetic camera, image/dataset import; microphone,
sound file, synthetic microphone, sound/dataset import."""
from .audio_sources import (AudioFileSource, AudioSource, MicrophoneSource, RingBuffer, SyntheticAudioSource,
                            list_microphones)
from .importing import (BACKGROUND_FOLDER_NAMES, audio_dataset_files, audio_files, dataset_files, image_files,
                        import_audio, import_audio_dataset, import_dataset, import_images, is_background_folder)
from .sounds import SOUND_KINDS, class_sound, write_sound_files
from .sources import CameraSource, FrameSource, VideoFileSource, list_cameras
from .synthetic import SHAPES, SyntheticCameraSource

__all__ = ["FrameSource", "CameraSource", "VideoFileSource", "SyntheticCameraSource", "SHAPES", "list_cameras",
           "image_files", "import_images", "dataset_files", "import_dataset",
           "AudioSource", "MicrophoneSource", "AudioFileSource", "SyntheticAudioSource", "RingBuffer",
           "list_microphones", "SOUND_KINDS", "class_sound", "write_sound_files",
           "audio_files", "import_audio", "audio_dataset_files", "import_audio_dataset", "BACKGROUND_FOLDER_NAMES",
           "is_background_folder"]
