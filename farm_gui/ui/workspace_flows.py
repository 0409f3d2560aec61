"""Workspace flows of the main window: File > New Workspace..., and opening a path
that does not exist yet (created after asking). Opening itself (``open_workspace``) is
in ``run_flows``; the window remembers the last workspace and starts on it."""

from __future__ import annotations

import types
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from farm_gui.desktop import NEW_WORKSPACE_FILTER, WORKSPACE_FILTER, WORKSPACE_SUFFIX, WORKSPACE_SUFFIXES
from farm_gui.ui.ask import ask

if TYPE_CHECKING:
    from farm_gui.ui.main_window import MainWindow



def with_suffix(path: str, chosen_filter: str = "") -> str:
    """``path`` with a workspace suffix added when it has none: ``.db`` when the user chose
    the SQLite filter, else ``.farmws``."""
    if Path(path).suffix.lower() in WORKSPACE_SUFFIXES:
        return path
    return path + (".db" if "*.db" in chosen_filter and WORKSPACE_SUFFIX not in chosen_filter
                   else WORKSPACE_SUFFIX)


def pick_workspace_to_open(parent, chosen: Callable[[str], None]) -> None:
    """Let the user pick a workspace path, existing or not, and call ``chosen`` with it
    (the dialog of getOpenFileName refuses a name that does not exist; a substitute of
    it, in tests, is used as is). The dialog is window-modal, opened with open()."""
    if not isinstance(QFileDialog.getOpenFileName, types.BuiltinFunctionType):
        path = QFileDialog.getOpenFileName(parent, "Open workspace", "", WORKSPACE_FILTER)[0]
        if path:
            chosen(path)
        return
    dialog = QFileDialog(parent, "Open workspace", "", WORKSPACE_FILTER)
    dialog.setObjectName("open_workspace_dialog")
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptOpen)
    dialog.setFileMode(QFileDialog.FileMode.AnyFile)  # a new name: created after asking
    dialog.setLabelText(QFileDialog.DialogLabel.Accept, "Open")
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.fileSelected.connect(lambda path: chosen(path) if path else None)
    dialog.open()


class WorkspaceFlows:
    def action_new_workspace(self: MainWindow) -> None:
        """File > New Workspace...: a new, empty workspace file, opened at once."""
        path, chosen = QFileDialog.getSaveFileName(self, "New workspace", f"workspace{WORKSPACE_SUFFIX}",
                                                   NEW_WORKSPACE_FILTER,
                                                   options=QFileDialog.Option.DontConfirmOverwrite)
        if not path:
            return
        path = with_suffix(path, chosen)
        if Path(path).exists():
            self.show_error("Cannot create workspace",
                            f"{path} already exists. Choose another name, or open it with "
                            "File > Open Workspace.")
            return
        self.open_workspace(path)

    def open_or_create_workspace(self: MainWindow, path: str) -> None:
        """Open ``path``; one that does not exist yet is created after asking."""
        if "://" in path or Path(path).exists():
            self.open_workspace(path)
            return
        folder = Path(path).expanduser().absolute().parent
        if not folder.is_dir():
            self.show_error("Cannot open workspace", f"{path}: the folder {folder} does not exist.")
            return
        ask(self, "Create workspace?", f"{path} does not exist yet. Create a new, empty workspace there?",
            lambda: self.open_workspace(path), "Create", "create_workspace_box")
