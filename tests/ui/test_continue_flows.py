"""Resume and fork through the real window: Run > Resume Run (a stopped run goes on, a
finished one asks for more steps), Fork from here (a dialog, a new run with its parent
shown in the run table and overlaid on the charts, aligned at the fork step)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QLabel, QWidget

from farm_gui.runtime.session import RunSession
from farm_gui.store import open_store

from .conftest import WAIT_MS, fork_run, resume_for_more_steps, start_and_get_run, wait_final


def _reference_metrics(tmp_path, config, model: str | None = None):
    """The metrics of ``config`` run straight through (no stop, no checkpoint)."""
    with open_store(tmp_path / "reference.db") as store:
        run_id = store.create_run(config) if model is None else store.create_run(config, None, model)
        assert RunSession(store, run_id, config).run() == "finished"
        return store.metrics(run_id)


def test_a_stopped_run_resumes_from_the_window_and_equals_an_uninterrupted_one(qtbot, make_window, tmp_path):
    window = make_window(steps=400, speed=300.0)
    window.config_form.set_value("checkpoint_every", 50)
    run = start_and_get_run(qtbot, window)
    qtbot.waitUntil(lambda: len(run.buffer) >= 120, timeout=WAIT_MS)
    window.actions.stop.trigger()
    wait_final(qtbot, window, run)
    stopped_at = window.store.get_run(run.run_id).steps_done
    assert stopped_at < 400
    qtbot.waitUntil(lambda: window.actions.resume_run.isEnabled(), timeout=WAIT_MS)
    window.set_speed(None)
    window.actions.resume_run.trigger()
    qtbot.waitUntil(lambda: window.store.get_run(run.run_id).status == "finished", timeout=WAIT_MS)
    resumed = window.registry.get(run.run_id)
    qtbot.waitUntil(lambda: window.registry.state(run.run_id) == "finished", timeout=WAIT_MS)
    stored = window.store.metrics(run.run_id)
    reference = _reference_metrics(tmp_path, resumed.config)
    for name, values in reference.items():
        np.testing.assert_array_equal(stored[name], values, err_msg=name)
    # the live buffer holds the whole run, history included, and the chart draws it
    assert len(resumed.buffer) == 400
    chart = window.findChild(QWidget, "population_chart")
    qtbot.waitUntil(lambda: chart.data("total") is not None and len(chart.data("total")[0]) == 400,
                    timeout=WAIT_MS)
    assert window.run_table.table_model.rows[0].steps_done == 400


def test_a_finished_run_continues_for_more_steps_and_can_be_forked(qtbot, make_window):
    window = make_window(steps=60)
    window.config_form.set_value("checkpoint_every", 20)
    run = start_and_get_run(qtbot, window)
    wait_final(qtbot, window, run)
    resume_for_more_steps(qtbot, window, 40)
    qtbot.waitUntil(lambda: window.store.get_run(run.run_id).steps_done == 100
                    and window.store.get_run(run.run_id).status == "finished", timeout=WAIT_MS)
    qtbot.waitUntil(lambda: window.registry.state(run.run_id) == "finished", timeout=WAIT_MS)

    # Fork from here: the slider at step 47 snaps to the checkpoint at 40
    qtbot.waitUntil(lambda: window.actions.fork_run.isEnabled() and window.world_view.slider.isEnabled(),
                    timeout=WAIT_MS)
    window.world_view.slider.setValue(47)
    button = window.findChild(QWidget, "fork_button")
    assert button.isVisible()
    button.click()
    qtbot.waitUntil(lambda: (d := window.findChild(QDialog, "fork_dialog")) is not None and d.isVisible(),
                    timeout=WAIT_MS)
    fork_dialog = window.findChild(QDialog, "fork_dialog")
    assert fork_dialog.step() == 40 and window.world_view.slider.value() == 40
    fork_dialog.findChild(QWidget, "fork_settings").setText("base_consumption_rate=0.3")
    fork_dialog.findChild(QWidget, "fork_name").setText("hungrier")
    fork_dialog.accept()
    qtbot.waitUntil(lambda: any(r.name == "hungrier" and r.status == "finished"
                                for r in window.store.list_runs()), timeout=WAIT_MS)
    fork = next(r for r in window.store.list_runs() if r.name == "hungrier")
    assert (fork.parent_run, fork.parent_step, fork.steps_done) == (run.run_id, 40, 100)
    assert window.store.run_config(fork.id).base_consumption_rate == 0.3
    model = window.run_table.table_model
    lineage = f"run {run.run_id} @ 40"
    qtbot.waitUntil(lambda: any(r.run_id == fork.id and r.parent == lineage for r in model.rows),
                    timeout=WAIT_MS)
    # fork and parent are selected together: the charts overlay them, the fork from step 40 on
    qtbot.waitUntil(lambda: sorted(window.run_table.selected_ids()) == sorted([fork.id, run.run_id]),
                    timeout=WAIT_MS)
    chart = window.findChild(QWidget, "population_chart")
    fork_total = "hungrier: total"  # overlaid runs show every curve, named "<run>: <curve>"
    qtbot.waitUntil(lambda: chart.data(fork_total) is not None and len(chart.data(fork_total)[0]) == 60,
                    timeout=WAIT_MS)
    x, y = chart.data(fork_total)
    assert x[0] == 40 and x[-1] == 99
    np.testing.assert_array_equal(y, window.store.metrics(fork.id)["alive"])
    parent_x, _ = chart.data(f"{window.store.get_run(run.run_id).name}: total")
    assert parent_x[0] == 0 and parent_x[-1] == 99


def test_the_fork_dialog_names_a_bad_setting_and_keeps_what_was_typed(qtbot, make_window):
    window = make_window(steps=60)
    window.config_form.set_value("checkpoint_every", 20)
    run = start_and_get_run(qtbot, window)
    wait_final(qtbot, window, run)
    qtbot.waitUntil(lambda: window.actions.fork_run.isEnabled() and window.world_view.slider.isEnabled(),
                    timeout=WAIT_MS)
    window.world_view.slider.setValue(25)
    window.findChild(QWidget, "fork_button").click()
    qtbot.waitUntil(lambda: (d := window.findChild(QDialog, "fork_dialog")) is not None and d.isVisible(),
                    timeout=WAIT_MS)
    dialog = window.findChild(QDialog, "fork_dialog")
    name = window.store.get_run(run.run_id).name
    assert dialog.findChild(QWidget, "fork_name").placeholderText() == f"{name} fork@20"
    steps = dialog.findChild(QComboBox, "fork_step")
    steps.setCurrentIndex(steps.findData(40))
    assert dialog.findChild(QWidget, "fork_name").placeholderText() == f"{name} fork@40"
    settings = dialog.findChild(QWidget, "fork_settings")
    problem = dialog.findChild(QLabel, "fork_problem")
    ok = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)
    runs_before = len(window.store.list_runs())

    settings.setText("base_consumption_rat=0.3")  # a typo
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and problem.isVisible()
    assert ("base_consumption_rat: unknown setting (not a parameter of this model; "
            "did you mean base_consumption_rate?)") in problem.text()
    assert settings.text() == "base_consumption_rat=0.3"

    settings.setText("simulation_steps=30")  # ends before the checkpoint it starts from
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and "simulation_steps" in problem.text()

    settings.setText("base_consumption_rate=0.3")
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    qtbot.waitUntil(lambda: len(window.store.list_runs()) == runs_before + 1, timeout=WAIT_MS)
    assert len(window.store.list_runs()) == runs_before + 1


def test_a_finished_run_without_checkpoints_says_how_to_get_them(qtbot, make_window):
    """It said only that there was nothing to go on from."""
    from sqlalchemy import text

    window = make_window(steps=20)
    run = start_and_get_run(qtbot, window)
    wait_final(qtbot, window, run)
    with window.store.engine.begin() as conn:  # as an experiment's runs, which keep none
        conn.execute(text("DELETE FROM checkpoints WHERE run_id = :r"), {"r": run.run_id})
    qtbot.waitUntil(lambda: window.actions.resume_run.isEnabled(), timeout=WAIT_MS)
    window.actions.resume_run.trigger()
    dialog = window.findChild(QDialog, "continue_dialog")
    qtbot.waitUntil(lambda: dialog is not None and dialog.isVisible(), timeout=WAIT_MS)
    dialog.accept()
    qtbot.waitUntil(lambda: window.state.last_error is not None, timeout=WAIT_MS)
    title, message = window.state.last_error
    assert title == "Cannot resume the run" and "no checkpoint to continue from" in message
    assert "Re-run with this Configuration" in message and "--from-run" in message


def test_a_run_of_another_model_resumes_and_forks_as_that_model(qtbot, make_window, tmp_path, caplog):
    """A Boltzmann wealth run continued from the window was taken for the foraging ecology
    (the registry's default model): its live buffer had the foraging ecology's columns, so
    its charts had nothing to draw and the run table's Alive raised on their NaN counts;
    in a process of its own it failed outright ("Extra inputs are not permitted: n")."""
    from farm_gui.models.boltzmann_wealth import SPEC as WEALTH

    from .test_model_runs_in_window import pick

    window = make_window(steps=40)
    pick(qtbot, window, WEALTH.name)
    window.config_form.set_value("simulation_steps", 40)
    window.config_form.set_value("snapshot_every", 10)
    run = start_and_get_run(qtbot, window)
    wait_final(qtbot, window, run)
    assert window.store.get_run(run.run_id).status == "finished"

    resume_for_more_steps(qtbot, window, 20)
    qtbot.waitUntil(lambda: (i := window.store.get_run(run.run_id)).status == "failed"
                    or (i.steps_done == 60 and i.status == "finished"), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: window.registry.state(run.run_id) in ("finished", "failed"), timeout=WAIT_MS)
    info = window.store.get_run(run.run_id)
    assert (info.status, info.steps_done, info.error) == ("finished", 60, None)
    resumed = window.registry.get(run.run_id)
    assert resumed.model.name == WEALTH.name
    assert info.last_alive is None  # a model that counts no population: no "Alive" (it read 0)
    stored = window.store.metrics(run.run_id)
    reference = _reference_metrics(tmp_path, resumed.config, WEALTH.name)
    for name in ("gini", "max_wealth", "transfers"):
        np.testing.assert_array_equal(stored[name], reference[name], err_msg=name)
    live = resumed.buffer.snapshot()
    # the history, then the new steps (the live buffer holds float32)
    np.testing.assert_array_equal(live["gini"][:60], stored["gini"].astype(np.float32))
    chart = window.findChild(QWidget, "inequality_chart")
    qtbot.waitUntil(lambda: chart.data("Gini coefficient") is not None
                    and len(chart.data("Gini coefficient")[0]) == 60, timeout=WAIT_MS)

    fork_id = fork_run(qtbot, window, run.run_id, 40)  # a checkpoint: the resume's
    qtbot.waitUntil(lambda: window.registry.state(fork_id) in ("finished", "failed"), timeout=WAIT_MS)
    fork_info = window.store.get_run(fork_id)
    assert (fork_info.status, fork_info.model, fork_info.steps_done) == ("finished", WEALTH.name, 60)
    assert fork_info.last_alive is None
    # the same settings from the same checkpoint: the same steps as the run it came from
    np.testing.assert_array_equal(window.store.metrics(fork_id)["gini"], stored["gini"][40:])
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")], caplog.text


def test_the_fork_dialogs_example_settings_are_the_runs_models_and_valid():
    """A Schelling run's fork dialog suggested "base_consumption_rate=0.3 max_population=500",
    settings of the foraging ecology that the fork would refuse."""
    from farm_gui.core.registry import models
    from farm_gui.runtime.continuation import apply_settings, parse_settings
    from farm_gui.ui.controllers.continue_flows import example_settings

    for name, spec in models().items():
        config = spec.parameters()
        example = example_settings(config).removeprefix("e.g. ")
        if example.startswith("name=value"):  # a model without a rate to show: the syntax only
            continue
        settings = parse_settings(example.split())
        changed = apply_settings(config, settings, "example")  # valid for the run's own model
        assert all(getattr(changed, key) != getattr(config, key) for key in settings), name
    assert example_settings(models()["schelling"].parameters()) == "e.g. homophily=0.2"
