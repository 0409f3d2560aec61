"""Closing the window while one run is paused, one is running at full speed, one is
speed-limited and analyses are going: close returns, everything has stopped, every
step computed is stored and every status is truthful. (How long closing takes is a
figure of bench/test_timings.py, target 2 s; not asserted here.)"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QAction

from farm_gui.store import open_store

from .conftest import GUI_WAIT_MS
from .db_checks import check_run_intact
from .support import collect_unhandled

Wait = Callable[[Callable[[], object]], None]  # waits until the condition holds (or fails)


def _start(wait: Wait, window, steps: int):
    window.config_form.set_value("simulation_steps", steps)
    before = len(window.registry.runs())
    window.findChild(QAction, "action_start").trigger()
    wait(lambda: len(window.registry.runs()) > before)
    return window.registry.runs()[-1]


def make_busy(wait: Wait, window) -> dict:
    """Bring a shown window to the busy state; returns its runs by role."""
    finished = _start(wait, window, 300)
    wait(lambda: finished.state == "finished")
    paused = _start(wait, window, 1_000_000)
    wait(lambda: len(paused.buffer) > 50)
    # The run table lists a new run a moment after it starts: select it once it is there.
    wait(lambda: window.run_table.table_model.row_of(paused.run_id) is not None)
    window.run_table.select_ids([paused.run_id])
    wait(lambda: window.actions.pause.isEnabled())
    window.actions.pause.trigger()
    wait(lambda: paused.state == "paused")
    window.set_speed(None)
    fast = _start(wait, window, 1_000_000)
    window.set_speed(20.0)
    slow = _start(wait, window, 1_000_000)
    wait(lambda: len(fast.buffer) > 500 and len(slow.buffer) > 2)
    panel = window.analysis_panel
    if panel is not None:
        panel.refresh_runs()
        for module in ("survival", "spatial"):
            panel.set_module(module)
            panel.set_checked_runs([finished.run_id])
            panel.start_analysis()
    return {"finished": finished, "paused": paused, "fast": fast, "slow": slow}


def test_close_with_paused_running_limited_runs_and_analyses(qtbot, make_gui, workdir, message_boxes):
    db = workdir / "busy.db"
    window = make_gui(db=db, snapshot_every=10)
    runs = make_busy(lambda cond: qtbot.waitUntil(cond, timeout=GUI_WAIT_MS), window)
    with collect_unhandled() as errors:
        assert window.close()
    assert errors == []
    assert window.store is None
    assert window.registry.wait(0), "a run's worker was still going after close returned"
    # Their last state changes reach the registry through the event queue.
    qtbot.waitUntil(lambda: not window.registry.active_ids(), timeout=GUI_WAIT_MS)
    with open_store(db, readonly=True) as store:
        for role, expected in (("finished", "finished"), ("paused", "stopped"), ("fast", "stopped"),
                               ("slow", "stopped")):
            run = runs[role]
            info = store.get_run(run.run_id)
            assert info.status == expected, (role, info)
            assert check_run_intact(db, store, run.run_id) == len(run.buffer)
        analyses = store.list_analyses()
    if window.analysis_panel is not None:
        assert len(analyses) == 2
        assert all(a.status in ("finished", "stopped", "failed") for a in analyses), analyses
