"""The background job manager: slots, queueing, pause/resume/stop latency, progress,
failures and results kept in the store."""

import threading
import time

import pandas as pd
import pytest

from farm_gui.analysis import AnalysisModule, AnalysisResult, ModuleParams, available_modules, base
from farm_gui.config import RunConfig
from farm_gui.runtime.analysis_jobs import AnalysisJobManager
from farm_gui.runtime.session import RunSession
from farm_gui.store import open_store

TICKS: dict[int, int] = {}  # run id -> checkpoints passed by the "_test_slow" module
TICK_LOCK = threading.Lock()
WAIT_MS = 60_000  # a bound for a hung job on a loaded machine, not a speed target


class SlowParams(ModuleParams):
    steps: int = 400
    sleep_s: float = 0.005


def slow_compute(sources, params, ctl):
    run_id = sources[0].run_id
    for i in range(params.steps):
        time.sleep(params.sleep_s)
        with TICK_LOCK:
            TICKS[run_id] = TICKS.get(run_id, 0) + 1
        ctl.checkpoint((i + 1) / params.steps, f"tick {i}")
    return AnalysisResult(module="_test_slow", tables={"t": pd.DataFrame({"ticks": [params.steps]})})


def failing_compute(sources, params, ctl):
    ctl.checkpoint(0.1, "about to fail")
    raise ValueError("boom in the module")


@pytest.fixture(autouse=True)
def test_modules(monkeypatch):
    """Two extra modules, registered only while each test here runs."""
    available_modules()
    for module in (AnalysisModule("_test_slow", "Slow", "test", SlowParams, slow_compute),
                   AnalysisModule("_test_fail", "Fail", "test", ModuleParams, failing_compute)):
        monkeypatch.setitem(base._REGISTRY, module.name, module)


def ticks(run_id):
    with TICK_LOCK:
        return TICKS.get(run_id, 0)


@pytest.fixture
def store(tmp_path):
    with TICK_LOCK:
        TICKS.clear()  # run ids restart in every new database
    s = open_store(tmp_path / "jobs.db")
    yield s
    s.close()


@pytest.fixture
def manager(qtbot, store):
    m = AnalysisJobManager(store, max_concurrent=2)
    yield m
    m.shutdown(5)
    qtbot.waitUntil(lambda: all(j.final for j in m.jobs()), timeout=5000)


def new_run(store):
    return store.create_run(RunConfig(simulation_steps=5))


def test_cap_respected_extra_job_waits_queued(qtbot, manager, store):
    runs = [new_run(store) for _ in range(3)]
    ids = [manager.submit("_test_slow", [r]) for r in runs]
    assert [manager.job(i).status for i in ids] == ["running", "running", "queued"]
    assert manager.counts() == {"running": 2, "queued": 1, "free": 0}
    manager.stop(ids[0])
    qtbot.waitUntil(lambda: manager.job(ids[2]).status == "running", timeout=2000)
    assert manager.job(ids[0]).status == "stopped"
    assert manager.counts()["queued"] == 0


def test_pause_resume_and_stop_take_effect(qtbot, manager, store):
    """A paused job does no work while a job beside it keeps working, resumes where it
    was, and a stopped one does no more work and is recorded as stopped. (How fast each
    takes effect is measured in bench/test_timings.py, target 100 ms.)"""
    run, beside_run = new_run(store), new_run(store)
    job_id = manager.submit("_test_slow", [run], {"steps": 100_000, "sleep_s": 0.001})
    beside = manager.submit("_test_slow", [beside_run], {"steps": 100_000, "sleep_s": 0.001})
    qtbot.waitUntil(lambda: ticks(run) > 5 and ticks(beside_run) > 5, timeout=WAIT_MS)
    manager.pause(job_id)
    # "paused" is reported by the worker itself once it blocks in a checkpoint.
    qtbot.waitUntil(lambda: manager.job(job_id).status == "paused", timeout=WAIT_MS)
    frozen, mark = ticks(run), ticks(beside_run)
    qtbot.waitUntil(lambda: ticks(beside_run) >= mark + 50, timeout=WAIT_MS)  # time for work to happen
    assert ticks(run) == frozen  # no work done while paused

    manager.resume(job_id)
    qtbot.waitUntil(lambda: ticks(run) > frozen, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: manager.job(job_id).status == "running", timeout=WAIT_MS)

    worker = manager._workers[job_id]
    manager.stop(job_id)
    assert worker.done.wait(WAIT_MS / 1000)
    stopped_at, mark = ticks(run), ticks(beside_run)
    qtbot.waitUntil(lambda: ticks(beside_run) >= mark + 50, timeout=WAIT_MS)
    assert ticks(run) == stopped_at  # no work after the worker returned
    qtbot.waitUntil(lambda: manager.job(job_id).status == "stopped", timeout=WAIT_MS)
    info = store.load_analysis(manager.job(job_id).analysis_id)[0]
    assert info.status == "stopped"
    assert manager.job(beside).status == "running"


def test_stop_while_paused_and_held_queue_entries(qtbot, manager, store):
    manager.set_max_concurrent(1)
    a, b, c = new_run(store), new_run(store), new_run(store)
    first = manager.submit("_test_slow", [a])
    second = manager.submit("_test_slow", [b], {"steps": 20})
    manager.pause(second)  # still waiting: held back, not dispatched
    assert manager.job(second).status == "held"
    manager.pause(first)
    qtbot.waitUntil(lambda: manager.job(first).status == "paused", timeout=WAIT_MS)
    manager.stop(first)
    qtbot.waitUntil(lambda: manager.job(first).status == "stopped", timeout=WAIT_MS)
    # The freed slot went past the held job: a job queued after it runs to its end first.
    third = manager.submit("_test_slow", [c], {"steps": 20})
    qtbot.waitUntil(lambda: manager.job(third).status == "finished", timeout=WAIT_MS)
    assert manager.job(second).status == "held" and ticks(b) == 0
    manager.resume(second)
    qtbot.waitUntil(lambda: manager.job(second).status == "finished", timeout=WAIT_MS)
    assert ticks(b) == 20


def test_progress_is_monotone_and_throttled(qtbot, manager, store):
    run = new_run(store)
    seen = []
    manager.job_changed.connect(lambda jid: seen.append(manager.job(jid).progress))
    started = time.monotonic()
    job_id = manager.submit("_test_slow", [run], {"steps": 600, "sleep_s": 0.001})
    qtbot.waitUntil(lambda: manager.job(job_id).status == "finished", timeout=5000)
    elapsed = time.monotonic() - started
    assert seen == sorted(seen) and seen[-1] == 1.0
    assert 3 <= len(seen) <= 30 * elapsed + 6  # 600 checkpoints, ~30 reports a second at most
    job = manager.job(job_id)
    assert job.run_seconds and job.run_seconds > 0 and job.started_at <= job.finished_at


def test_failure_is_captured_with_its_error(qtbot, manager, store):
    job_id = manager.submit("_test_fail", [new_run(store)])
    qtbot.waitUntil(lambda: manager.job(job_id).final, timeout=2000)
    job = manager.job(job_id)
    assert job.status == "failed" and "boom in the module" in job.error
    info = store.load_analysis(job.analysis_id)[0]
    assert info.status == "failed" and "boom" in info.error
    missing = manager.submit("population", [987])
    qtbot.waitUntil(lambda: manager.job(missing).final, timeout=2000)
    assert manager.job(missing).status == "failed" and "987" in manager.job(missing).error


def test_bad_requests_are_refused_at_submit(manager):
    with pytest.raises(ValueError, match="unknown analysis module"):
        manager.submit("no_such_module", [1])
    with pytest.raises(ValueError, match="min_prominence"):
        manager.submit("population", [1], {"min_prominence": -3})
    with pytest.raises(ValueError, match="at least 2 runs"):
        manager.submit("comparison", [1])


def test_results_are_saved_and_reopen_from_the_store(qtbot, manager, store):
    config = RunConfig(simulation_steps=40, seed=5)
    run = store.create_run(config)
    assert RunSession(store, run, config).run() == "finished"
    job_id = manager.submit("population", [run], {"min_prominence": 2})
    qtbot.waitUntil(lambda: manager.job(job_id).status == "finished", timeout=5000)
    result = manager.result(job_id)

    reopened = AnalysisJobManager(store)
    assert reopened.load_history() == 1
    assert reopened.load_history() == 0  # already known
    job = reopened.jobs()[0]
    assert (job.module, job.run_ids, job.status, job.params["min_prominence"]) == ("population", [run],
                                                                                   "finished", 2)
    again = reopened.result(job.id)
    pd.testing.assert_frame_equal(again.tables["summary"], result.tables["summary"], check_dtype=False)
