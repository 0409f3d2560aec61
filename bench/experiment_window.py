"""How responsive the window stays while an experiment streams its runs into it.

Offscreen main window (1600 x 1000); an experiment of --runs short foraging runs
(default preset, --steps steps each, two local worker processes) is started through the
Experiments panel as Run > New Experiment... would, and selected, so that the panel's
progress and the Experiment Charts dock follow it while results arrive. A 5 ms
heartbeat timer measures how late the GUI event loop runs from the start until the last
run is in. Issue #16's target: p99 <= 20 ms, max <= 50 ms while a 200-run experiment
streams in.

Prints name=value lines (medians over --repeats, the worst repeat's maximum too).
Usage: QT_QPA_PLATFORM=offscreen python bench/experiment_window.py [--runs 200] [--steps 200]
       [--workers 2] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
from PySide6.QtCore import QEventLoop, Qt, QTimer  # noqa: E402

from farm_gui.app import create_main_window, ensure_app  # noqa: E402
from farm_gui.core.gc_pauses import freeze_start_up_objects  # noqa: E402
from farm_gui.experiments.backends import LocalPoolBackend  # noqa: E402
from farm_gui.experiments.spec import spec_from_text  # noqa: E402
from farm_gui.runtime.aio import spawn  # noqa: E402

TIMEOUT_S = int(os.environ.get("EW_TIMEOUT", "900"))


FREEZE = True


def pump(seconds: float) -> None:
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()


def measure(workdir: Path, runs: int, steps: int, workers: int) -> dict[str, float]:
    ensure_app()
    window = create_main_window(str(workdir / "experiment.db"))
    window.resize(1600, 1000)
    window.show()
    deadline = time.monotonic() + 60
    while window.store is None and time.monotonic() < deadline:  # the workspace opens off the GUI thread
        pump(0.1)
    pump(0.5)
    if FREEZE:
        freeze_start_up_objects("kernels loaded")  # as the application does then
    panel = window.experiments_panel
    # two design points (so that the charts draw bands), replicated to make ``runs`` runs
    spec = spec_from_text(f"model: foraging\npreset: default\nreplications: {max(1, runs // 2)}\n"
                          "factors:\n  base_consumption_rate: {values: [0.1, 0.2]}\n"
                          f"steps: {steps}\nseed: 3\n")
    lateness: list[float] = []
    last = [time.perf_counter()]

    at: list[float] = []

    def beat() -> None:
        now = time.perf_counter()
        lateness.append(max(0.0, now - last[0] - 0.005))
        at.append(now - started)
        last[0] = now

    jobs: list = []  # the job, kept: the panel lets go of it as soon as it ends
    start_job = panel.start_job

    def keep_job(experiment_id: int, backend) -> None:
        start_job(experiment_id, backend)
        jobs.append(panel.jobs[experiment_id])

    panel.start_job = keep_job
    heartbeat = QTimer()
    heartbeat.setTimerType(Qt.TimerType.PreciseTimer)
    heartbeat.timeout.connect(beat)
    started = time.perf_counter()
    last[0] = started
    heartbeat.start(5)
    spawn(panel.create_and_start(spec, LocalPoolBackend(workers)))
    deadline = time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline:
        pump(0.2)
        if jobs and not jobs[0].alive:
            break
    else:
        state = (f"job progress {jobs[0].progress}, status {jobs[0].status}" if jobs
                 else f"no experiment started (workspace open: {window.store is not None})")
        raise SystemExit(f"the experiment did not finish within {TIMEOUT_S} s: {state}")
    heartbeat.stop()
    elapsed = time.perf_counter() - started
    job = jobs[0]
    if job.error:
        print(f"  the experiment failed: {job.error}")
    done = job.progress.finished if job.progress is not None else 0
    window.close()
    late_ms = np.array(lateness) * 1000
    worst = np.argsort(late_ms)[::-1][:5]
    print("  worst beats (ms at s): " + ", ".join(f"{late_ms[i]:.0f} at {at[i]:.2f}" for i in sorted(worst)))
    return {"late_p50_ms": float(np.percentile(late_ms, 50)),
            "late_p99_ms": float(np.percentile(late_ms, 99)),
            "late_max_ms": float(late_ms.max()),
            "runs_finished": float(done), "seconds": elapsed, "runs_per_s": done / elapsed,
            "status_finished": float(job.status == "finished")}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-freeze", action="store_true",
                        help="leave the start-up objects in the collector's full collections "
                             "(the application freezes them: see farm_gui.core.gc_pauses)")
    args = parser.parse_args()
    global FREEZE
    FREEZE = not args.no_freeze
    print(f"cores: {os.cpu_count()}, load average: {os.getloadavg()[0]:.1f}")
    results = []
    for i in range(args.repeats):
        with tempfile.TemporaryDirectory() as tmp:
            r = measure(Path(tmp), args.runs, args.steps, args.workers)
        results.append(r)
        print(f"repeat {i + 1}: {r['runs_finished']:.0f} runs in {r['seconds']:.1f}s "
              f"({r['runs_per_s']:.1f}/s); lateness p50 {r['late_p50_ms']:.1f} ms, "
              f"p99 {r['late_p99_ms']:.1f} ms, max {r['late_max_ms']:.1f} ms; load {os.getloadavg()[0]:.1f}")
    for key in ("late_p50_ms", "late_p99_ms", "late_max_ms", "runs_per_s"):
        print(f"experiment_window_{key}={statistics.median(r[key] for r in results):.2f}")
    print(f"experiment_window_late_max_ms_worst={max(r['late_max_ms'] for r in results):.2f}")
    print(f"experiment_window_runs={args.runs}")
    return 0 if all(r["status_finished"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
