"""The app's look: one light palette, one accent colour, a colour per class, and the style sheet.

Fusion is the base style on every platform so that spacing and widgets look the same on
Linux, Windows and macOS; the style sheet only adds cards, headings and the primary button.
"""
from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication, QStyle

ACCENT = "#2f6fde"
ACCENT_DARK = "#2458b4"
WINDOW_BG = "#f2f4f8"
CARD_BG = "#ffffff"
BORDER = "#d9dee7"
TEXT = "#1f2430"
MUTED = "#5f6b7d"
DANGER = "#c0392b"
SUCCESS = "#1e8e4e"
WARNING = "#b45309"

# Distinct, readable on white; a class keeps its colour (by position) in cards, bars and charts.
CLASS_COLORS = ("#2f6fde", "#e8710a", "#1e8e4e", "#c2185b", "#7b3fc4",
                "#00838f", "#b8860b", "#5d6d7e", "#d84315", "#3949ab")

BASE_POINT_SIZE = 10

STYLE_SHEET = f"""
QMainWindow, QDialog {{ background: {WINDOW_BG}; }}
QWidget {{ color: {TEXT}; }}
QFrame#card {{ background: {CARD_BG}; border: 1px solid {BORDER}; border-radius: 10px; }}
QFrame#card[enabledClass="false"] {{ background: #f7f8fa; }}
QFrame#topBar {{ background: {CARD_BG}; border-bottom: 1px solid {BORDER}; }}
QLabel#heading {{ font-size: {BASE_POINT_SIZE + 3}pt; font-weight: 600; }}
QLabel#title {{ font-size: {BASE_POINT_SIZE + 14}pt; font-weight: 700; }}
QLabel#muted, QLabel#hint {{ color: {MUTED}; }}
QLabel#error {{ color: {DANGER}; }}
QLabel#warningNote {{ color: {WARNING}; }}
QLabel#chip {{ background: #e8eef9; color: {ACCENT_DARK}; border-radius: 9px; padding: 2px 10px; }}
QLabel#savedChip {{ color: {MUTED}; padding: 2px 6px; }}
QLineEdit#projectName, QLineEdit#className {{
    border: 1px solid transparent; border-radius: 6px; background: transparent; padding: 2px 4px;
    font-weight: 600;
}}
QLineEdit#projectName {{ font-size: {BASE_POINT_SIZE + 4}pt; }}
QLineEdit#className {{ font-size: {BASE_POINT_SIZE + 2}pt; }}
QLineEdit#projectName:hover, QLineEdit#className:hover {{ border-color: {BORDER}; }}
QLineEdit#projectName:focus, QLineEdit#className:focus {{ border-color: {ACCENT}; background: white; }}
QPushButton {{
    background: white; border: 1px solid {BORDER}; border-radius: 6px; padding: 6px 14px;
}}
QPushButton:hover {{ background: #f0f4fc; border-color: #b9c6dc; }}
QPushButton:pressed, QPushButton:checked {{ background: #dfe8f8; }}
QPushButton:disabled {{ color: #9aa3b0; background: #f5f6f8; }}
QPushButton#primary {{ background: {ACCENT}; color: white; border: 1px solid {ACCENT_DARK}; font-weight: 600; }}
QPushButton#primary:hover {{ background: {ACCENT_DARK}; }}
QPushButton#primary:disabled {{ background: #a9bfe8; border-color: #a9bfe8; color: #eef2fa; }}
QPushButton#record {{ background: {DANGER}; color: white; border: 1px solid #962d22; font-weight: 600;
    padding: 10px 18px; }}
QPushButton#record:pressed, QPushButton#record:checked {{ background: #8e2a20; }}
QPushButton#record:disabled {{ background: #ecc3bf; border-color: #ecc3bf; color: #fbeeee; }}
QPushButton#dashed {{ border: 2px dashed #b9c3d3; background: transparent; color: {MUTED}; padding: 14px;
    font-weight: 600; }}
QPushButton#dashed:hover {{ border-color: {ACCENT}; color: {ACCENT}; }}
QPushButton#tile {{ border-radius: 10px; }}
QPushButton#tile:hover {{ border-color: {ACCENT}; background: #f7f9fe; }}
QToolButton {{ border: none; border-radius: 6px; padding: 4px; }}
QToolButton:hover {{ background: #e9eef7; }}
QProgressBar {{ border: 1px solid {BORDER}; border-radius: 5px; background: #eef1f5; text-align: center;
    height: 12px; }}
QProgressBar::chunk {{ background: {ACCENT}; border-radius: 4px; }}
QScrollArea {{ background: transparent; border: none; }}
QWidget#qt_scrollarea_viewport, QWidget#scrollContent {{ background: transparent; }}
QScrollBar:vertical {{ background: transparent; width: 10px; margin: 0; }}
QScrollBar:horizontal {{ background: transparent; height: 10px; margin: 0; }}
QScrollBar::handle {{ background: #c3cad6; border-radius: 3px; margin: 2px; }}
QScrollBar::handle:hover {{ background: #9aa6b8; }}
QScrollBar::handle:vertical {{ min-height: 28px; }}
QScrollBar::handle:horizontal {{ min-width: 28px; }}
QScrollBar::add-line, QScrollBar::sub-line {{ width: 0; height: 0; border: none; background: none; }}
QScrollBar::add-page, QScrollBar::sub-page {{ background: none; }}
QListView {{ border: 1px solid #e6e9ef; border-radius: 6px; background: #fafbfc; }}
QGroupBox {{ border: 1px solid {BORDER}; border-radius: 8px; margin-top: 14px; padding: 10px 8px 8px 8px; }}
QGroupBox::title {{ subcontrol-origin: margin; left: 10px; padding: 0 4px; color: {MUTED}; }}
QFrame#banner {{ background: #2b3140; border-radius: 8px; }}
QFrame#banner QLabel {{ color: white; }}
QFrame#banner QPushButton {{ background: transparent; color: #9cc0ff; border: none; font-weight: 600; }}
QTabWidget::pane {{ border: 1px solid {BORDER}; border-radius: 6px; background: white; }}
QPlainTextEdit {{ border: 1px solid {BORDER}; border-radius: 6px; background: #fbfbfd; }}
"""


def class_color(index):
    return QColor(CLASS_COLORS[index % len(CLASS_COLORS)])


def apply_theme(app: QApplication):
    """Fusion, a light palette with our accent, a readable base font and the style sheet."""
    app.setStyle("Fusion")
    palette = QPalette()
    palette.setColor(QPalette.Window, QColor(WINDOW_BG))
    palette.setColor(QPalette.WindowText, QColor(TEXT))
    palette.setColor(QPalette.Base, QColor("white"))
    palette.setColor(QPalette.AlternateBase, QColor("#f6f7f9"))
    palette.setColor(QPalette.Text, QColor(TEXT))
    palette.setColor(QPalette.Button, QColor("white"))
    palette.setColor(QPalette.ButtonText, QColor(TEXT))
    palette.setColor(QPalette.Highlight, QColor(ACCENT))
    palette.setColor(QPalette.HighlightedText, QColor("white"))
    palette.setColor(QPalette.ToolTipBase, QColor("#2b3140"))
    palette.setColor(QPalette.ToolTipText, QColor("white"))
    palette.setColor(QPalette.PlaceholderText, QColor(MUTED))
    for role in (QPalette.WindowText, QPalette.Text, QPalette.ButtonText):
        palette.setColor(QPalette.Disabled, role, QColor("#a0a8b4"))
    palette.setColor(QPalette.Disabled, QPalette.Base, QColor("#f3f4f6"))
    palette.setColor(QPalette.Disabled, QPalette.Button, QColor("#f3f4f6"))
    app.setPalette(palette)
    font = QFont(app.font())
    font.setPointSize(BASE_POINT_SIZE)
    app.setFont(font)
    app.setStyleSheet(STYLE_SHEET)


def standard_icon(name):
    """A QStyle standard icon by its short name ("TrashIcon" for SP_TrashIcon)."""
    return QApplication.style().standardIcon(getattr(QStyle.StandardPixmap, "SP_" + name))


def monospace_font():
    font = QFont("DejaVu Sans Mono")
    font.setStyleHint(QFont.Monospace)
    font.setPointSize(BASE_POINT_SIZE - 1)
    return font
