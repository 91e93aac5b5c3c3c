"""The PySide6 window: `run_app(args)` opens it (main.py's default command)."""
import sys

from .compat import protect_none

__all__ = ["run_app"]

# Before any widget exists: some PySide6 releases would otherwise wear None's reference count down.
protect_none()


def run_app(args=None):
    """Open the window and run until it closes; the last project reopens (or `args.project`, if given)."""
    from PySide6.QtWidgets import QApplication

    from .main_window import MainWindow
    from .theme import apply_theme

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Glimmer")
    app.setApplicationDisplayName("Glimmer")
    apply_theme(app)
    window = MainWindow()
    window.show()
    project = getattr(args, "project", None)
    if project:
        window.open_project(project)
    else:
        window.reopen_last()
    return app.exec()
