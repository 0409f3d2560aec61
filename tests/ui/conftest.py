"""Fixtures for the window tests: isolated settings, small fast runs."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings

from farm_gui.app import create_main_window

WAIT_MS = 60_000  # generous: a loaded 2-core machine


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path, monkeypatch):
    settings_dir = tmp_path / "settings"
    settings_dir.mkdir()
    monkeypatch.setenv("FARM_GUI_SETTINGS", str(settings_dir / "farm-gui.ini"))
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(settings_dir))
    return settings_dir


@pytest.fixture
def make_window(qtbot, tmp_path):
    def make(name: str = "work.db", steps: int = 60, speed: float | None = None):
        window = create_main_window(str(tmp_path / name))
        qtbot.addWidget(window)
        window.resize(1200, 800)
        window.show()
        qtbot.waitExposed(window)
        window.config_form.set_value("simulation_steps", steps)
        window.config_form.set_value("snapshot_every", 5)
        window.set_speed(speed)
        return window

    return make


def start_and_get_run(qtbot, window, count_before: int | None = None):
    """Trigger Start and return the registry entry of the new run."""
    before = len(window.registry.runs()) if count_before is None else count_before
    window.actions.start.trigger()
    qtbot.waitUntil(lambda: len(window.registry.runs()) > before, timeout=WAIT_MS)
    return window.registry.runs()[-1]


def wait_final(qtbot, window, run):
    qtbot.waitUntil(lambda: window.registry.state(run.run_id) in ("finished", "stopped", "failed"),
                    timeout=WAIT_MS)
    qtbot.waitUntil(lambda: window.store.get_run(run.run_id).status in ("finished", "stopped", "failed"),
                    timeout=WAIT_MS)


def resume_for_more_steps(qtbot, window, steps: int) -> None:
    """Run > Resume on the shown run, asking for ``steps`` more steps (the continue dialog)."""
    from PySide6.QtWidgets import QDialog, QWidget

    qtbot.waitUntil(lambda: window.actions.resume_run.isEnabled(), timeout=WAIT_MS)
    window.actions.resume_run.trigger()
    dialog = window.findChild(QDialog, "continue_dialog")
    qtbot.waitUntil(lambda: dialog is not None and dialog.isVisible(), timeout=WAIT_MS)
    dialog.findChild(QWidget, "continue_steps").setValue(steps)
    dialog.accept()


def fork_run(qtbot, window, run_id: int, step: int, settings: dict | None = None) -> int:
    """Fork ``run_id`` at ``step`` with ``settings`` as the Fork dialog's OK does; the new
    run's id (the status bar's message when the window refused it)."""
    from farm_gui.runtime.aio import spawn

    forked: list = []

    async def fork() -> None:
        forked.append(await window.continues.fork_run_async(run_id, step, settings or {}))

    spawn(fork())
    qtbot.waitUntil(lambda: bool(forked), timeout=WAIT_MS)
    assert forked[0] is not None, window.statusBar().currentMessage()
    return forked[0]
