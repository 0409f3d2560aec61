"""Run > New Experiment... and the Experiments panel, clicked as a user would."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QPushButton

from farm_gui.ui.experiments.experiments_panel import _fmt_eta, estimate_text

from .conftest import WAIT_MS, start_and_get_run, wait_final

SPEC = """model: foraging
preset: default
factors:
  base_consumption_rate: {values: [0.1, 0.3]}
replications: 2
steps: 15
seed: 4
"""


def _table_rows(panel):
    t = panel.table
    return [[t.item(r, c).text() for c in range(t.columnCount())] for r in range(t.rowCount())]


def test_new_experiment_runs_and_lists_in_the_panel(qtbot, make_window):
    window = make_window()
    action = window.findChild(type(window.actions.start), "action_new_experiment")
    assert action is not None and action in window.menuBar().findChild(type(window.actions.analysis_menu),
                                                                       "menu_run").actions()
    action.trigger()
    qtbot.waitUntil(lambda: window.findChild(QDialog, "new_experiment_dialog") is not None, timeout=WAIT_MS)
    dialog = window.findChild(QDialog, "new_experiment_dialog")
    assert "model: foraging" in dialog.editor.toPlainText()  # started from the form

    dialog.editor.setPlainText(SPEC.replace("[0.1, 0.3]", "[-1, 0.3]"))
    qtbot.waitUntil(lambda: "factors.base_consumption_rate" in dialog.preview.text(), timeout=WAIT_MS)
    start = dialog.findChild(QPushButton, "experiment_start")
    assert not start.isEnabled()  # a bad spec cannot start; the field is named

    dialog.editor.setPlainText(SPEC)
    qtbot.waitUntil(lambda: dialog.preview.text().startswith("4 runs"), timeout=WAIT_MS)
    assert start.isEnabled()
    assert "no finished run of Foraging ecology in this workspace" in dialog.preview.text()
    dialog.workers.setValue(2)
    qtbot.mouseClick(start, Qt.MouseButton.LeftButton)

    panel = window.findChild(type(window.experiments_panel), "experiments_panel")
    assert panel is window.experiments_panel
    qtbot.waitUntil(lambda: any(r[2] == "finished" and r[3] == "4/4" for r in _table_rows(panel)),
                    timeout=WAIT_MS)
    experiments = window.store.list_experiments()
    assert len(experiments) == 1 and experiments[0].runs_finished == 4
    runs = window.store.experiment_runs(experiments[0].id)
    # the experiment's runs are ordinary runs: they appear in the run list
    qtbot.waitUntil(lambda: window.run_table.table_model.rowCount() >= 4, timeout=WAIT_MS)
    assert {r.status for r in runs} == {"finished"}

    # Analyse...: the experiment's runs ticked in the Analysis panel, with the comparison
    analyse = panel.findChild(QPushButton, "experiment_analyse")
    panel.select_experiment(experiments[0].id)
    qtbot.waitUntil(analyse.isEnabled, timeout=WAIT_MS)
    qtbot.mouseClick(analyse, Qt.MouseButton.LeftButton)
    analysis = window.analysis_panel
    qtbot.waitUntil(lambda: analysis.checked_runs() == sorted(r.run_id for r in runs), timeout=WAIT_MS)
    assert analysis.module_combo.currentData() == "comparison"
    assert window.docks["analysis"].isVisible() and "4 finished runs ticked" in analysis.message.text()


def test_the_dialog_starts_from_the_model_chosen_in_the_form(qtbot, make_window):
    import yaml
    from PySide6.QtWidgets import QComboBox

    from farm_gui.experiments.plan import build_plan
    from farm_gui.experiments.spec import spec_from_text

    window = make_window()
    picker = window.findChild(QComboBox, "model_picker")
    index = picker.findData("schelling")
    picker.setCurrentIndex(index)
    picker.activated.emit(index)
    qtbot.waitUntil(lambda: window.config_form.spec.name == "schelling", timeout=WAIT_MS)
    window.config_form.set_value("homophily", 0.5)
    window.findChild(type(window.actions.start), "action_new_experiment").trigger()
    qtbot.waitUntil(lambda: window.findChild(QDialog, "new_experiment_dialog") is not None, timeout=WAIT_MS)
    dialog = window.findChild(QDialog, "new_experiment_dialog")
    text = dialog.editor.toPlainText()
    spec = yaml.safe_load(text)
    assert spec["model"] == "schelling" and spec["base"] == {"homophily": 0.5}
    # the commented example factor is one of the model's own parameters: uncommented, it runs
    example = text.split("# e.g. ", 1)[1].splitlines()[0]
    text = text.replace("factors: {}", "factors:\n  " + example).replace("   # e.g. " + example, "", 1)
    plan = build_plan(spec_from_text(text))
    assert len(plan.tasks) == 2 * spec["replications"]
    dialog.reject()


def test_the_workers_fork_server_starts_while_the_dialog_is_open(qtbot, make_window):
    """It imports and warms up every model (~2 s) while the user fills in the dialog, rather
    than after Run; its process is ours (it ends with the window's)."""
    import os
    from multiprocessing import forkserver

    server = forkserver._forkserver
    server._stop()  # as in a fresh window: no experiment has run in this process
    window = make_window()
    window.findChild(type(window.actions.start), "action_new_experiment").trigger()
    qtbot.waitUntil(lambda: window.findChild(QDialog, "new_experiment_dialog") is not None, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: server._forkserver_pid is not None, timeout=WAIT_MS)
    assert os.waitpid(server._forkserver_pid, os.WNOHANG) == (0, 0)  # running
    window.findChild(QDialog, "new_experiment_dialog").reject()


def test_the_time_estimate_comes_from_the_workspaces_earlier_runs(qtbot, make_window):
    window = make_window()
    window.config_form.set_value("simulation_steps", 60)
    run = start_and_get_run(qtbot, window)
    wait_final(qtbot, window, run)
    qtbot.waitUntil(lambda: any(r.steps_per_s for r in window.run_table.table_model.rows), timeout=WAIT_MS)
    rate = window.run_table.table_model.rows[0].steps_per_s
    window.findChild(type(window.actions.start), "action_new_experiment").trigger()
    qtbot.waitUntil(lambda: window.findChild(QDialog, "new_experiment_dialog") is not None, timeout=WAIT_MS)
    dialog = window.findChild(QDialog, "new_experiment_dialog")
    dialog.editor.setPlainText(SPEC.replace("steps: 15", "steps: 3000"))  # 4 runs of 3,000 steps
    dialog.workers.setValue(2)
    text = dialog.preview.text
    qtbot.waitUntil(lambda: text().startswith("4 runs") and "2 workers" in text(), timeout=WAIT_MS)
    seconds = 4 * 3000 / rate / 2
    expected = ("about " if seconds >= 1 else "") + _fmt_eta(seconds)
    assert f"{expected} on 2 workers" in dialog.preview.text(), (dialog.preview.text(), rate)
    dialog.reject()


def test_the_estimate_of_a_model_whose_runs_settle_is_an_upper_bound():
    # 10 Schelling runs of 1,000 steps were estimated at their full length; most are over
    # after 7-18 steps (every agent happy).
    schelling = estimate_text(10, 1000, 2000.0, 2, "schelling")
    assert schelling.startswith(f"at most about {_fmt_eta(10 * 1000 / 2000 / 2)} on 2 workers")
    assert "end sooner" in schelling
    assert estimate_text(10, 1000, 2000.0, 2, "foraging").startswith("about ")  # runs its steps


def export_as(button, fmt: str) -> None:
    """Pick a format from the Export button's menu."""
    [action] = [a for a in button.menu().actions() if a.objectName() == f"action_export_experiment_{fmt}"]
    action.trigger()


def test_an_experiment_is_exported_from_the_panel_as_csv_then_parquet(qtbot, make_window, tmp_path,
                                                                      monkeypatch):
    import pandas as pd
    from PySide6.QtWidgets import QFileDialog, QMessageBox

    from farm_gui.experiments.backends import LocalPoolBackend
    from farm_gui.experiments.spec import spec_from_text
    from farm_gui.runtime.aio import spawn

    window = make_window()
    panel = window.experiments_panel
    spawn(panel.create_and_start(spec_from_text(SPEC), LocalPoolBackend(1)))
    qtbot.waitUntil(lambda: any(r[2] == "finished" and r[3] == "4/4" for r in _table_rows(panel)),
                    timeout=WAIT_MS)
    panel.table.selectRow(0)
    out = tmp_path / "exported"
    out.mkdir()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(out))
    button = panel.findChild(QPushButton, "experiment_export")
    assert button is not None and button.isVisible() and button.menu() is not None
    experiment_id = window.store.list_experiments()[0].id
    steps = out / f"experiment{experiment_id}_steps.csv"
    summary = out / f"experiment{experiment_id}_summary.csv"

    export_as(button, "csv")
    qtbot.waitUntil(lambda: steps.exists() and summary.exists(), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: "Exported experiment" in window.statusBar().currentMessage(), timeout=WAIT_MS)
    table = pd.read_csv(steps)
    assert len(table) == 4 * 15 and set(table["base_consumption_rate"]) == {0.1, 0.3}
    assert sorted(pd.read_csv(summary)["status"]) == ["finished"] * 4

    # again into the same folder: asked before replacing; then Parquet beside the CSV files
    asked = []
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: (asked.append(a[1]), QMessageBox.StandardButton.Yes)[1])
    steps.write_text("old")
    export_as(button, "csv")
    qtbot.waitUntil(lambda: steps.read_text() != "old", timeout=WAIT_MS)
    assert asked == ["Replace files?"]
    export_as(button, "parquet")
    parquet = out / f"experiment{experiment_id}_steps.parquet"
    qtbot.waitUntil(parquet.exists, timeout=WAIT_MS)
    assert len(pd.read_parquet(parquet)) == 4 * 15 and steps.exists()


def test_pause_resume_cancel_and_resume_experiment_by_the_panels_buttons(qtbot, make_window):
    from farm_gui.experiments.backends import LocalPoolBackend
    from farm_gui.experiments.spec import spec_from_text
    from farm_gui.runtime.aio import spawn

    window = make_window()
    panel = window.experiments_panel
    buttons = {name: panel.findChild(QPushButton, f"experiment_{name}")
               for name in ("pause", "resume", "cancel", "continue", "export")}
    assert not any(b.isEnabled() for b in buttons.values())  # nothing to act on yet

    def status() -> str:
        rows = _table_rows(panel)
        return rows[0][2] if rows else ""

    def click(name: str) -> None:
        assert buttons[name].isEnabled(), name
        qtbot.mouseClick(buttons[name], Qt.MouseButton.LeftButton)

    # Runs of ~0.1-0.3 s, one to a task, two in flight: default-preset runs took ~30 ms and
    # went eight to a task, and under load the whole experiment could finish between a
    # click and the table (refreshed every 0.5 s) showing its effect.
    spec = spec_from_text(SPEC.replace("preset: default", "preset: 1k")
                          .replace("replications: 2", "replications: 8").replace("steps: 15", "steps: 400"))
    backend = LocalPoolBackend(1)
    backend.task_target_s = 0.0
    spawn(panel.create_and_start(spec, backend))
    qtbot.waitUntil(lambda: status() == "running", timeout=WAIT_MS)
    assert buttons["pause"].isEnabled() and buttons["cancel"].isEnabled()
    assert not buttons["resume"].isEnabled()
    click("pause")
    qtbot.waitUntil(lambda: status() == "paused", timeout=WAIT_MS)
    assert buttons["resume"].isEnabled() and not buttons["pause"].isEnabled()
    click("resume")
    qtbot.waitUntil(lambda: status() == "running", timeout=WAIT_MS)
    click("pause")
    qtbot.waitUntil(lambda: status() == "paused", timeout=WAIT_MS)
    click("cancel")  # paused: nothing more is dispatched, so it cannot finish first
    qtbot.waitUntil(lambda: status() == "cancelled", timeout=WAIT_MS)
    experiment = window.store.list_experiments()[0]
    assert experiment.runs_done < 16  # what finished is kept; the rest stays queued
    panel.table.selectRow(0)
    qtbot.waitUntil(buttons["continue"].isEnabled, timeout=WAIT_MS)
    assert not buttons["cancel"].isEnabled()
    click("continue")
    qtbot.waitUntil(lambda: status() == "finished", timeout=WAIT_MS)
    experiment = window.store.list_experiments()[0]
    assert (experiment.runs_done, experiment.runs_failed) == (16, 0)
    assert not buttons["continue"].isEnabled() and buttons["export"].isEnabled()


def test_times_read_as_times_at_every_scale():
    assert _fmt_eta(None) == "-"
    assert _fmt_eta(0.08) == "under 1 s"  # it said "about 0 s" for a short experiment
    assert _fmt_eta(42) == "42 s"
    assert _fmt_eta(600) == "10 min"
    assert _fmt_eta(5 * 3600) == "5.0 h"  # it said "300 min"
    assert estimate_text(5, 100, 3126.0, 2, "foraging").startswith("under 1 s on 2 workers")


def test_an_experiment_started_before_it_is_listed_is_selected_once_it_is(qtbot, make_window):
    """On a loaded machine the panel listed the workspace's experiments before the one just
    started had reported anything: it was not in the list when it was to be selected, and it
    never was (its charts did not follow it)."""
    from farm_gui.experiments.runner import create_experiment
    from farm_gui.experiments.spec import spec_from_text
    from farm_gui.runtime.aio import spawn

    window = make_window()
    panel = window.experiments_panel
    spec = spec_from_text("model: foraging\npreset: default\nreplications: 2\nsteps: 5\nseed: 1\n")
    experiment_id = create_experiment(window.store, spec)  # in the workspace, not listed yet
    assert experiment_id not in panel.infos
    panel.select_experiment(experiment_id)
    assert panel.selected_id() is None
    spawn(panel.reload())
    qtbot.waitUntil(lambda: panel.selected_id() == experiment_id, timeout=WAIT_MS)
