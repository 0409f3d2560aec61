"""The run table's context menu, driven through the real window: rename, notes,
re-run with this configuration, delete (offering to delete the run's analyses)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QCheckBox, QInputDialog, QMenu, QMessageBox, QPlainTextEdit, QPushButton

from farm_gui.analysis import analyse_stored_runs
from farm_gui.config import RunConfig
from farm_gui.runtime.session import RunSession

from .conftest import WAIT_MS, start_and_get_run, wait_final


def record(store, seed: int, name: str | None = None, steps: int = 15) -> int:
    config = RunConfig(simulation_steps=steps, seed=seed, snapshot_every=5)
    run_id = store.create_run(config, name=name)
    RunSession(store, run_id, config).run()
    return run_id


@pytest.fixture
def window(qtbot, make_window):
    w = make_window("menu.db")
    one = record(w.store, 11, "first")
    two = record(w.store, 12, "second")
    analyse_stored_runs(w.store, "population", [one])
    analyse_stored_runs(w.store, "comparison", [one, two])
    analyse_stored_runs(w.store, "population", [two])
    w.analysis_panel.refresh_runs()
    qtbot.waitUntil(lambda: len(w.run_table.table_model.rows) == 2, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: w.analysis_panel.jobs_table.rowCount() == 3, timeout=WAIT_MS)
    return w


def row_point(window, run_id: int) -> QPoint:
    table = window.run_table
    index = table.table_model.index(table.table_model.row_of(run_id), 0)
    return table.visualRect(index).center()


def open_menu(qtbot, window, run_id: int) -> QMenu:
    menu = window.run_menu.popup(row_point(window, run_id))
    assert menu is not None and window.run_table.selected_ids() == [run_id]
    return menu


def action(menu: QMenu, name: str):
    found = [a for a in menu.actions() if a.objectName() == name]
    assert found, [a.objectName() for a in menu.actions()]
    return found[0]


def test_rename_and_notes_from_the_context_menu(qtbot, window):
    menu = open_menu(qtbot, window, 1)
    assert [a.objectName() for a in menu.actions() if a.objectName()] == [
        "action_rename_run", "action_run_notes", "action_rerun_config", "action_delete_run"]
    action(menu, "action_rename_run").trigger()
    dialog = window.findChild(QInputDialog, "rename_run_dialog")
    assert dialog is not None and dialog.isVisible() and dialog.textValue() == "first"
    assert dialog.windowModality() == Qt.WindowModality.WindowModal
    dialog.setTextValue("baseline, dry season")
    dialog.accept()
    qtbot.waitUntil(lambda: window.store.get_run(1).name == "baseline, dry season", timeout=WAIT_MS)
    model = window.run_table.table_model
    qtbot.waitUntil(lambda: model.rows[model.row_of(1)].name == "baseline, dry season", timeout=WAIT_MS)
    panel_texts = [window.analysis_panel.runs_list.item(i).text()
                   for i in range(window.analysis_panel.runs_list.count())]
    assert any("baseline, dry season" in t for t in panel_texts)  # the panel follows without Refresh

    action(open_menu(qtbot, window, 1), "action_run_notes").trigger()
    qtbot.waitUntil(lambda: window.findChild(QInputDialog, "run_notes_dialog") is not None, timeout=WAIT_MS)
    notes = window.findChild(QInputDialog, "run_notes_dialog")
    editor = notes.findChild(QPlainTextEdit)
    assert editor is not None  # several lines
    notes.setTextValue("rainfall halved\nsee lab book p. 12")
    notes.accept()
    qtbot.waitUntil(lambda: window.store.get_run(1).notes == "rainfall halved\nsee lab book p. 12",
                    timeout=WAIT_MS)


def test_rename_refuses_an_empty_name(qtbot, window, monkeypatch):
    seen = []
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda *a: seen.append(a[1:3])))
    action(open_menu(qtbot, window, 2), "action_rename_run").trigger()
    dialog = window.findChild(QInputDialog, "rename_run_dialog")
    dialog.setTextValue("   ")
    dialog.accept()
    qtbot.waitUntil(lambda: bool(seen), timeout=WAIT_MS)
    assert "cannot be empty" in seen[0][1] and window.store.get_run(2).name == "second"


def test_rerun_loads_the_configuration_into_the_form(qtbot, window):
    window.config_form.set_value("seed", 999)
    action(open_menu(qtbot, window, 2), "action_rerun_config").trigger()
    qtbot.waitUntil(lambda: window.config_form.config() is not None
                    and window.config_form.config().seed == 12, timeout=WAIT_MS)
    assert window.config_form.config() == window.store.run_config(2)
    assert window.config_form.run_name() == "second (again)"
    assert "Start runs it again" in window.statusBar().currentMessage()


def test_delete_offers_to_delete_the_analyses(qtbot, window):
    menu = open_menu(qtbot, window, 1)
    action(menu, "action_delete_run").trigger()
    qtbot.waitUntil(lambda: window.findChild(QMessageBox, "delete_runs_box") is not None, timeout=WAIT_MS)
    box = window.findChild(QMessageBox, "delete_runs_box")
    assert box.windowModality() == Qt.WindowModality.WindowModal
    tick = box.findChild(QCheckBox, "confirm_checkbox")
    assert tick is not None and tick.text() == "Also delete the 2 analyses that used it" and tick.isChecked()
    assert box.defaultButton().text() != "Delete"  # Enter does not delete
    box.findChild(QPushButton, "confirm_yes").click()
    qtbot.waitUntil(lambda: [r.run_id for r in window.run_table.table_model.rows] == [2], timeout=WAIT_MS)
    assert [a.run_ids for a in window.store.list_analyses()] == [[2]]
    panel = window.analysis_panel
    qtbot.waitUntil(lambda: panel.jobs_table.rowCount() == 1, timeout=WAIT_MS)
    assert panel.jobs_table.item(0, 2).text() == "2"
    qtbot.waitUntil(lambda: panel.runs_list.count() == 1, timeout=WAIT_MS)


def test_delete_keeping_the_analyses_marks_them(qtbot, window):
    action(open_menu(qtbot, window, 2), "action_delete_run").trigger()
    qtbot.waitUntil(lambda: window.findChild(QMessageBox, "delete_runs_box") is not None, timeout=WAIT_MS)
    box = window.findChild(QMessageBox, "delete_runs_box")
    box.findChild(QCheckBox, "confirm_checkbox").setChecked(False)
    box.findChild(QPushButton, "confirm_yes").click()
    qtbot.waitUntil(lambda: [r.run_id for r in window.run_table.table_model.rows] == [1], timeout=WAIT_MS)
    assert len(window.store.list_analyses()) == 3
    panel = window.analysis_panel
    texts = lambda: sorted(panel.jobs_table.item(r, 2).text() for r in range(panel.jobs_table.rowCount()))  # noqa: E731
    qtbot.waitUntil(lambda: texts() == ["1", "1, 2 (deleted)", "2 (deleted)"], timeout=WAIT_MS)


def test_cancel_deletes_nothing(qtbot, window):
    action(open_menu(qtbot, window, 2), "action_delete_run").trigger()
    qtbot.waitUntil(lambda: window.findChild(QMessageBox, "delete_runs_box") is not None, timeout=WAIT_MS)
    box = window.findChild(QMessageBox, "delete_runs_box")
    box.button(QMessageBox.StandardButton.Cancel).click()
    qtbot.wait(50)
    assert len(window.store.list_runs()) == 2


def test_a_running_run_cannot_be_deleted(qtbot, make_window, monkeypatch):
    seen = []
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda *a: seen.append(a[1:3])))
    window = make_window("live.db", steps=1_000_000, speed=50.0)
    run = start_and_get_run(qtbot, window)
    qtbot.waitUntil(lambda: window.run_table.selected_ids() == [run.run_id], timeout=WAIT_MS)
    window.run_menu.delete_action.trigger()
    assert seen and seen[0][0] == "Cannot delete a running run" and "Stop it first" in seen[0][1]
    assert window.findChild(QMessageBox, "delete_runs_box") is None
    window.runs.stop_run()
    wait_final(qtbot, window, run)
    assert window.store.get_run(run.run_id).status == "stopped"


def test_the_analysis_panel_follows_the_window_without_refresh(qtbot, make_window, tmp_path):
    window = make_window("follow.db", steps=30)
    panel = window.analysis_panel
    assert not panel.refresh_button.isVisible()
    run = start_and_get_run(qtbot, window)
    qtbot.waitUntil(lambda: panel.runs_list.count() == 1, timeout=WAIT_MS)  # no Refresh pressed
    assert panel.runs_list.item(0).text().startswith(f"{run.run_id}  ")
    wait_final(qtbot, window, run)
    qtbot.waitUntil(lambda: "finished, 30 steps" in panel.runs_list.item(0).text(), timeout=WAIT_MS)
    # another workspace: the panel shows its runs and its stored analyses
    from farm_gui.store import open_store

    other = tmp_path / "other.db"
    with open_store(other) as store:
        first = record(store, 5, "elsewhere")
        record(store, 6, "elsewhere too")
        analyse_stored_runs(store, "population", [first])
    window.open_workspace(str(other))
    qtbot.waitUntil(lambda: panel.store is window.store and panel.runs_list.count() == 2
                    and panel.jobs_table.rowCount() == 1, timeout=WAIT_MS)
    assert panel.jobs_table.item(0, 1).text() == "population"
