"""File > New Workspace..., opening a path that does not exist yet, and starting on the
workspace used last."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox

from farm_gui.app import create_main_window

from .conftest import WAIT_MS, start_and_get_run, wait_final


@pytest.fixture
def warnings(monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *a: shown.append((title, text)))
    return shown


def test_new_workspace_creates_an_empty_one_and_opens_it(qtbot, make_window, tmp_path, monkeypatch):
    window = make_window(steps=10)
    wait_final(qtbot, window, start_and_get_run(qtbot, window))
    target = tmp_path / "fresh"  # no suffix, SQLite chosen: ".db" is added
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda *a, **k: (str(target), "SQLite database (*.db)"))
    action = window.findChild(QAction, "action_new_workspace")
    assert action is not None and action is window.actions.new_workspace
    assert action in window.findChild(QMenu, "menu_file").actions()
    action.trigger()
    qtbot.waitUntil(lambda: window.store is not None and window.store.url.endswith("fresh.db"),
                    timeout=WAIT_MS)
    assert (tmp_path / "fresh.db").exists()
    qtbot.waitUntil(lambda: window.run_table.table_model.rowCount() == 0, timeout=WAIT_MS)
    assert window.store.list_runs() == []
    assert "fresh.db" in window.workspace_label.text()


def test_new_workspace_never_replaces_an_existing_file(qtbot, make_window, tmp_path, monkeypatch, warnings):
    window = make_window()
    existing = tmp_path / "work.db"  # the window's own workspace
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(existing), ""))
    window.actions.new_workspace.trigger()
    assert warnings and "already exists" in warnings[0][1]
    assert window.store.url == str(existing)


def test_open_creates_a_missing_workspace_after_asking(qtbot, make_window, tmp_path, monkeypatch):
    window = make_window()
    missing = tmp_path / "later.db"
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(missing), ""))
    asked, answer = [], [QMessageBox.StandardButton.Cancel]

    def question(parent, title, text, *args):
        asked.append(text)
        return answer[0]

    monkeypatch.setattr(QMessageBox, "question", question)
    window.actions.open_workspace.trigger()
    assert len(asked) == 1 and "later.db" in asked[0] and "does not exist" in asked[0]
    assert not missing.exists() and window.store.url == str(tmp_path / "work.db")  # Cancel: nothing made
    answer[0] = QMessageBox.StandardButton.Yes
    window.actions.open_workspace.trigger()
    qtbot.waitUntil(lambda: window.store is not None and window.store.url == str(missing), timeout=WAIT_MS)
    assert missing.exists()


def test_the_window_starts_on_the_last_workspace_used(qtbot, make_window, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))  # the default workspace's folder
    window = make_window(steps=10)
    other = tmp_path / "other.db"
    window.open_workspace(str(other))
    qtbot.waitUntil(lambda: window.store is not None and window.store.url == str(other), timeout=WAIT_MS)
    wait_final(qtbot, window, start_and_get_run(qtbot, window))
    window.close()
    again = create_main_window()  # no workspace named: the last one
    qtbot.addWidget(again)
    assert again.store.url == str(other)
    qtbot.waitUntil(lambda: again.run_table.table_model.rowCount() == 1, timeout=WAIT_MS)
    again.close()
    other.unlink()
    for suffix in ("-wal", "-shm"):
        (tmp_path / f"other.db{suffix}").unlink(missing_ok=True)
    third = create_main_window()  # the last one is gone: the default workspace, no error
    qtbot.addWidget(third)
    assert third.store is not None and third.store.url != str(other) and not other.exists()


def test_the_window_started_again_shows_the_newest_run(qtbot, make_window, tmp_path):
    """Reopened, the window showed its runs in the table and empty charts and world until
    one was picked; it shows the newest run, where the user left off."""
    window = make_window(steps=20)
    for _ in range(2):
        wait_final(qtbot, window, start_and_get_run(qtbot, window))
    window.close()
    again = create_main_window(str(tmp_path / "work.db"))
    qtbot.addWidget(again)
    qtbot.waitUntil(lambda: again.run_table.selected_ids() == [2] and again.shown_ids == [2], timeout=WAIT_MS)
    stored = again.store.metrics(2)
    qtbot.waitUntil(lambda: again.charts.population.data("total") is not None
                    and len(again.charts.population.data("total")[0]) == 20, timeout=WAIT_MS)
    assert list(again.charts.population.data("total")[1]) == list(stored["alive"])
    qtbot.waitUntil(lambda: again.world_view.displayed_step == 20, timeout=WAIT_MS)


def test_open_recent_leads_back_to_the_default_workspace(qtbot, tmp_path, monkeypatch):
    """Started on the default workspace and switched to another, there was no way back
    but typing the default one's path (in a hidden folder): it was never in Open Recent."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("FARM_GUI_SETTINGS", str(tmp_path / "settings.ini"))
    window = create_main_window()
    qtbot.addWidget(window)
    default = window.store.url
    other = tmp_path / "other.db"
    window.open_workspace(str(other))
    qtbot.waitUntil(lambda: window.store is not None and window.store.url == str(other), timeout=WAIT_MS)
    listed = {a.text(): a for a in window.actions.recent_menu.actions()}
    assert default in listed and str(other) in listed
    listed[default].trigger()
    qtbot.waitUntil(lambda: window.store is not None and window.store.url == default, timeout=WAIT_MS)
