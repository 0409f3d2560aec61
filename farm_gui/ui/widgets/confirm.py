"""Questions that never block the event loop: a window-modal box opened with
``open()`` that calls back when the user answers (see ``dialogs`` for why)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QInputDialog, QMessageBox, QWidget


def ask(parent: QWidget, title: str, text: str, on_yes: Callable[[bool], None], *, object_name: str,
        yes_text: str = "Delete", checkbox: str | None = None, checked: bool = True,
        detail: str | None = None) -> QMessageBox:
    """Ask a yes/cancel question; ``on_yes(checkbox_ticked)`` runs after a yes. Cancel is
    the default button, so Enter does not destroy anything."""
    box = QMessageBox(QMessageBox.Icon.Question, title, text, QMessageBox.StandardButton.NoButton, parent)
    box.setObjectName(object_name)
    box.setWindowModality(Qt.WindowModality.WindowModal)
    yes = box.addButton(yes_text, QMessageBox.ButtonRole.AcceptRole)
    yes.setObjectName("confirm_yes")
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(cancel)
    if detail:
        box.setInformativeText(detail)
    if checkbox:
        tick = QCheckBox(checkbox, box)  # parented: PySide would otherwise delete it with `tick`
        tick.setObjectName("confirm_checkbox")
        tick.setChecked(checked)
        box.setCheckBox(tick)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def answered(button) -> None:
        if button is yes:
            on_yes(bool(box.checkBox() and box.checkBox().isChecked()))

    box.buttonClicked.connect(answered)
    box.open()
    return box


def ask_text(parent: QWidget, title: str, label: str, value: str, on_ok: Callable[[str], None], *,
             object_name: str, multiline: bool = False) -> QInputDialog:
    """Ask for a line (or, ``multiline``, a block) of text; ``on_ok(text)`` after OK."""
    dialog = QInputDialog(parent)
    dialog.setObjectName(object_name)
    dialog.setWindowTitle(title)
    dialog.setLabelText(label)
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    if multiline:
        dialog.setOption(QInputDialog.InputDialogOption.UsePlainTextEditForTextInput, True)
        dialog.resize(460, 280)
    dialog.setTextValue(value)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.textValueSelected.connect(on_ok)
    dialog.open()
    return dialog
