"""Experiments run on the local process pool and recorded in the workspace: every run an
ordinary run with its design point, replicate and seed; failed runs recorded; cancel and
resume giving the same results as an uninterrupted experiment."""

from __future__ import annotations

import re
import threading

import numpy as np
import pytest
from sqlalchemy import event

from farm_gui.core.jobs import JobControl
from farm_gui.experiments.backends import MAX_RUNS_PER_TASK, LocalPoolBackend
from farm_gui.experiments.export import experiment_tables
from farm_gui.experiments.plan import build_plan
from farm_gui.experiments.runner import MAX_ATTEMPTS, ExperimentRunner, create_experiment
from farm_gui.experiments.spec import spec_from_text
from farm_gui.experiments.worker import execute

from . import toy_model

PRELOAD = (toy_model.MODULE,)

SPEC = f"""
model: {toy_model.NAME}
preset: tiny
factors:
  step_size: {{values: [0.5, 2.0]}}
  fail_at: {{values: [0, 4]}}
replications: 3
steps: 8
seed: 11
"""


def _run(store, text, workers=2, control=None, **kw):
    spec = spec_from_text(text)
    experiment_id = create_experiment(store, spec)
    runner = ExperimentRunner(store, experiment_id, LocalPoolBackend(workers), control, preload=PRELOAD, **kw)
    return experiment_id, runner.run()


def test_every_run_lands_once_with_its_seed_and_failures_are_recorded(store):
    experiment_id, status = _run(store, SPEC)
    assert status == "finished"
    info = store.get_experiment(experiment_id)
    assert (info.status, info.runs_total, info.runs_finished, info.runs_failed) == ("finished", 12, 6, 6)
    plan = build_plan(spec_from_text(SPEC))
    assert info.name == "Exp toy grid x3 (12 runs)"  # the model by its label (exp_toy has no title)
    runs = store.experiment_runs(experiment_id)
    assert [r.index for r in runs] == list(range(12))
    assert len({r.run_id for r in runs}) == 12 and len(store.list_runs()) == 12
    for r, task in zip(runs, plan.tasks, strict=True):
        assert (r.seed, r.factors, r.point, r.replicate) == (
            task.seed,
            task.factors,
            task.point,
            task.replicate,
        )
        run = store.get_run(r.run_id)
        assert run.model == toy_model.NAME and run.seed == task.seed
        metrics = store.metrics(r.run_id)
        if task.factors["fail_at"] == 4:  # the run that raises: recorded failed with its error and 3 steps
            assert r.status == "failed" and run.status == "failed" and "toy failure" in (run.error or "")
            assert "toy failure" in r.error
            assert len(metrics["step"]) == 3
        else:
            assert r.status == "finished" and run.status == "finished"
            expected = execute(task)  # the same run in this process
            assert np.array_equal(metrics["mean_distance"], expected.metrics["mean_distance"])
            assert np.array_equal(metrics["far"], expected.metrics["far"])
        assert store.experiment_of_run(r.run_id).index == r.index


def test_cancel_stops_quickly_keeps_what_finished_and_resume_matches_an_uninterrupted_run(store, tmp_path):
    text = f"""
model: {toy_model.NAME}
preset: tiny
base: {{step_sleep: 0.02}}
factors:
  step_size: {{values: [0.5, 1.0, 1.5, 2.0]}}
replications: 3
steps: 15
seed: 5
"""
    control = JobControl()
    stored = threading.Event()
    import time

    cancelled_at = []

    def on_result(task, run_id, status):
        if not stored.is_set():
            stored.set()
            control.stop()
            cancelled_at.append(time.monotonic())

    experiment_id, status = _run(store, text, control=control, on_result=on_result)
    returned = time.monotonic()
    assert status == "cancelled"
    assert returned - cancelled_at[0] < 2.0  # the runs in flight stopped within 2 s
    info = store.get_experiment(experiment_id)
    assert info.status == "cancelled" and 1 <= info.runs_finished < 12
    done_before = {r.index: r.run_id for r in store.experiment_runs(experiment_id) if r.status == "finished"}
    assert len(store.list_runs()) == len(done_before)  # no half-made runs left behind

    runner = ExperimentRunner(store, experiment_id, LocalPoolBackend(2), preload=PRELOAD)
    assert runner.run() == "finished"
    info = store.get_experiment(experiment_id)
    assert (info.status, info.runs_finished, info.runs_failed) == ("finished", 12, 0)
    runs = store.experiment_runs(experiment_id)
    assert {r.index: r.run_id for r in runs if r.index in done_before} == done_before  # kept, not redone
    assert len(store.list_runs()) == 12

    # the same spec run without interruption into another workspace gives the same results
    from farm_gui.store import open_store

    with open_store(tmp_path / "whole.db") as other:
        whole_id, _ = _run(other, text)
        whole = other.experiment_runs(whole_id)
        for a, b in zip(runs, whole, strict=True):
            assert (a.seed, a.factors) == (b.seed, b.factors)
            assert np.array_equal(
                store.metrics(a.run_id)["mean_distance"], other.metrics(b.run_id)["mean_distance"]
            )


def test_pause_stops_dispatching(store):
    text = f"model: {toy_model.NAME}\npreset: tiny\nbase: {{step_sleep: 0.01}}\nreplications: 10\nsteps: 10\n"
    control = JobControl()
    progress = []
    paused_seen = threading.Event()

    safety = threading.Timer(60.0, control.resume)  # (the assertions below then fail)

    def on_result(task, run_id, status):
        if len(progress) == 0:
            control.pause()
            safety.start()
        progress.append(store.get_experiment(experiment_holder[0]).status)

    experiment_holder = []
    spec = spec_from_text(text)
    experiment_holder.append(create_experiment(store, spec))

    def on_progress(p):
        # resumed once the runs in flight when it paused have come back and no other went
        # out (on a loaded machine they took more than the second this test once waited)
        if p.paused and p.running == 0 and not paused_seen.is_set():
            paused_seen.set()
            control.resume()

    runner = ExperimentRunner(
        store,
        experiment_holder[0],
        LocalPoolBackend(1),
        control,
        preload=PRELOAD,
        on_result=on_result,
        on_progress=on_progress,
    )
    assert runner.run() == "finished"
    safety.cancel()
    assert paused_seen.is_set()  # while paused, nothing was in flight: dispatch stopped
    assert "paused" in progress
    assert store.get_experiment(experiment_holder[0]).runs_finished == 10


def test_a_worker_killed_mid_experiment_its_runs_are_run_again(store):
    import os
    import signal

    text = f"model: {toy_model.NAME}\npreset: tiny\nbase: {{step_sleep: 0.01}}\n"
    text += "replications: 8\nsteps: 20\nseed: 9\n"
    backend = LocalPoolBackend(2)
    killed = []

    def on_result(task, run_id, status):
        if not killed:
            pid = next(iter(backend._pool._processes))
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)

    experiment_id = create_experiment(store, spec_from_text(text))
    assert (
        ExperimentRunner(store, experiment_id, backend, preload=PRELOAD, on_result=on_result).run()
        == "finished"
    )
    assert killed
    info = store.get_experiment(experiment_id)
    assert (info.runs_finished, info.runs_failed) == (8, 0)
    runs = store.experiment_runs(experiment_id)
    assert len({r.run_id for r in runs}) == 8 and len(store.list_runs()) == 8  # nothing duplicated
    plan = build_plan(spec_from_text(text))
    for r, task in zip(runs, plan.tasks, strict=True):
        assert np.array_equal(
            store.metrics(r.run_id)["mean_distance"], execute(task).metrics["mean_distance"]
        )


def test_a_run_that_ends_its_worker_every_time_is_recorded_failed_and_the_rest_go_on(store):
    """Run again up to MAX_ATTEMPTS times, then recorded failed with why: it has no step
    to store, which the store once refused, ending the whole experiment with an error."""
    text = f"model: {toy_model.NAME}\npreset: tiny\nfactors:\n  exit_at: {{values: [0, 2]}}\n"
    text += "replications: 2\nsteps: 6\nseed: 5\n"
    experiment_id, status = _run(store, text)
    assert status == "finished"
    info = store.get_experiment(experiment_id)
    assert (info.runs_finished, info.runs_failed) == (2, 2)  # finished: without the failed
    for r in store.experiment_runs(experiment_id):
        run = store.get_run(r.run_id)
        if r.factors["exit_at"] == 2:
            assert r.status == run.status == "failed"
            assert f"{MAX_ATTEMPTS} attempts" in run.error and "stopped" in run.error
            assert run.steps_done == 0 and len(store.metrics(r.run_id)["step"]) == 0
        else:
            assert r.status == run.status == "finished" and len(store.metrics(r.run_id)["step"]) == 6
    long, summary = experiment_tables(store, experiment_id)  # what `experiment export` writes
    failed = summary[summary["exit_at"] == 2]
    assert list(failed["status"]) == ["failed", "failed"] and list(failed["steps_done"]) == [0, 0]
    assert failed["final_far"].isna().all() and len(long) == 2 * 6


class FourToATask(LocalPoolBackend):
    """Four runs to a task from the start (the pool learns that from run times, which in a
    test depend on the machine): a run that ends its worker shares a task with others."""

    def __init__(self, workers: int):
        super().__init__(workers)
        self._runs_per_task = 4

    def _learn_run_time(self, results) -> None:
        pass

    def task_size(self, left=None) -> int:
        return 4  # to the end (see test_tasks_shrink_towards_the_end_of_the_experiment)


def test_runs_that_shared_a_task_with_one_that_ends_its_worker_are_retried_alone(store):
    """All four runs go out in one task and die with its worker; run again each in a task of
    its own, the two healthy ones finish instead of dying beside the others every time."""
    text = f"model: {toy_model.NAME}\npreset: tiny\nfactors:\n  exit_at: {{values: [0, 2]}}\n"
    text += "replications: 2\nsteps: 6\nseed: 5\n"
    experiment_id = create_experiment(store, spec_from_text(text))
    assert ExperimentRunner(store, experiment_id, FourToATask(1), preload=PRELOAD).run() == "finished"
    info = store.get_experiment(experiment_id)
    assert (info.runs_finished, info.runs_failed) == (2, 2)
    for r in store.experiment_runs(experiment_id):
        assert r.status == ("failed" if r.factors["exit_at"] == 2 else "finished")


def test_a_model_the_workers_do_not_have_fails_its_runs_with_the_reason(store):
    """A worker without the model's plug-in (a cluster machine where it is not installed):
    here the toy model, registered in this process only, not preloaded into the workers."""
    text = f"model: {toy_model.NAME}\npreset: tiny\nreplications: 3\nsteps: 4\nseed: 2\n"
    experiment_id = create_experiment(store, spec_from_text(text))
    assert ExperimentRunner(store, experiment_id, LocalPoolBackend(1), preload=()).run() == "finished"
    info = store.get_experiment(experiment_id)
    assert (info.runs_finished, info.runs_failed) == (0, 3)
    for r in store.experiment_runs(experiment_id):
        assert f"unknown model '{toy_model.NAME}'" in store.get_run(r.run_id).error


def test_tasks_shrink_towards_the_end_of_the_experiment():
    """Guided self-scheduling: a task is at most the runs left shared between twice the
    workers, so the last one, whose results are written after its worker has finished it,
    is a single run, and no worker is left running a long task alone at the end."""
    one, two = LocalPoolBackend(1), LocalPoolBackend(2)
    one._runs_per_task = two._runs_per_task = 8
    assert [one.task_size(left) for left in (100, 16, 15, 8, 5, 3, 2, 1)] == [8, 8, 7, 4, 2, 1, 1, 1]
    assert [two.task_size(left) for left in (100, 32, 16, 8, 4, 3)] == [8, 8, 4, 2, 1, 1]
    assert one.task_size(None) == 8  # runs left unknown: the learned size


def test_pool_workers_run_nicer_than_the_owning_process():
    """With as many workers as cores, the owner's window and result writer waited for a
    core; the workers step aside (Linux nice values)."""
    import os

    from farm_gui.experiments.worker import WORKER_NICENESS

    backend = LocalPoolBackend(1)
    backend.start((), ())
    try:
        worker_nice = backend._pool.submit(os.getpriority, os.PRIO_PROCESS, 0).result(timeout=60)
    finally:
        backend.close()
    assert worker_nice == min(19, os.getpriority(os.PRIO_PROCESS, 0) + WORKER_NICENESS)


def test_short_runs_go_several_to_a_task_once_timed(store, monkeypatch):
    """The first task holds one run; once runs are timed, tasks of the toy model's short runs
    hold several (up to MAX_RUNS_PER_TASK), fewer towards the end, and every run still lands
    once, in order."""
    backend = LocalPoolBackend(1)
    sizes = []
    real_send = backend._send_batch

    def send(tasks):
        sizes.append(len(tasks))
        return real_send(tasks)

    monkeypatch.setattr(backend, "_send_batch", send)
    text = SPEC.replace("replications: 3", "replications: 10")
    experiment_id = create_experiment(store, spec_from_text(text))
    running, commits = [], []
    event.listen(store.engine, "commit", lambda _conn: commits.append(1))
    assert ExperimentRunner(store, experiment_id, backend, preload=PRELOAD,
                            on_progress=lambda p: running.append(p.running)).run() == "finished"
    assert max(running) == 1  # the panel's "Running": not the runs waiting in a task
    assert sum(sizes) == 40 and sizes[0] == 1 and 1 < max(sizes) <= MAX_RUNS_PER_TASK, sizes
    assert sizes[-1] == 1 and sizes[-2:] == sorted(sizes[-2:]), sizes  # the tail tapers
    # the results of a task are written in one transaction (plus a few status commits)
    assert len(commits) < 40 - (max(sizes) - 1), (len(commits), sizes)
    runs = store.experiment_runs(experiment_id)
    assert [r.index for r in runs] == list(range(40)) and len({r.run_id for r in runs}) == 40
    assert all(r.status in ("finished", "failed") for r in runs)


def test_workers_get_their_next_runs_before_the_results_are_written(store, monkeypatch):
    """With tasks of short runs, a worker that waited while the owner wrote the previous
    task's results sat idle about half the time: the next task goes out first."""
    backend = FourToATask(1)
    order: list[str] = []
    real_send = backend._send_batch

    def send(tasks):
        order.append("send")
        return real_send(tasks)

    monkeypatch.setattr(backend, "_send_batch", send)
    real_write = ExperimentRunner._write

    def write(self, *args):
        order.append("write")
        return real_write(self, *args)

    monkeypatch.setattr(ExperimentRunner, "_write", write)
    text = f"model: {toy_model.NAME}\npreset: tiny\nreplications: 24\nsteps: 4\nseed: 3\n"
    experiment_id = create_experiment(store, spec_from_text(text))
    assert ExperimentRunner(store, experiment_id, backend, preload=PRELOAD).run() == "finished"
    assert order.count("send") == 6 and order.count("write") == 24
    # two tasks in flight from the start; each of the next four went out before the four
    # results of the task that made room for it were written
    assert order[:2] == ["send", "send"]
    rest = "".join("s" if o == "send" else "w" for o in order[2:])
    assert re.fullmatch(r"(s+w{4,})+w*", rest), rest  # (not "wwwws...": written, then sent)


def test_the_workers_start_while_the_plan_is_read_and_stop_if_it_cannot_be(store, monkeypatch):
    """The pool forks its workers when asked to start, not at the first task (~15 ms of
    reading the plan and the queued runs overlap ~10 ms of starting them); a plan that
    cannot be read leaves no worker behind."""
    import farm_gui.experiments.runner as runner_module

    text = f"model: {toy_model.NAME}\npreset: tiny\nreplications: 2\nsteps: 3\nseed: 4\n"
    order: list[str] = []
    real_load = runner_module.load_plan

    def load_plan(*args):
        order.append(f"plan read with {len(backend._pool._processes)} worker(s) started")
        return real_load(*args)

    monkeypatch.setattr(runner_module, "load_plan", load_plan)
    backend = LocalPoolBackend(1)
    experiment_id = create_experiment(store, spec_from_text(text))
    assert ExperimentRunner(store, experiment_id, backend, preload=PRELOAD).run() == "finished"
    assert order == ["plan read with 1 worker(s) started"]

    def unreadable(*_args):
        raise RuntimeError("the spec cannot be read")

    monkeypatch.setattr(runner_module, "load_plan", unreadable)
    backend = LocalPoolBackend(1)
    started = []  # the worker processes, when the backend started
    real_start = backend.start

    def start(*args):
        real_start(*args)
        started.append(list(backend._pool._processes.values()))

    monkeypatch.setattr(backend, "start", start)
    experiment_id = create_experiment(store, spec_from_text(text))
    with pytest.raises(RuntimeError, match="cannot be read"):
        ExperimentRunner(store, experiment_id, backend, preload=PRELOAD).run()
    assert backend._pool is None and len(started) == 1
    for process in started[0]:
        process.join(timeout=10)
        assert not process.is_alive()


def test_a_tasks_results_fit_in_the_pipe_that_brings_them_back():
    import fcntl

    from farm_gui.experiments.backends import RESULT_PIPE_BYTES

    backend = LocalPoolBackend(1)
    backend.start((), ())
    try:
        size = fcntl.fcntl(backend._pool._result_queue._writer.fileno(), fcntl.F_GETPIPE_SZ)
    finally:
        backend.close()
    assert size >= RESULT_PIPE_BYTES


def test_an_experiment_whose_backend_cannot_start_stays_queued(store):
    """No scheduler at the address, say: the reason goes to the caller and the experiment
    is left as it was, for a resume once the backend is there."""
    from farm_gui.experiments.backends import BackendError

    class NoScheduler(LocalPoolBackend):
        def start(self, models, preload=()):
            raise BackendError("cannot reach the Dask scheduler at tcp://127.0.0.1:1")

    text = f"model: {toy_model.NAME}\npreset: tiny\nreplications: 3\nsteps: 3\nseed: 6\n"
    experiment_id = create_experiment(store, spec_from_text(text))
    with pytest.raises(BackendError, match="cannot reach"):
        ExperimentRunner(store, experiment_id, NoScheduler(1), preload=PRELOAD).run()
    info = store.get_experiment(experiment_id)
    assert info.status == "queued" and info.runs_done == 0
    assert [r.status for r in store.experiment_runs(experiment_id)] == ["queued"] * 3
    assert ExperimentRunner(store, experiment_id, LocalPoolBackend(1), preload=PRELOAD).run() == "finished"
