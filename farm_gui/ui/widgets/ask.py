"""Questions that never block the event loop: a window-modal box opened with ``open()``
(see ``dialogs`` for why no nested event loop). ``ask_yes`` is awaited; ``ask`` calls
``on_yes`` when the user agrees. When a test has substituted ``QMessageBox.question``,
the substitute answers at once instead."""

from __future__ import annotations

import asyncio
import types
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

Yes = QMessageBox.StandardButton.Yes
Cancel = QMessageBox.StandardButton.Cancel
Button = QMessageBox.StandardButton


def replace_question(paths: list[Path], directory: str) -> str:
    """The question an export asks before it replaces files already in ``directory``."""
    names = "\n".join(f"  {p.name}" for p in paths[:8])
    more = f"\n  ... and {len(paths) - 8} more" if len(paths) > 8 else ""
    return (f"{len(paths)} file(s) of this export already exist in {directory}:\n{names}{more}\n\n"
            "Replace them?")


async def ask_yes(parent: QWidget, title: str, text: str, yes_text: str = "Replace",
                  object_name: str = "question_box") -> bool:
    """Ask a yes/cancel question in a window-modal box; True for yes. A test that has
    substituted ``QMessageBox.question`` gets that called instead."""
    if not isinstance(QMessageBox.question, types.BuiltinFunctionType):
        answer = QMessageBox.question(parent, title, text, Yes | Cancel, Cancel)
        return answer in (Yes, QMessageBox.StandardButton.Ok)
    box = QMessageBox(QMessageBox.Icon.Question, title, text, Yes | Cancel, parent)
    box.setObjectName(object_name)
    box.setWindowModality(Qt.WindowModality.WindowModal)
    box.setDefaultButton(Cancel)
    box.button(Yes).setText(yes_text)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    answer: asyncio.Future[bool] = asyncio.get_running_loop().create_future()

    def done(_result: int) -> None:
        if not answer.done():
            answer.set_result(box.clickedButton() is box.button(Yes))

    box.finished.connect(done)
    box.open()
    return await answer


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
