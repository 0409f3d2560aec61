"""Start, watch, control and close runs through the real window."""

from __future__ import annotations

import threading

import numpy as np
from PySide6.QtWidgets import QMessageBox, QWidget

from farm_gui.app import create_main_window
from farm_gui.store import open_store

from .conftest import WAIT_MS, start_and_get_run, wait_final


def test_start_charts_every_stored_step(qtbot, make_window):
    window = make_window(steps=80)
    chart = window.findChild(QWidget, "population_chart")
    run = start_and_get_run(qtbot, window)
    wait_final(qtbot, window, run)
    stored = window.store.metrics(run.run_id)
    n = len(stored["step"])
    assert n == 80
    qtbot.waitUntil(lambda: chart.data("total") is not None and len(chart.data("total")[0]) == n,
                    timeout=WAIT_MS)
    x, y = chart.data("total")
    np.testing.assert_array_equal(x, stored["step"])
    np.testing.assert_array_equal(y, stored["alive"])
    table = window.findChild(QWidget, "run_table")
    assert table.table_model.rows[0].status == "finished"
    assert window.store.get_run(run.run_id).steps_done == n


def test_pause_step_resume_stop(qtbot, make_window):
    window = make_window(steps=100_000, speed=30.0)
    run = start_and_get_run(qtbot, window)
    qtbot.waitUntil(lambda: len(run.buffer) >= 3 and run.state == "running", timeout=WAIT_MS)
    assert window.actions.pause.isEnabled() and not window.actions.resume.isEnabled()

    window.actions.pause.trigger()
    qtbot.waitUntil(lambda: run.state == "paused", timeout=WAIT_MS)
    assert window.actions.resume.isEnabled() and window.actions.step.isEnabled()
    assert window.store.get_run(run.run_id).status == "paused"
    paused_at = len(run.buffer)
    # A second run at the same speed is the clock: while it makes steps, the paused one
    # would too if it were not paused (no fixed sleep standing for "nothing happened").
    clock = start_and_get_run(qtbot, window)
    qtbot.waitUntil(lambda: len(clock.buffer) >= 10, timeout=WAIT_MS)
    assert len(run.buffer) == paused_at  # really paused
    qtbot.waitUntil(lambda: window.run_table.table_model.row_of(clock.run_id) is not None, timeout=WAIT_MS)
    window.run_table.select_ids([run.run_id])
    qtbot.waitUntil(lambda: window.run_table.selected_ids() == [run.run_id], timeout=WAIT_MS)

    window.actions.step.trigger()
    qtbot.waitUntil(lambda: len(run.buffer) == paused_at + 1, timeout=WAIT_MS)
    mark = len(clock.buffer)
    qtbot.waitUntil(lambda: len(clock.buffer) >= mark + 10, timeout=WAIT_MS)
    assert len(run.buffer) == paused_at + 1 and run.state == "paused"  # one step, then paused again

    window.actions.resume.trigger()
    qtbot.waitUntil(lambda: run.state == "running" and len(run.buffer) > paused_at + 2, timeout=WAIT_MS)

    window.run_table.select_ids([run.run_id, clock.run_id])
    window.actions.stop.trigger()
    wait_final(qtbot, window, run)
    wait_final(qtbot, window, clock)
    info = window.store.get_run(run.run_id)
    assert info.status == "stopped"
    assert info.steps_done == len(run.buffer) == len(window.store.metrics(run.run_id)["step"])
    assert not window.actions.stop.isEnabled()


def test_two_runs_at_once_and_compare(qtbot, make_window):
    window = make_window(steps=40, speed=60.0)
    first = start_and_get_run(qtbot, window)
    second = start_and_get_run(qtbot, window)
    qtbot.waitUntil(lambda: len(first.buffer) > 0 and len(second.buffer) > 0, timeout=WAIT_MS)
    assert {first.state, second.state} <= {"pending", "running", "finished"}
    assert window.registry.counts()["running"] >= 1
    wait_final(qtbot, window, first)
    wait_final(qtbot, window, second)
    for run in (first, second):
        assert window.store.get_run(run.run_id).status == "finished"
        assert len(window.store.metrics(run.run_id)["step"]) == 40

    # both in the table first (a new run is listed a moment after it starts)
    qtbot.waitUntil(lambda: window.run_table.table_model.rowCount() == 2, timeout=WAIT_MS)
    window.run_table.select_ids([first.run_id, second.run_id])
    chart = window.charts.population
    types = ("system", "independent", "control")  # the default preset's
    qtbot.waitUntil(lambda: len(chart.curves) == 2 * (1 + len(types)), timeout=WAIT_MS)
    assert {c.label for c in chart.curves} == {f"{run.name}: {what}" for run in (first, second)
                                               for what in ("total", *types)}
    qtbot.waitUntil(lambda: all(c.item.getData()[0] is not None and len(c.item.getData()[0]) == 40
                                for c in chart.curves), timeout=WAIT_MS)


def test_past_runs_are_listed_and_shown_after_reopening(qtbot, make_window, tmp_path):
    window = make_window(steps=30)
    run = start_and_get_run(qtbot, window)
    wait_final(qtbot, window, run)
    window.close()

    again = create_main_window(str(tmp_path / "work.db"))
    qtbot.addWidget(again)
    again.show()
    qtbot.waitUntil(lambda: again.run_table.table_model.rowCount() == 1, timeout=WAIT_MS)
    assert again.config_form.config().simulation_steps == 30  # the last config is remembered
    again.run_table.select_ids([run.run_id])
    qtbot.waitUntil(lambda: again.charts.population.data("total") is not None
                    and len(again.charts.population.data("total")[0]) == 30, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: again.world_view.displayed_step == 30, timeout=WAIT_MS)


def test_close_mid_run_stops_and_flushes(qtbot, make_window, tmp_path, monkeypatch):
    asked = []

    def answer(*args, **kwargs):
        asked.append(args)
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", answer)
    window = make_window(steps=1_000_000, speed=200.0)
    run = start_and_get_run(qtbot, window)
    qtbot.waitUntil(lambda: len(run.buffer) > 5, timeout=WAIT_MS)
    assert window.close()
    assert asked, "closing with a run going must ask first"
    with open_store(tmp_path / "work.db") as store:
        info = store.get_run(run.run_id)
        assert info.status == "stopped"
        steps = store.metrics(run.run_id)["step"]
        assert info.steps_done == len(steps) == len(run.buffer)
        np.testing.assert_array_equal(steps, np.arange(len(steps)))


def test_close_cancelled_keeps_runs_going(qtbot, make_window, monkeypatch):
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Cancel)
    window = make_window(steps=1_000_000, speed=100.0)
    run = start_and_get_run(qtbot, window)
    try:
        qtbot.waitUntil(lambda: len(run.buffer) > 2 and run.state == "running", timeout=WAIT_MS)
        assert not window.close()
        assert window.isVisible() and run.state == "running"
        window.actions.stop.trigger()
        qtbot.waitUntil(lambda: run.state == "stopped", timeout=WAIT_MS)
    finally:
        window.registry.stop_all()
        window.registry.wait(30)


def test_controls_act_on_the_newest_run_when_nothing_is_selected(qtbot, make_window):
    window = make_window(steps=100_000, speed=50.0)
    run = start_and_get_run(qtbot, window)
    try:
        qtbot.waitUntil(lambda: window.run_table.selected_ids() == [run.run_id], timeout=WAIT_MS)
        window.run_table.clearSelection()
        qtbot.waitUntil(window.actions.pause.isEnabled, timeout=WAIT_MS)
        window.actions.pause.trigger()
        qtbot.waitUntil(lambda: run.state == "paused", timeout=WAIT_MS)
        window.actions.stop.trigger()
        qtbot.waitUntil(lambda: run.state == "stopped", timeout=WAIT_MS)
    finally:
        window.registry.stop_all()
        window.registry.wait(30)


def test_a_run_started_a_moment_ago_does_not_take_the_selection_the_user_made_since(qtbot, make_window):
    """Start selects the new run once the table lists it; if the user picked other runs
    meanwhile (e.g. all of them, to stop them), the refresh keeps the user's choice."""
    window = make_window(steps=100_000, speed=30.0)
    first = start_and_get_run(qtbot, window)
    second = start_and_get_run(qtbot, window)
    try:
        qtbot.waitUntil(lambda: window.run_table.selected_ids() == [second.run_id], timeout=WAIT_MS)
        gate = threading.Event()
        list_runs = window.store.list_runs

        def slow_list_runs():
            gate.wait(30)
            return list_runs()

        window.store.list_runs = slow_list_runs
        third = start_and_get_run(qtbot, window)  # its table refresh now waits at the gate
        window.run_table.select_ids([first.run_id, second.run_id])
        window.store.list_runs = list_runs
        gate.set()
        qtbot.waitUntil(lambda: window.run_table.table_model.row_of(third.run_id) is not None,
                        timeout=WAIT_MS)
        qtbot.wait(100)
        assert sorted(window.run_table.selected_ids()) == [first.run_id, second.run_id]
        window.actions.stop.trigger()
        qtbot.waitUntil(lambda: first.state == second.state == "stopped", timeout=WAIT_MS)
        qtbot.waitUntil(lambda: third.state != "pending", timeout=WAIT_MS)  # its process has started
        assert third.state == "running"
    finally:
        window.registry.stop_all()
        window.registry.wait(30)


def test_the_run_tables_alive_skips_counts_a_step_did_not_give():
    """A count the run's steps did not give (NaN in the live buffer) is left out of "Alive",
    which raised on it in the GUI thread (int(nan))."""
    import math

    from farm_gui.models.foraging import SPEC
    from farm_gui.runtime.live_buffer import LiveBuffer, buffer_names
    from farm_gui.ui.controllers.run_flows import population

    buffer = LiveBuffer(buffer_names(SPEC))
    buffer.append({"step": 0, "alive_system": 3.0, "alive_control": 4.0})  # no independent agents' count
    assert population(SPEC, buffer.snapshot()) == 7
    empty = LiveBuffer(buffer_names(SPEC))
    empty.append({"step": 0})
    snap = empty.snapshot()
    assert math.isnan(snap.last("alive_system")) and population(SPEC, snap) is None
