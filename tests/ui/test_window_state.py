"""The main window's Qt-free state (farm_gui/ui/state.py), without a QApplication."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from datetime import datetime
from types import SimpleNamespace

from farm_gui.ui.state import RATE_EVERY_S, Callbacks, RunRow, WindowState, workspace_name


def _row(run_id: int, status: str = "finished", **kw) -> RunRow:
    return RunRow(run_id, f"run {run_id}", status, 10, 10, None, None, None, None, **kw)


def _store(url: str = "/tmp/a.db"):
    return SimpleNamespace(url=url)


def test_importing_the_state_loads_no_qt():
    qt = ("PySide6", "qasync", "pyqtgraph", "superqt")
    code = ("import sys, farm_gui.ui.state as s; s.WindowState(); "
            f"print([m for m in sys.modules if m.split('.')[0] in {qt!r}])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_store_changed_is_emitted_when_the_store_changes_only():
    state = WindowState()
    seen = []
    state.store_changed.connect(seen.append)
    first, second = _store("/a.db"), _store("/b.db")
    state.store = first
    state.store = first
    state.store = None
    state.store = second
    assert seen == [first, None, second]
    assert state.store is second


def test_forget_workspace_drops_everything_known_by_run_id():
    state = WindowState()
    state.store = _store()
    state.set_run_rows([_row(1), _row(2)])
    state.rates[1] = (1.0, 5, 2.0)
    state.stored_series[2] = object()
    state.show([2, 1])
    state.world_version = 7
    state.world_config = object()
    assert state.scrub_to(4)
    generation = state.next_display()
    state.forget_workspace()
    assert not state.display_is_current(generation)  # a display under way shows nothing
    assert (state.run_rows, state.rates, state.stored_series, state.shown_ids) == ({}, {}, {}, [])
    assert state.world_run is None and state.world_version == -1
    assert state.world_config is None and state.scrub_target is None
    assert state.store is not None  # the workspace itself is the workspace controller's


def test_show_follows_the_first_run_and_keeps_its_scrubbed_step():
    state = WindowState()
    state.store = _store()
    state.show([3, 1])
    assert state.shown_ids == [3, 1] and state.world_run == 3 and state.waits_for_first_world()
    state.world_version = 4
    assert not state.waits_for_first_world()
    assert state.scrub_to(12)
    state.show([3])  # the same run followed: the step the user picked stays
    assert state.scrub_target == 12 and state.world_version == -1
    state.show([1, 3])  # another run: its own world, from its last step
    assert state.world_run == 1 and state.scrub_target is None
    state.show([])
    assert state.world_run is None and not state.waits_for_first_world()


def test_shown_ids_is_a_copy_of_the_request():
    state = WindowState()
    ids = [1, 2]
    state.show(ids)
    ids.append(3)
    assert state.shown_ids == [1, 2]


def test_scrub_needs_a_followed_run_and_a_store():
    state = WindowState()
    state.show([1])
    assert not state.scrub_to(5)  # no workspace
    state.store = _store()
    state.show([])
    assert not state.scrub_to(5)  # no run followed
    state.show([1])
    assert state.scrub_to(5.0) and state.scrub_target == 5 and isinstance(state.scrub_target, int)


def test_only_the_latest_display_request_is_current():
    state = WindowState()
    first = state.next_display()
    second = state.next_display()
    assert not state.display_is_current(first) and state.display_is_current(second)


def test_step_rate_is_measured_over_half_a_second_at_least():
    state = WindowState()
    started = 100.0
    assert state.step_rate(1, started + 0.1, started, 50, active=True) == 0.0  # too early to say
    assert 1 not in state.rates
    rate = state.step_rate(1, started + 1.0, started, 200, active=True)
    assert rate == 200.0 and state.rates[1] == (started + 1.0, 200, 200.0)
    # within the next half second: the last measurement
    assert state.step_rate(1, started + 1.0 + RATE_EVERY_S / 2, started, 260, active=True) == 200.0
    assert state.step_rate(1, started + 1.5, started, 300, active=True) == 200.0  # (300-200)/0.5
    assert state.step_rate(1, started + 3.0, started, 300, active=False) == 200.0  # over: not measured
    assert state.rates[1] == (started + 1.5, 300, 200.0)


def test_speed_observers_hear_every_choice_in_order():
    state = WindowState()
    heard = []
    first = state.speed_changed.connect(lambda v: heard.append(("a", v)))
    state.speed_changed.connect(lambda v: heard.append(("b", v)))
    state.set_speed(100.0)
    state.set_speed(100.0)  # again: the runs selected since take it too
    state.speed_changed.disconnect(first)
    state.set_speed(None)
    assert heard == [("a", 100.0), ("b", 100.0), ("a", 100.0), ("b", 100.0), ("b", None)]
    assert state.speed is None


def test_callbacks_may_disconnect_while_being_called():
    callbacks = Callbacks()
    heard = []

    def once(value):
        heard.append(value)
        callbacks.disconnect(once)

    callbacks.connect(once)
    callbacks.connect(heard.append)
    callbacks.emit(1)
    callbacks.emit(2)
    assert heard == [1, 1, 2]


def test_rows_statuses_and_errors():
    state = WindowState()
    state.set_run_rows([_row(1, "running"), _row(2, "failed", error="boom")])
    assert state.stored_status(1) == "running" and state.stored_status(2) == "failed"
    assert state.stored_status(3) is None
    assert state.last_error is None
    state.report_error("Export failed", "disk full")
    assert state.last_error == ("Export failed", "disk full")


def test_run_row_from_a_stored_run():
    when = datetime(2026, 1, 2, 3, 4, 5)
    info = SimpleNamespace(id=7, name="fork", status="finished", steps_done=40, total_steps=40, last_alive=12,
                           steps_per_s=99.5, started_at=when, duration_s=1.5, error=None, model="wolf_sheep",
                           parent_run=3, parent_step=20)
    row = RunRow.from_info(info)
    assert row == RunRow(7, "fork", "finished", 40, 40, 12, 99.5, when, 1.5, None, "wolf_sheep", "run 3 @ 20")
    info.parent_run = None
    assert RunRow.from_info(info).parent == ""


def test_workspace_names():
    assert workspace_name("/home/me/data/ecology.farmws") == "ecology.farmws"
    assert workspace_name("postgresql+psycopg://me@host/farm") == "postgresql+psycopg://me@host/farm"


def test_the_locks_order_coroutines_of_one_loop():
    state = WindowState()
    order = []

    async def job(name: str) -> None:
        async with state.export_lock:
            order.append(f"{name} in")
            await asyncio.sleep(0.01)
            order.append(f"{name} out")

    async def both() -> None:
        await asyncio.gather(job("a"), job("b"))

    asyncio.run(both())
    assert order == ["a in", "a out", "b in", "b out"]
