"""Message boxes that never block the event loop.

A modal ``QMessageBox.warning()`` runs a nested event loop: inside a qasync
task that breaks the loop, and in an offscreen session (tests, scripts) it
waits forever for a click. ``show_warning`` therefore opens a window-modal box
with ``open()`` and returns at once. When a test has substituted one of the
static ``QMessageBox`` functions, that substitute is called instead, so tests
can capture the text without a real box.
"""

from __future__ import annotations

import types

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget


def _substitute():
    for name in ("warning", "critical", "information"):
        fn = getattr(QMessageBox, name)
        if not isinstance(fn, types.BuiltinFunctionType):
            return fn
    return None


def show_warning(parent: QWidget | None, title: str, text: str) -> QMessageBox | None:
    substitute = _substitute()
    if substitute is not None:
        substitute(parent, title, text)
        return None
    box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, parent)
    box.setObjectName("error_box")
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box


def show_info(parent: QWidget | None, title: str, text: str, object_name: str = "info_box") -> QMessageBox:
    """A non-blocking information box (About, Keyboard Shortcuts)."""
    box = QMessageBox(QMessageBox.Icon.Information, title, text, QMessageBox.StandardButton.Ok, parent)
    box.setObjectName(object_name)
    box.setTextFormat(Qt.TextFormat.RichText)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box
