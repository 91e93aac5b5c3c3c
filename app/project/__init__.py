"""Image and audio projects: the model (classes, samples, embeddings, trained head), .glimmer files, autosave,
recents."""
from .autosave import Autosaver, recovery_files
from .bundled import SAMPLES_DIR, held_out_samples, sample_project
from .files import PROJECT_EXTENSION, finish_save, load_project, save_project, snapshot_project, write_snapshot
from .model import (BACKGROUND_CLASS_NAME, MIN_BACKGROUND_SECONDS, PROJECT_KINDS, ClassInfo, Project, RemovedClass,
                    Sample, TrainingSettings)
from .recent import data_dir, forget_project, recent_entries, recent_projects, remember_project

__all__ = ["Autosaver", "recovery_files", "PROJECT_EXTENSION", "load_project", "save_project", "snapshot_project",
           "write_snapshot", "finish_save", "ClassInfo", "Project", "RemovedClass", "Sample", "TrainingSettings",
           "PROJECT_KINDS", "BACKGROUND_CLASS_NAME", "MIN_BACKGROUND_SECONDS", "data_dir", "forget_project",
           "recent_entries", "recent_projects", "remember_project", "SAMPLES_DIR", "held_out_samples",
           "sample_project"]
