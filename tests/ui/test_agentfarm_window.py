"""AgentFarm in the window: File > Open AgentFarm Database..., Run > Run Side by Side,
Load YAML... with an AgentFarm configuration, and the read-only imported run."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtWidgets import QFileDialog, QMessageBox, QPushButton, QWidget

from farm_gui.agentfarm import sha256_of

from .conftest import WAIT_MS

FIXTURES = Path(__file__).parents[1] / "fixtures" / "agentfarm"


@pytest.fixture
def messages(monkeypatch):
    seen: list[tuple[str, str, str]] = []
    monkeypatch.setattr(QMessageBox, "information", lambda parent, title, text, *a: seen.append(
        ("info", title, text)))
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *a: seen.append(
        ("warning", title, text)))
    return seen


def open_agentfarm(qtbot, window, monkeypatch, path):
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))
    before = len(window.run_table.table_model.rows)
    action = window.findChild(type(window.actions.start), "action_open_agentfarm")
    assert action is not None and action.isEnabled()
    action.trigger()
    return before


def test_open_database_shows_the_run_and_scrubs_its_world(qtbot, make_window, monkeypatch, tmp_path,
                                                          messages):
    window = make_window()
    source = tmp_path / "sim.db"
    shutil.copy(FIXTURES / "sample_60_steps.db", source)
    checksum = sha256_of(source)
    open_agentfarm(qtbot, window, monkeypatch, source)
    qtbot.waitUntil(lambda: any(r.model == "agentfarm" for r in window.run_table.table_model.rows),
                    timeout=WAIT_MS)
    run_id = next(r.run_id for r in window.run_table.table_model.rows if r.model == "agentfarm")
    qtbot.waitUntil(lambda: window.run_table.selected_ids() == [run_id] and window.shown_ids == [run_id],
                    timeout=WAIT_MS)
    qtbot.waitUntil(lambda: any(kind == "info" and "learning-module rows" in text
                                for kind, _t, text in messages), timeout=WAIT_MS)
    assert sha256_of(source) == checksum
    stored = window.store.metrics(run_id)
    chart = window.findChild(QWidget, "population_chart")
    qtbot.waitUntil(lambda: chart.data("system") is not None and len(chart.data("system")[0]) == 61,
                    timeout=WAIT_MS)
    np.testing.assert_array_equal(chart.data("total")[1], stored["alive"])
    np.testing.assert_array_equal(chart.data("system")[1], stored["alive_system"])
    slider = window.findChild(QWidget, "step_slider")
    qtbot.waitUntil(lambda: slider.isEnabled() and slider.maximum() == 61, timeout=WAIT_MS)
    for step in (10, 0, 61):
        slider.setValue(step)
        qtbot.waitUntil(lambda step=step: window.world_view.displayed_step == step, timeout=WAIT_MS)
        expected = window.store.world_state(run_id, step)
        assert window.world_view.step_label.text() == f"step {step}, {len(expected['agent_id'])} agents"
    assert not window.actions.resume.isEnabled()
    window.run_table.select_ids([run_id])
    window.runs.resume_run()
    assert any(kind == "warning" and "cannot be resumed" in text for kind, _t, text in messages)


def test_not_an_agentfarm_file_is_explained(qtbot, make_window, monkeypatch, tmp_path, messages):
    window = make_window()
    path = tmp_path / "notes.db"
    path.write_text("hello")
    before = open_agentfarm(qtbot, window, monkeypatch, path)
    qtbot.waitUntil(lambda: any(kind == "warning" for kind, _t, _x in messages), timeout=WAIT_MS)
    kind, title, text = next(m for m in messages if m[0] == "warning")
    assert "notes.db is not an AgentFarm database" in text and "AgentFarm" in title
    assert len(window.run_table.table_model.rows) == before and path.read_text() == "hello"
    assert not window.agentfarm.importing and window.agentfarm.dialog is None


def test_side_by_side_overlays_a_farm_gui_run(qtbot, make_window, monkeypatch, tmp_path, messages):
    window = make_window()
    source = tmp_path / "sim.db"
    shutil.copy(FIXTURES / "sample_60_steps.db", source)
    open_agentfarm(qtbot, window, monkeypatch, source)
    side = window.findChild(type(window.actions.start), "action_agentfarm_side_by_side")
    qtbot.waitUntil(lambda: bool(window.shown_ids) and side.isEnabled(), timeout=WAIT_MS)
    imported = window.shown_ids[0]
    name = window.store.get_run(imported).name
    assert name == "sim (AgentFarm)"
    side.trigger()
    qtbot.waitUntil(lambda: len(window.shown_ids) == 2, timeout=WAIT_MS)
    farm = next(i for i in window.shown_ids if i != imported)
    qtbot.waitUntil(lambda: window.store.get_run(farm).status == "finished", timeout=WAIT_MS)
    imported_config, farm_config = window.store.run_config(imported), window.store.run_config(farm)
    assert window.store.get_run(farm).model == "foraging"
    assert (farm_config.seed, farm_config.width, farm_config.simulation_steps) == \
        (imported_config.seed, 50.0, 61)
    chart = window.findChild(QWidget, "population_chart")
    # overlaid runs show every curve of each run, named "<run>: <curve>"
    theirs, ours = f"{name}: total", "sim (Farm GUI): total"
    qtbot.waitUntil(lambda: chart.data(theirs) is not None and chart.data(ours) is not None
                    and len(chart.data(ours)[0]) == 61, timeout=WAIT_MS)
    np.testing.assert_array_equal(chart.data(theirs)[1], window.store.metrics(imported)["alive"])
    np.testing.assert_array_equal(chart.data(ours)[1], window.store.metrics(farm)["alive"])


def test_load_yaml_accepts_an_agentfarm_config(qtbot, make_window, monkeypatch, messages):
    window = make_window()
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(FIXTURES / "config.json"), ""))
    window.config_form.findChild(QPushButton, "load_config").click()
    config = window.config_form.config()
    assert config is not None and (config.width, config.seed, config.max_population) == (50.0, 1234567890, 50)
    assert window.config_form.fields["width"].value() == 50.0
    (kind, title, text), = messages
    assert kind == "info" and "keys have no counterpart" in text and "learning.gamma" in text


def test_closing_during_an_import_leaves_no_half_run(qtbot, make_window, monkeypatch, tmp_path, messages):
    from farm_gui.agentfarm.synthetic import write_database
    from farm_gui.store import open_store

    source = tmp_path / "big.db"
    write_database(source, steps=300, agents=60, nodes=10)
    window = make_window()
    db = window.store.url
    open_agentfarm(qtbot, window, monkeypatch, source)
    qtbot.waitUntil(lambda: window.agentfarm.importing and window.agentfarm._progress[0] > 0, timeout=WAIT_MS)
    window.close()
    assert not window.agentfarm.importing or window.agentfarm._finished.is_set()
    with open_store(db, readonly=True) as store:
        for run in store.list_runs():  # nothing, or a complete run
            assert run.status == "finished" and run.steps_done == 300


def test_rerun_from_the_run_menu_is_refused_for_an_imported_run(qtbot, make_window, monkeypatch, tmp_path,
                                                                 messages):
    window = make_window()
    source = tmp_path / "sim.db"
    shutil.copy(FIXTURES / "sample_60_steps.db", source)
    open_agentfarm(qtbot, window, monkeypatch, source)
    qtbot.waitUntil(lambda: bool(window.shown_ids), timeout=WAIT_MS)
    width_before = window.config_form.fields["width"].value()
    rerun = window.findChild(type(window.actions.start), "action_rerun_config")
    rerun.trigger()
    qtbot.waitUntil(lambda: any(kind == "warning" and "cannot be re-run" in text
                                for kind, _t, text in messages), timeout=WAIT_MS)
    assert window.config_form.fields["width"].value() == width_before  # the form was left alone


def test_an_imported_run_offers_no_resume_or_fork_and_says_why(qtbot, make_window, monkeypatch, tmp_path,
                                                               messages):
    """Resume Run... asked how many more steps for an imported run, then said it had no
    checkpoint; Fork from Here was enabled too."""
    window = make_window()
    source = tmp_path / "sim.db"
    shutil.copy(FIXTURES / "sample_60_steps.db", source)
    open_agentfarm(qtbot, window, monkeypatch, source)
    rows = window.run_table.table_model.rows
    qtbot.waitUntil(lambda: any(r.model == "agentfarm" for r in rows), timeout=WAIT_MS)
    run_id = next(r.run_id for r in window.run_table.table_model.rows if r.model == "agentfarm")
    qtbot.waitUntil(lambda: window.run_table.selected_ids() == [run_id], timeout=WAIT_MS)
    resume, fork = window.actions.resume_run, window.actions.fork_run
    qtbot.waitUntil(lambda: not resume.isEnabled() and not fork.isEnabled(), timeout=WAIT_MS)
    for action in (resume, fork):
        assert "imported from an AgentFarm database" in action.toolTip()
        assert "Run Side by Side" in action.toolTip()
    button = window.findChild(QWidget, "fork_button")
    assert not button.isEnabled()
    from farm_gui.ui.widgets.run_table import COLUMNS

    table = window.run_table.table_model
    model_cell = table.index(table.row_of(run_id), COLUMNS.index("Model"))
    assert table.data(model_cell) == "AgentFarm (imported)"  # it said "agentfarm" beside "Foraging ecology"


def test_progress_shown_while_the_import_ends_touches_no_closed_dialog(qtbot, make_window, monkeypatch):
    """A modal progress dialog's setValue processes events, and in them the import can end
    and close the dialog: the progress shown then went on to a dialog that was gone."""
    window = make_window()
    flows = window.agentfarm
    flows._open_dialog("sim.db")
    dialog = flows.dialog
    real_set_value = dialog.setValue

    def set_value_as_the_import_ends(value):
        real_set_value(value)
        flows._close_dialog()  # what the end of the import does, in the events setValue runs

    monkeypatch.setattr(dialog, "setValue", set_value_as_the_import_ends)
    flows._on_progress(0.5, "agents")
    flows._show_progress()  # raised AttributeError ('NoneType' has no attribute 'setLabelText')
    assert flows.dialog is None
    assert "agents" in window.statusBar().currentMessage()
