"""Fixtures of the fault-injection suite."""

from __future__ import annotations

from pathlib import Path

import pytest

from farm_gui.config import RunConfig


def small_config(steps: int = 200, **overrides) -> RunConfig:
    """The default preset with a chosen number of steps (a fast run)."""
    return RunConfig(simulation_steps=steps, **overrides)


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """A private folder for databases, exports and child-process output."""
    d = tmp_path / "work"
    d.mkdir()
    return d


GUI_WAIT_MS = 60_000  # generous: a loaded 2-core machine


@pytest.fixture
def gui_settings(tmp_path, monkeypatch):
    """Window settings in the test's folder, never the user's."""
    from PySide6.QtCore import QSettings

    folder = tmp_path / "settings"
    folder.mkdir()
    monkeypatch.setenv("FARM_GUI_SETTINGS", str(folder / "farm-gui.ini"))
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    return folder


@pytest.fixture
def message_boxes(monkeypatch):
    """Record warnings/critical boxes instead of showing them (title, text)."""
    from PySide6.QtWidgets import QMessageBox

    shown: list[tuple[str, str]] = []

    def record(parent, title, text, *args, **kwargs):
        shown.append((title, text))
        return QMessageBox.StandardButton.Ok

    monkeypatch.setattr(QMessageBox, "warning", record)
    monkeypatch.setattr(QMessageBox, "critical", record)
    monkeypatch.setattr(QMessageBox, "information", record)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    return shown


@pytest.fixture
def make_gui(qtbot, tmp_path, gui_settings):
    """A shown main window on a database in the test's folder."""
    from farm_gui.app import create_main_window

    def make(db: Path | None = None, steps: int = 60, snapshot_every: int = 5):
        window = create_main_window(str(db or tmp_path / "work.db"))
        qtbot.addWidget(window)
        window.resize(1200, 800)
        window.show()
        qtbot.waitExposed(window)
        if window.store is not None:
            window.config_form.set_value("simulation_steps", steps)
            window.config_form.set_value("snapshot_every", snapshot_every)
        return window

    return make
