"""Running an experiment from the process that owns the workspace: record it, dispatch its
queued runs to a backend (a bounded number in flight), and write each result as it
arrives (``Store.create_run`` + ``Store.save_result``, then the experiment run's status).
Qt-free: the command line runs it on its main thread, the window in a worker thread.

- A failed run is recorded (status failed, with its error) and the experiment goes on.
- The control is the one every job shares (``farm_gui.core.jobs.JobControl``): ``pause()``
  stops dispatching (runs in flight finish and are kept); ``stop()`` cancels: it stops
  dispatching and tells the runs in flight to stop, and the runner returns within ~2 s,
  keeping what finished. Runs that did not finish stay queued.
- ``resume`` runs only the queued runs, with the seeds and parameters the spec gives them,
  so an interrupted experiment ends with the same results as an uninterrupted one.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from farm_gui.core.jobs import JobControl
from farm_gui.store import Store, StoreError

from .backends import Backend, LocalPoolBackend, WorkerLost
from .plan import ExperimentPlan, RunTask, build_plan
from .spec import ExperimentSpec, spec_from_text, spec_to_text

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3  # a run whose worker dies is run again, at most this many times in all
HEARTBEAT_S = 5.0
CANCEL_GRACE_S = 1.5  # how long runs in flight get to stop after a cancel


@dataclass(frozen=True)
class Progress:
    total: int
    finished: int  # results stored (failed included)
    failed: int
    running: int
    elapsed_s: float
    rate: float  # runs per second since this process started the experiment
    paused: bool = False

    @property
    def queued(self) -> int:
        return max(0, self.total - self.finished - self.running)

    @property
    def eta_s(self) -> float | None:
        left = self.total - self.finished
        return left / self.rate if self.rate > 0 else None


def create_experiment(store: Store, spec: ExperimentSpec, name: str | None = None) -> int:
    """Record ``spec`` and its planned runs (all queued); returns the experiment id."""
    plan = build_plan(spec)
    # the model as the window names it ("Boltzmann wealth", not "boltzmann_wealth")
    label = name or spec.name or f"{plan.model.label} {spec.design} x{spec.replications} ({plan.n_runs} runs)"
    return store.create_experiment(
        label, spec.model, spec_to_text(spec), spec.design, spec.seed,
        [{"index": t.index, "point": t.point, "replicate": t.replicate, "seed": t.seed, "factors": t.factors}
         for t in plan.tasks])


def load_plan(store: Store, experiment_id: int) -> ExperimentPlan:
    text = store.experiment_spec_text(experiment_id)
    return build_plan(spec_from_text(text, f"experiment {experiment_id}"))


class ExperimentRunner:
    def __init__(self, store: Store, experiment_id: int, backend: Backend | None = None,
                 control: JobControl | None = None,
                 on_progress: Callable[[Progress], None] | None = None,
                 on_result: Callable[[RunTask, int, str], None] | None = None,
                 preload: Iterable[str] = ()):
        """``on_result(task, run_id, status)`` is called (in the runner's thread) after each
        stored result; ``preload``: modules the workers import first (models registered
        in-process)."""
        self.store = store
        self.experiment_id = int(experiment_id)
        self.backend = backend or LocalPoolBackend()
        self.control = control or JobControl()
        self.on_progress = on_progress
        self.on_result = on_result
        self.preload = tuple(preload)
        self.status = "queued"

    # ----- the workspace side -------------------------------------------------------------
    def _clean_half_written(self) -> None:
        """Runs created for a result that was never recorded (the owner stopped between
        create_run and the record): remove them, so they run again cleanly."""
        for run_id in self.store.unfinished_runs_with_data(self.experiment_id):
            try:
                self.store.delete_run(run_id)
            except StoreError:
                log.warning("could not remove the half-written run %s", run_id, exc_info=True)
            self.store.detach_experiment_run(self.experiment_id, run_id)

    def _write(self, plan: ExperimentPlan, name: str, task: RunTask, result) -> tuple[int, str]:
        params = plan.model.parameters.model_validate(task.params)
        run_name = f"{name} p{task.point} r{task.replicate}"
        status = "failed" if result.status == "failed" else "finished"
        with self.store.transaction(f"recording run {task.index} of experiment {self.experiment_id}"):
            run_id = self.store.create_run(params, name=run_name, model=task.model)
            self.store.attach_experiment_run(self.experiment_id, task.index, run_id)
            self.store.save_result(run_id, result)
            self.store.record_experiment_run(self.experiment_id, task.index, run_id, status, result.error)
        return run_id, status

    # ----- the loop -----------------------------------------------------------------------
    def run(self) -> str:
        """Run every queued run; returns the experiment's final status (finished, paused is
        never final: cancelled when cancelled)."""
        info = self.store.get_experiment(self.experiment_id)
        if info.status in ("running", "paused"):
            raise StoreError(f"experiment {self.experiment_id} is {info.status} in another process")
        if info.runs_done < info.runs_total:  # the workers start while the plan is read
            self.backend.start((info.model,), self.preload)
        try:
            plan = load_plan(self.store, self.experiment_id)
            self._clean_half_written()
            queued = {r.index for r in self.store.experiment_runs(self.experiment_id, status="queued")}
        except BaseException:
            self.backend.close()
            raise
        todo = [t for t in plan.tasks if t.index in queued]
        finished, failed = info.runs_done, info.runs_failed
        self.store.set_experiment_status(self.experiment_id, "running", backend=self.backend.label)
        self.status = "running"
        started = time.monotonic()
        done_here = 0
        attempts: dict[int, int] = {}  # runs lost with their worker: attempts so far
        isolated: int | None = None  # such a run, running again with nothing beside it
        in_flight: dict[object, RunTask] = {}
        pending = list(reversed(todo))  # pop() takes the next in run order
        last_beat = time.monotonic()
        was_paused = False

        def report() -> None:
            if self.on_progress is not None:
                elapsed = time.monotonic() - started
                # in flight are also the runs waiting in a task of several: at most one a worker runs
                running = min(len(in_flight), self.backend.workers)
                self.on_progress(Progress(info.runs_total, finished, failed, running, elapsed,
                                          done_here / elapsed if elapsed > 0 else 0.0, self.control.paused))

        def fill() -> None:
            """Submit queued runs up to the backend's capacity (not while paused)."""
            nonlocal isolated
            while not self.control.paused and pending and len(in_flight) < self.backend.capacity \
                    and isolated is None:
                if pending[-1].index in attempts:
                    # A run lost with its worker goes again alone, with nothing else in
                    # flight: when a worker dies the pool fails every task it holds, so
                    # beside it the runs that did not end the worker would die again too.
                    if in_flight:
                        return
                    task = pending.pop()
                    isolated = task.index
                    in_flight[self.backend.submit(task, alone=True)] = task
                    return
                left = len(pending)
                task = pending.pop()
                in_flight[self.backend.submit(task, left=left)] = task

        try:
            report()
            while pending or in_flight:
                if self.control.stopped:
                    break
                if time.monotonic() - last_beat > HEARTBEAT_S:  # also while paused
                    last_beat = time.monotonic()
                    self.store.experiment_heartbeat(self.experiment_id)
                paused = self.control.paused
                if paused != was_paused:
                    was_paused = paused
                    self.store.set_experiment_status(self.experiment_id, "paused" if paused else "running")
                    report()
                fill()
                if not in_flight:
                    self.control.wait(0.2)
                    continue
                done = self.backend.wait(in_flight, timeout=0.2)
                if not done:
                    continue
                results = []
                for future in done:
                    task = in_flight.pop(future)
                    if task.index == isolated:
                        isolated = None
                    try:
                        result = self.backend.outcome(future)
                    except WorkerLost as err:
                        attempts[task.index] = attempts.get(task.index, 1) + 1
                        if attempts[task.index] <= MAX_ATTEMPTS and not self.control.stopped:
                            log.warning("run %s of experiment %s: %s; running it again", task.index,
                                        self.experiment_id, err)
                            pending.append(task)
                            continue
                        from .worker import _failed

                        result = _failed(task, f"{err} ({MAX_ATTEMPTS} attempts)")
                    if result.status != "stopped":  # cancelled mid-run: stays queued
                        results.append((task, result))
                if not results:
                    continue
                # The workers get their next runs before these are written: a task of
                # short runs lasts about as long as writing the previous one's results,
                # and a worker waiting for it meanwhile made the runs 1.15x slower than
                # one after another in one process.
                if not self.control.stopped:
                    fill()
                    self.backend.send_open()
                # The results that came back together (a task of several short runs) are
                # written in one transaction, one commit for all; the counts and callbacks
                # follow the commit, so that what they announce can be read.
                doing = f"recording {len(results)} runs of experiment {self.experiment_id}"
                with self.store.transaction(doing):
                    written = [(task, *self._write(plan, info.name, task, result))
                               for task, result in results]
                for task, run_id, status in written:
                    finished += 1
                    done_here += 1
                    failed += status == "failed"
                    if self.on_result is not None:
                        self.on_result(task, run_id, status)
                    report()
            if self.control.stopped:
                self._stop_in_flight(plan, info.name, in_flight)
                self.status = "cancelled"
            else:
                self.status = "finished"
        except BaseException:
            self.backend.cancel()
            self.status = "cancelled"
            raise
        finally:
            self.backend.close()
            try:
                self.store.set_experiment_status(self.experiment_id, self.status)
            except StoreError:
                log.exception("could not record the end of experiment %s", self.experiment_id)
            in_flight.clear()
            report()
        return self.status

    def _stop_in_flight(self, plan: ExperimentPlan, name: str, in_flight: dict) -> None:
        """Tell the runs in flight to stop; keep any that finished meanwhile."""
        self.backend.cancel()
        deadline = time.monotonic() + CANCEL_GRACE_S
        while in_flight and time.monotonic() < deadline:
            for future in self.backend.wait(in_flight, timeout=max(0.01, deadline - time.monotonic())):
                task = in_flight.pop(future)
                try:
                    result = self.backend.outcome(future)
                except WorkerLost:
                    continue
                if result.status in ("finished", "failed"):
                    self._write(plan, name, task, result)


def run_experiment(store: Store, spec: ExperimentSpec, backend: Backend | None = None, **kwargs) -> int:
    """Create and run an experiment to its end; returns its id."""
    experiment_id = create_experiment(store, spec)
    ExperimentRunner(store, experiment_id, backend, **kwargs).run()
    return experiment_id
