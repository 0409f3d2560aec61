"""Analysis benchmarks: prints name=value lines.

    analysis_generate_{10k_500,default_100000}_s    making the benchmark runs (real engine + store)
    analysis_<module>_10k_500_s                     module time on a 10k-preset run of 500 steps
    analysis_<module>_default_100000_s              module time on a default-preset run of 100,000 steps
                                                    (median of REPEATS; comparison reads the run twice)
    analysis_<module>_max_chunk_ms                  longest stretch between two checkpoints over both
                                                    runs after a warm-up: pause/stop take effect within
                                                    this (target <= 100)
    analysis_heartbeat_p99_ms / _max_ms             lateness of a 5 ms QTimer while four analyses and one
                                                    10k run go at once (targets p99 <= 20, max <= 50)

Run: QT_QPA_PLATFORM=offscreen .venv/bin/python bench/analysis.py [--quick]
"""

from __future__ import annotations

import gc
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from farm_gui.analysis import AnalysisError, StoreRunSource, available_modules, run_analysis  # noqa: E402
from farm_gui.config import config_from_dict, config_to_dict, preset  # noqa: E402
from farm_gui.runtime.session import RunSession  # noqa: E402
from farm_gui.store import open_store  # noqa: E402

QUICK = "--quick" in sys.argv
REPEATS = 1 if QUICK else 3
LONG_STEPS = 20_000 if QUICK else 100_000
GENERATE_BUDGET_S = 60.0  # if the long run would take longer, it is cut short (and the output says so)
HEARTBEAT_MS = 5
HEARTBEAT_RUN_STEPS = 150 if QUICK else 1000


def emit(name: str, value, fmt: str = "{:.4g}") -> None:
    print(f"{name}={fmt.format(value) if isinstance(value, float) else value}", flush=True)


def make_run(store, preset_name: str, steps: int, snapshot_every: int) -> tuple[int, float]:
    config = config_from_dict({**config_to_dict(preset(preset_name)), "simulation_steps": steps,
                               "snapshot_every": snapshot_every})
    run_id = store.create_run(config, name=f"bench {preset_name} {steps}")
    started = time.perf_counter()
    session = RunSession(store, run_id, config)
    status = session.run()
    if status != "finished":
        raise SystemExit(f"bench run {run_id} ended {status}: {store.get_run(run_id).error}")
    return run_id, time.perf_counter() - started


class GapRecorder:
    """A control that records the longest wall-clock gap between checkpoints."""

    def __init__(self):
        self.last = time.perf_counter()
        self.max_gap = 0.0

    def checkpoint(self, fraction: float, message: str = "") -> None:
        now = time.perf_counter()
        self.max_gap = max(self.max_gap, now - self.last)
        self.last = now


def time_modules(store, runs: dict[str, int]) -> None:
    gaps: dict[str, float] = {}
    for label, run_id in runs.items():
        for name in sorted(m for m in available_modules() if not m.startswith("_")):
            sources = [StoreRunSource(store, run_id)] * (2 if name == "comparison" else 1)
            try:
                run_analysis(name, sources)  # warm-up: first-touch imports and database pages
            except AnalysisError as err:  # e.g. sensitivity: runs of an experiment only
                print(f"# {name} skipped: {err}")
                continue
            times = []
            for _ in range(REPEATS):
                ctl = GapRecorder()
                started = time.perf_counter()
                run_analysis(name, sources, ctl=ctl)
                times.append(time.perf_counter() - started)
                gaps[name] = max(gaps.get(name, 0.0), ctl.max_gap)
            emit(f"analysis_{name}_{label}_s", statistics.median(times))
    for name, gap in gaps.items():
        emit(f"analysis_{name}_max_chunk_ms", gap * 1000, "{:.1f}")


def heartbeat(store, runs: dict[str, int]) -> None:
    """Four analyses (resubmitted as they finish) and one 10k run, a 5 ms timer on the GUI thread."""
    from PySide6.QtCore import Qt, QThreadPool, QTimer
    from PySide6.QtWidgets import QApplication

    from farm_gui.app import ensure_app
    from farm_gui.runtime.analysis_jobs import AnalysisJobManager
    from farm_gui.runtime.registry import RunRegistry

    # The window's garbage-collection policy, as in the application: collection on the
    # GUI thread only (ensure_app) and start-up objects frozen out of it.
    app = QApplication.instance() or ensure_app()
    gc.collect()
    gc.freeze()
    manager = AnalysisJobManager(store, max_concurrent=4)
    registry = RunRegistry(pool=QThreadPool())
    plan = [("spatial", runs["10k_500"]), ("actions", runs["long"]), ("survival", runs["10k_500"]),
            ("resources", runs["long"]), ("population", runs["long"]), ("dominance", runs["10k_500"])]
    submitted = 0

    def top_up() -> None:
        nonlocal submitted
        while manager.counts()["running"] + manager.counts()["queued"] < 4:
            module, run_id = plan[submitted % len(plan)]
            submitted += 1  # before submit(): it emits counts_changed, which re-enters here
            manager.submit(module, [run_id])

    config = config_from_dict({**config_to_dict(preset("10k")), "simulation_steps": HEARTBEAT_RUN_STEPS,
                               "snapshot_every": 10})
    live_run = store.create_run(config, name="bench heartbeat run")
    lateness: list[float] = []
    last = [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        lateness.append(max(0.0, now - last[0] - HEARTBEAT_MS / 1000))
        last[0] = now

    timer = QTimer()
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.timeout.connect(tick)
    manager.counts_changed.connect(top_up)
    top_up()
    started = time.perf_counter()
    registry.start(store, live_run, "heartbeat", config)
    last[0] = time.perf_counter()
    timer.start(HEARTBEAT_MS)
    while (registry.state(live_run) not in ("finished", "stopped", "failed")
           and time.perf_counter() - started < 120):
        app.processEvents()
        time.sleep(0.0005)
    timer.stop()
    elapsed = time.perf_counter() - started
    manager.counts_changed.disconnect(top_up)
    manager.shutdown(10)
    registry.wait(10)
    app.processEvents()
    late_ms = np.array(lateness[1:]) * 1000
    finished = sum(j.status == "finished" for j in manager.jobs())
    failed = [j.error for j in manager.jobs() if j.status == "failed"]
    if failed:
        emit("analysis_heartbeat_failed_jobs", f"{len(failed)}:{failed[0]}")
    emit("analysis_heartbeat_p99_ms", float(np.percentile(late_ms, 99)), "{:.1f}")
    emit("analysis_heartbeat_max_ms", float(late_ms.max()), "{:.1f}")
    emit("analysis_heartbeat_ticks", len(late_ms), "{}")
    emit("analysis_heartbeat_window_s", elapsed, "{:.1f}")
    emit("analysis_heartbeat_analyses_finished", finished, "{}")
    emit("analysis_heartbeat_run_steps_per_s", HEARTBEAT_RUN_STEPS / elapsed, "{:.1f}")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp) / "bench_analysis.db")
        try:
            run_10k, seconds = make_run(store, "10k", 500, 10)
            emit("analysis_generate_10k_500_s", seconds)
            # Probe the engine+store speed on the long run's preset before committing to it.
            probe, probe_s = make_run(store, "default", 2_000, 1000)
            steps = LONG_STEPS
            if probe_s / 2_000 * steps > GENERATE_BUDGET_S:
                steps = max(2_000, int(GENERATE_BUDGET_S / probe_s * 2_000))
                emit("analysis_note", f"long_run_cut_to_{steps}_steps_(generation_too_slow_here)")
            run_long, seconds = make_run(store, "default", steps, 1000)
            done = store.get_run(run_long).steps_done
            emit(f"analysis_generate_default_{steps}_s", seconds)
            if done < steps:
                emit("analysis_note", f"default_run_died_out_after_{done}_steps")
            time_modules(store, {"10k_500": run_10k, f"default_{steps}": run_long})
            heartbeat(store, {"10k_500": run_10k, "long": run_long})
        finally:
            store.close()


if __name__ == "__main__":
    main()
