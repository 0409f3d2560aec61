"""A run's duration and steps/s leave its pauses out, and a resumed run's count only the
steps of its last start, in the store as in the window (which shows the store's figures
once a run has ended, so that they do not change when the workspace is opened again)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from farm_gui.core.jobs import JobControl
from farm_gui.runtime.continuation import prepare_resume
from farm_gui.runtime.session import RunSession
from farm_gui.store import open_store
from farm_gui.store.writer import PauseClock

from .conftest import small_config

PAUSE_S = 0.3


def test_pause_clock_adds_up_the_pauses():
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    clock = PauseClock()
    assert not clock.enter("running", t0)
    assert not clock.enter("paused", t0 + timedelta(seconds=1))
    assert not clock.enter("paused", t0 + timedelta(seconds=2))  # still the same pause
    assert clock.enter("running", t0 + timedelta(seconds=4))
    assert clock.total_s == pytest.approx(3.0)
    clock.enter("paused", t0 + timedelta(seconds=5))
    assert clock.enter("finished", t0 + timedelta(seconds=5.5))  # stopped while paused
    assert clock.total_s == pytest.approx(3.5)
    clock.reset()
    assert clock.total_s == 0.0


def test_a_paused_run_s_duration_leaves_the_pause_out(db_path):
    config = small_config(simulation_steps=40)
    control = JobControl()
    resumer: list[threading.Timer] = []

    def on_step(metrics, _model) -> None:
        if metrics["step"] == 10 and not resumer:
            control.pause()

    def on_state(state: str) -> None:
        if state == "paused":  # the store has the pause: resume PAUSE_S later
            resumer.append(threading.Timer(PAUSE_S, control.resume))
            resumer[-1].start()

    with open_store(db_path) as store:
        run_id = store.create_run(config)
        status = RunSession(store, run_id, config, control, on_step=on_step, on_state=on_state).run()
        assert status == "finished" and resumer
        info = store.get_run(run_id)
    assert info.paused_s is not None and info.paused_s >= PAUSE_S
    wall = (info.finished_at - info.started_at).total_seconds()
    assert info.duration_s == pytest.approx(wall - info.paused_s)
    assert info.steps_per_s == pytest.approx(info.steps_done / info.duration_s)
    with open_store(db_path) as store:  # read again: the same figures
        assert store.get_run(run_id).duration_s == pytest.approx(info.duration_s)


def test_a_resumed_run_counts_the_steps_of_its_last_start(db_path):
    config = small_config(simulation_steps=60, checkpoint_every=20)
    control = JobControl()

    def on_step(metrics, _model) -> None:
        if metrics["step"] == 45:
            control.stop()

    with open_store(db_path) as store:
        run_id = store.create_run(config)
        assert RunSession(store, run_id, config, control, on_step=on_step).run() == "stopped"
        continuation = prepare_resume(store, run_id, None)
        again = RunSession(store, run_id, continuation.config, JobControl(), model=continuation.model)
        assert again.run() == "finished"
        info = store.get_run(run_id)
    assert info.steps_done == 60 and info.paused_s is None
    assert 0 < info.start_step < 60  # the checkpoint it went on from
    assert info.steps_per_s == pytest.approx((60 - info.start_step) / info.duration_s)
