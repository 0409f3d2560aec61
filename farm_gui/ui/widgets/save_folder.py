"""The folder file dialogs start in: the last one a file was saved to (charts, figures,
data, tables, configurations) or opened from (workspaces, AgentFarm databases,
configurations), kept between sessions. Without it every dialog opened in the process's
working folder (the source tree under ``make run``), and each export meant finding the
same folder again."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, QStandardPaths
from PySide6.QtWidgets import QFileDialog

SETTINGS_KEY = "export/folder"  # shared with the run data export dialog's folder field

_settings: QSettings | None = None
_folder: str = ""


def follow(settings: QSettings | None) -> None:
    """Read and keep the folder in ``settings`` (the window's); None forgets it."""
    global _settings, _folder
    _settings = settings
    _folder = str(settings.value(SETTINGS_KEY, "", type=str)) if settings is not None else ""


def folder() -> str:
    """The last folder saved to, if it still exists; else the user's documents (or home)."""
    if _folder and Path(_folder).is_dir():
        return _folder
    documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return documents if documents and Path(documents).is_dir() else str(Path.home())


def suggest(name: str) -> str:
    """Where a dialog proposes to save ``name``."""
    return str(Path(folder()) / name)


def remember(path: str) -> None:
    """A file was saved at or opened from ``path`` (or a folder ``path`` was chosen): dialogs
    start there now."""
    global _folder
    target = Path(path)
    chosen = str(target if target.is_dir() else target.parent)
    if chosen and chosen != _folder:
        _folder = chosen
        if _settings is not None:
            _settings.setValue(SETTINGS_KEY, chosen)


# The file dialogs of the window, starting in ``folder()`` and remembering what was chosen.
# QFileDialog's static functions are looked up at each call (tests substitute them).

def save_file_name(parent, title: str, name: str, filters: str, **options) -> tuple[str, str]:
    """QFileDialog.getSaveFileName proposing ``name`` in the folder last used: (path, filter)."""
    path, chosen = QFileDialog.getSaveFileName(parent, title, suggest(name), filters, **options)
    if path:
        remember(path)
    return path, chosen


def open_file_name(parent, title: str, filters: str) -> str:
    """QFileDialog.getOpenFileName starting in the folder last used: the path ("" if none)."""
    path, _ = QFileDialog.getOpenFileName(parent, title, folder(), filters)
    if path:
        remember(path)
    return path


def existing_folder(parent, title: str) -> str:
    """QFileDialog.getExistingDirectory starting in the folder last used ("" if none)."""
    directory = QFileDialog.getExistingDirectory(parent, title, folder())
    if directory:
        remember(directory)
    return directory
