"""A yes/no question that never blocks the event loop (see ``dialogs``): a window-modal
box opened with ``open()``; ``on_yes`` is called when the user agrees. When a test has
substituted ``QMessageBox.question``, the substitute answers at once instead."""

from __future__ import annotations

import types
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

Button = QMessageBox.StandardButton


def ask(parent: QWidget, title: str, text: str, on_yes: Callable[[], None], yes_text: str = "Yes",
        object_name: str = "question_box") -> QMessageBox | None:
    if not isinstance(QMessageBox.question, types.BuiltinFunctionType):
        answer = QMessageBox.question(parent, title, text, Button.Yes | Button.Cancel, Button.Cancel)
        if answer in (Button.Yes, Button.Ok):
            on_yes()
        return None
    box = QMessageBox(QMessageBox.Icon.Question, title, text, Button.Yes | Button.Cancel, parent)
    box.setObjectName(object_name)
    box.button(Button.Yes).setText(yes_text)
    box.setDefaultButton(Button.Cancel)
    box.setWindowModality(Qt.WindowModality.WindowModal)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def done(result: int) -> None:
        if box.standardButton(box.clickedButton()) == Button.Yes:
            on_yes()

    box.finished.connect(done)
    box.open()
    return box
