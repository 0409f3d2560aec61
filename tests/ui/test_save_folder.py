"""File dialogs start in the folder a file was last saved to, whichever export saved it,
and the next session starts there too (they opened in the process's working folder)."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtWidgets import QFileDialog

from farm_gui.app import create_main_window
from farm_gui.store import open_store

from .conftest import WAIT_MS, start_and_get_run, wait_final


def test_dialogs_start_where_the_last_file_was_saved(qtbot, make_window, tmp_path, monkeypatch):
    window = make_window()
    asked: list[str] = []
    target = tmp_path / "figures"
    target.mkdir()

    def save_as(name):
        def dialog(parent, title, default, *rest, **kwargs):
            asked.append(default)
            return (str(target / name), "") if name else ("", "")
        return dialog

    # The first dialog proposes the user's documents (or home), not the working folder.
    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_as(None))
    window.actions.export_png.trigger()
    first = Path(asked[-1])
    assert first.name.endswith(".png") and first.parent != Path(os.getcwd())
    assert first.parent.is_dir()

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_as("population.png"))
    window.actions.export_png.trigger()
    qtbot.waitUntil((target / "population.png").is_file, timeout=WAIT_MS)

    # The form's Save YAML... and the analysis results' exports now start there.
    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_as(None))
    window.config_form.save_to_file()
    assert Path(asked[-1]).parent == target and asked[-1].endswith(".yaml")
    opened: list[str] = []
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        lambda parent, title, start, *a, **k: (opened.append(start), ("", ""))[1])
    window.config_form.load_from_file()
    assert opened == [str(target)]

    # File > Export > CSV (a folder) starts there too, and the folder chosen is the next start.
    run = start_and_get_run(qtbot, window)
    wait_final(qtbot, window, run)
    qtbot.waitUntil(lambda: window.run_table.selected_ids() == [run.run_id], timeout=WAIT_MS)
    tables = tmp_path / "tables"
    tables.mkdir()
    starts: list[str] = []
    monkeypatch.setattr(QFileDialog, "getExistingDirectory",
                        lambda parent, title, start="", *a, **k: (starts.append(start), str(tables))[1])
    window.actions.export_csv.trigger()
    assert starts == [str(target)]
    qtbot.waitUntil(lambda: not window.state.export_lock.locked() and any(tables.glob("*.csv")),
                    timeout=WAIT_MS)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_as(None))
    window.actions.export_png.trigger()
    assert Path(asked[-1]).parent == tables

    # ... and so does the next session's first dialog.
    window.close()
    again = create_main_window(str(tmp_path / "other.db"))
    qtbot.addWidget(again)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_as(None))
    again.actions.export_svg.trigger()
    assert Path(asked[-1]).parent == tables and asked[-1].endswith(".svg")


def test_open_dialogs_start_in_the_last_folder_and_remember_it(qtbot, make_window, tmp_path, monkeypatch):
    """File > Open Workspace, New Workspace and Open AgentFarm Database opened in the working
    folder (the source tree under `make run`); they start where the user last was, and the
    folder a file is opened from is the next start."""
    window = make_window()
    starts: list[str] = []

    def open_nothing(parent, title, start="", *a, **k):
        starts.append(start)
        return "", ""

    monkeypatch.setattr(QFileDialog, "getOpenFileName", open_nothing)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", open_nothing)
    window.actions.open_workspace.trigger()
    window.actions.new_workspace.trigger()
    window.findChild(type(window.actions.start), "action_open_agentfarm").trigger()
    assert len(starts) == 3
    assert all(Path(s).parent != Path(os.getcwd()) and Path(s) != Path(os.getcwd()) for s in starts)

    # Opening a workspace in another folder makes that folder the start of every dialog.
    elsewhere = tmp_path / "projects"
    elsewhere.mkdir()
    open_store(str(elsewhere / "study.farmws")).close()
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        lambda parent, title, start="", *a, **k: (str(elsewhere / "study.farmws"), ""))
    window.actions.open_workspace.trigger()
    qtbot.waitUntil(lambda: window.state.store is not None
                    and window.state.store.url.endswith("study.farmws"), timeout=WAIT_MS)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", open_nothing)
    window.findChild(type(window.actions.start), "action_open_agentfarm").trigger()
    window.actions.new_workspace.trigger()
    assert Path(starts[-2]) == elsewhere and Path(starts[-1]).parent == elsewhere
