"""Closing the window while one run is paused, one is running at full speed, one is
speed-limited and analyses are going: within 2 s everything has stopped, every step
computed is stored and every status is truthful."""

from __future__ import annotations

import time

from PySide6.QtGui import QAction

from farm_gui.store import open_store

from .conftest import GUI_WAIT_MS
from .db_checks import check_run_intact
from .support import collect_unhandled


def _start(qtbot, window, steps: int):
    window.config_form.set_value("simulation_steps", steps)
    before = len(window.registry.runs())
    window.findChild(QAction, "action_start").trigger()
    qtbot.waitUntil(lambda: len(window.registry.runs()) > before, timeout=GUI_WAIT_MS)
    return window.registry.runs()[-1]


def test_close_with_paused_running_limited_runs_and_analyses(qtbot, make_gui, workdir, message_boxes):
    db = workdir / "busy.db"
    window = make_gui(db=db, snapshot_every=10)
    finished = _start(qtbot, window, 300)
    qtbot.waitUntil(lambda: finished.state == "finished", timeout=GUI_WAIT_MS)
    paused = _start(qtbot, window, 1_000_000)
    qtbot.waitUntil(lambda: len(paused.buffer) > 50, timeout=GUI_WAIT_MS)
    # The run table lists a new run a moment after it starts: select it once it is there.
    qtbot.waitUntil(lambda: window.run_table.table_model.row_of(paused.run_id) is not None,
                    timeout=GUI_WAIT_MS)
    window.run_table.select_ids([paused.run_id])
    qtbot.waitUntil(lambda: window.actions.pause.isEnabled(), timeout=GUI_WAIT_MS)
    window.actions.pause.trigger()
    qtbot.waitUntil(lambda: paused.state == "paused", timeout=GUI_WAIT_MS)
    window.set_speed(None)
    fast = _start(qtbot, window, 1_000_000)
    window.set_speed(20.0)
    slow = _start(qtbot, window, 1_000_000)
    qtbot.waitUntil(lambda: len(fast.buffer) > 500 and len(slow.buffer) > 2, timeout=GUI_WAIT_MS)
    panel = window.analysis_panel
    jobs = []
    if panel is not None:
        panel.refresh_runs()
        for module in ("survival", "spatial"):
            panel.set_module(module)
            panel.set_checked_runs([finished.run_id])
            jobs.append(panel.start_analysis())
    with collect_unhandled() as errors:
        t0 = time.monotonic()
        assert window.close()
        took = time.monotonic() - t0
    print(f"closed a busy window in {took:.2f} s")
    assert errors == []
    assert took <= 2.0, f"closing took {took:.2f} s"
    with open_store(db, readonly=True) as store:
        for run, expected in ((finished, "finished"), (paused, "stopped"), (fast, "stopped"),
                              (slow, "stopped")):
            info = store.get_run(run.run_id)
            assert info.status == expected, (run.run_id, info)
            assert check_run_intact(db, store, run.run_id) == len(run.buffer)
        analyses = store.list_analyses()
    if panel is not None:
        assert all(a.status in ("finished", "stopped", "failed") for a in analyses), analyses
