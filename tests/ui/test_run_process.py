"""A run started from the window goes in a process of its own (runtime/run_process.py):
its steps, world and controls reach the window through pipes, and a process that dies
leaves a failed run with a message, not a run that stays "running"."""

from __future__ import annotations

import os
import sqlite3

import numpy as np
from PySide6.QtWidgets import QWidget

from farm_gui.core.jobs import JobControl
from farm_gui.runtime.run_process import ProcessRunWorker

from .conftest import WAIT_MS, fork_run, resume_for_more_steps, start_and_get_run, wait_final


def writer_pid(window, run_id: int) -> int | None:
    """The process that recorded the run (the store's liveness column)."""
    with sqlite3.connect(window.store.url) as conn:
        return conn.execute("SELECT writer_pid FROM runs WHERE id = ?", (run_id,)).fetchone()[0]


def test_a_run_from_the_window_runs_and_is_recorded_in_a_process_of_its_own(qtbot, make_window):
    window = make_window(steps=300)
    run = start_and_get_run(qtbot, window)
    assert isinstance(run.worker, ProcessRunWorker)
    wait_final(qtbot, window, run)
    info = window.store.get_run(run.run_id)
    assert info.status == "finished" and info.steps_done == 300
    # the store's writer was another process: the run's
    assert writer_pid(window, run.run_id) not in (None, os.getpid())
    # every step reached the window, in order, as stored
    stored = window.store.metrics(run.run_id)
    live = run.buffer.snapshot()
    assert live.length == 300
    np.testing.assert_array_equal(live["step"][:300], stored["step"])
    np.testing.assert_array_equal(live["alive"][:300], stored["alive"])
    # and the last world the window shows is the run's end
    qtbot.waitUntil(lambda: window.world_view.displayed_step == 300, timeout=WAIT_MS)
    chart = window.findChild(QWidget, "population_chart")
    qtbot.waitUntil(lambda: chart.data("total") is not None and len(chart.data("total")[0]) == 300,
                    timeout=WAIT_MS)


def test_pause_shows_the_world_of_the_step_paused_at_and_step_makes_exactly_one(qtbot, make_window):
    window = make_window(steps=100_000, speed=200.0)
    run = start_and_get_run(qtbot, window)
    try:
        qtbot.waitUntil(lambda: len(run.buffer) >= 5 and run.state == "running", timeout=WAIT_MS)
        # the controls act on the selected runs: the new run, once the table lists it
        qtbot.waitUntil(lambda: window.run_table.selected_ids() == [run.run_id], timeout=WAIT_MS)
        window.actions.pause.trigger()
        qtbot.waitUntil(lambda: run.state == "paused", timeout=WAIT_MS)
        paused_at = len(run.buffer)
        _version, world = run.world.take()
        assert world is not None and world["step"] == paused_at  # the world after the last step shown
        window.actions.step.trigger()
        qtbot.waitUntil(lambda: len(run.buffer) == paused_at + 1, timeout=WAIT_MS)
        qtbot.waitUntil(lambda: run.world.take()[1]["step"] == paused_at + 1, timeout=WAIT_MS)
        assert window.store.get_run(run.run_id).status == "paused"
        window.actions.stop.trigger()
        wait_final(qtbot, window, run)
        assert run.state == "stopped"
        # a stop while paused records every step made, the single one included
        assert window.store.get_run(run.run_id).steps_done == paused_at + 1
    finally:
        window.registry.stop_all()
        window.registry.wait(30)


def test_a_run_whose_process_dies_is_interrupted_with_a_message(qtbot, make_window):
    window = make_window(steps=10_000_000)
    run = start_and_get_run(qtbot, window)
    qtbot.waitUntil(lambda: len(run.buffer) >= 10 and run.worker.process is not None, timeout=WAIT_MS)
    run.worker.process.kill()
    qtbot.waitUntil(lambda: run.state == "interrupted", timeout=WAIT_MS)
    info = window.store.get_run(run.run_id)
    assert info.status == "interrupted"  # as if the window had been killed: resumable
    assert "the run's process ended unexpectedly (exit code -9)" in info.error
    assert run.worker.error == info.error


def test_resumed_and_forked_runs_go_on_in_a_process_of_their_own(qtbot, make_window):
    """The window checks the checkpoint and prepares the run; the run's process restores the
    model there again and records the rest (equal to an uninterrupted run: see
    test_continue_flows)."""
    window = make_window(steps=40)
    window.config_form.set_value("checkpoint_every", 20)
    run = start_and_get_run(qtbot, window)
    wait_final(qtbot, window, run)
    resume_for_more_steps(qtbot, window, 20)
    qtbot.waitUntil(lambda: window.store.get_run(run.run_id).steps_done == 60
                    and window.registry.state(run.run_id) == "finished", timeout=WAIT_MS)
    assert isinstance(window.registry.get(run.run_id).worker, ProcessRunWorker)
    assert writer_pid(window, run.run_id) not in (None, os.getpid())
    live = window.registry.get(run.run_id).buffer.snapshot()  # the history, then the new steps
    np.testing.assert_array_equal(live["alive"][:60], window.store.metrics(run.run_id)["alive"])

    fork_id = fork_run(qtbot, window, run.run_id, 20, {"base_consumption_rate": 0.3})
    qtbot.waitUntil(lambda: window.registry.state(fork_id) == "finished", timeout=WAIT_MS)
    assert isinstance(window.registry.get(fork_id).worker, ProcessRunWorker)
    fork = window.store.get_run(fork_id)
    assert (fork.parent_run, fork.parent_step, fork.steps_done) == (run.run_id, 20, 60)
    assert fork.status == "finished"
    assert writer_pid(window, fork_id) not in (None, os.getpid())


def test_a_control_tells_its_listeners_every_command_in_order():
    control = JobControl()
    heard: list[tuple] = []
    control.add_listener(lambda op, *args: heard.append((op, *args)))
    control.set_speed(25.0)
    control.pause()
    control.step_once()
    control.resume()
    control.step_once()  # not paused: no step token, nothing to tell
    control.set_speed(0)
    control.stop()
    assert heard == [("set_speed", 25.0), ("pause",), ("step_once",), ("resume",), ("set_speed", None),
                     ("stop",)]
