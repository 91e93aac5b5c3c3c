"""A guard against a PySide6 defect that would otherwise abort the app after a few minutes.

PySide6 6.12 returns None from Qt methods that return nothing without taking a reference to it
(harmless from Python 3.12 on, where None is immortal). On Python 3.11 every such call -- set_text,
update, set_enabled... -- lowers None's reference count by one; a live preview makes hundreds a
second, and when the count reaches zero Python stops with "none_dealloc: deallocating None".
When the defect is present, None's count is raised so far that it can never run out.
"""
import ctypes
import sys

from PySide6.QtCore import QObject

# 2**60 calls would take longer than the universe has existed; None is never freed anyway.
_IMMORTAL_COUNT = 1 << 60


def qt_leaks_none():
    """True when calling a Qt method that returns nothing lowers None's reference count."""
    if sys.version_info >= (3, 12):
        return False
    probe = QObject()
    before = sys.getrefcount(None)
    for _ in range(64):
        probe.setObjectName("probe")
    return sys.getrefcount(None) < before - 32


def protect_none():
    """Make None effectively immortal if this PySide6 leaks it; returns whether it had to."""
    if not qt_leaks_none():
        return False
    # ob_refcnt is the first field of every CPython object (a Py_ssize_t).
    ctypes.c_ssize_t.from_address(id(None)).value += _IMMORTAL_COUNT
    return True
