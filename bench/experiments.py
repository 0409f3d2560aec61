"""Experiments: throughput on 1 and 2 local workers, Dask LocalCluster against the process
pool, the machinery's overhead against running the same runs one after another in one
process, and the owning process's memory while many short runs stream in.

    .venv/bin/python bench/experiments.py [--quick] [--repeats N]

Rates are steady-state runs per second (from the result that follows the first round of
runs to the last, so the workers' start-up is left out; the wall time with start-up is
printed too). Figures are medians of the repeats; ratios are taken within one repeat.
The machine is shared and noisy: read the medians.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

# The project is imported inside the functions: every worker of the local pool imports this
# file again (as __mp_main__), and the product's own entry points (main.py, the farm-gui
# command) cost a worker nothing there; a bench that did would measure its own imports.


# Each throughput sweep: 1k-preset runs of 300 steps (~0.1 s each here). 40 runs last ~3 s on
# two workers, of which the steady part is ~2 s, a few tasks of several runs each: single
# repeats scattered 0.7-1.2 in the Dask/pool ratio. 120 runs give ~8 s of steady state.
THROUGHPUT_RUNS = 120


def _spec(preset: str, steps: int, runs: int, seed: int = 1):
    from farm_gui.experiments.spec import spec_from_text

    text = f"model: foraging\npreset: {preset}\nreplications: {runs}\nsteps: {steps}\nseed: {seed}\n"
    return spec_from_text(text)


def sweep(backend, spec, rss: list[float] | None = None) -> tuple[float, float]:
    """(steady runs/s, wall seconds with start-up) of one experiment into a fresh workspace."""
    import psutil

    from farm_gui.experiments.runner import ExperimentRunner, create_experiment
    from farm_gui.store import open_store

    times: list[float] = []
    me = psutil.Process()

    def on_result(task, run_id, status):
        times.append(time.perf_counter())
        if rss is not None and len(times) % 50 == 0:
            rss.append(me.memory_info().rss / 2**20)

    with tempfile.TemporaryDirectory() as tmp, open_store(Path(tmp) / "bench.db") as store:
        experiment_id = create_experiment(store, spec)
        started = time.perf_counter()
        status = ExperimentRunner(store, experiment_id, backend, on_result=on_result).run()
        wall = time.perf_counter() - started
        assert status == "finished", status
        info = store.get_experiment(experiment_id)
        assert info.runs_finished == info.runs_total and info.runs_failed == 0
    # Runs that ended after the first round's: counted by time, not by index (a Dask task
    # of several short runs hands them back at one instant).
    t0 = times[min(len(times) - 2, 2 * backend.workers)]
    rate = sum(t > t0 for t in times) / (times[-1] - t0)
    return rate, wall


def sequential(spec) -> float:
    """Seconds to run the experiment's runs one after another in this process (no store)."""
    from farm_gui.experiments.plan import build_plan
    from farm_gui.experiments.worker import execute, warm_up

    plan = build_plan(spec)
    warm_up(("foraging",))
    started = time.perf_counter()
    for task in plan.tasks:
        assert execute(task).status == "finished"
    return time.perf_counter() - started


def settle_like_the_command() -> None:
    """What `farm-gui experiment run` has imported and loaded when it starts the runner,
    then its freeze of those objects (farm_gui.core.gc_pauses)."""
    from farm_gui.core.gc_pauses import freeze_start_up_objects
    from farm_gui.experiments import backends, runner  # noqa: F401
    from farm_gui.experiments.worker import warm_up
    from farm_gui.store import open_store  # noqa: F401

    warm_up(("foraging",))
    freeze_start_up_objects()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer runs (memory: 1,000 instead of 10,000)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--parts", default="throughput,overhead,memory",
                        help="comma-separated: throughput, overhead, memory")
    parser.add_argument("--memory-runs", type=int, default=None, help="runs of the memory part")
    parser.add_argument("--throughput-runs", type=int, default=THROUGHPUT_RUNS,
                        help=f"runs of each throughput sweep (default {THROUGHPUT_RUNS})")
    parser.add_argument("--no-freeze", action="store_true",
                        help="leave the start-up objects in the collector's full collections "
                             "(the commands freeze them: see farm_gui.core.gc_pauses)")
    args = parser.parse_args()
    parts = set(args.parts.split(","))
    print(f"cores: {os.cpu_count()}, load average: {os.getloadavg()[0]:.1f}")
    if not args.no_freeze:
        settle_like_the_command()

    if "throughput" in parts:
        measure_throughput(args.repeats, args.throughput_runs)
    if "overhead" in parts:
        measure_overhead(args.repeats, args.quick)
    if "memory" in parts:
        measure_memory(args.memory_runs or (1000 if args.quick else 10_000))
    return 0


def measure_throughput(repeats: int, runs: int) -> None:
    from farm_gui.experiments.backends import DaskBackend, LocalPoolBackend

    throughput = _spec("1k", 300, runs)
    one, two, dask, pool_wall, dask_wall = [], [], [], [], []
    for i in range(repeats):
        r1, _ = sweep(LocalPoolBackend(1), throughput)
        r2, w2 = sweep(LocalPoolBackend(2), throughput)
        rd, wd = sweep(DaskBackend(None, 2), throughput)
        one.append(r1)
        two.append(r2)
        dask.append(rd)
        pool_wall.append(w2)
        dask_wall.append(wd)
        print(f"  repeat {i + 1}: 1 worker {r1:.2f} runs/s, 2 workers {r2:.2f} ({r2 / r1:.2f}x), "
              f"Dask LocalCluster {rd:.2f} ({rd / r2:.2f} of the pool); wall pool {w2:.1f}s, Dask {wd:.1f}s")
    print(f"throughput_1k_1_worker_runs_per_s={statistics.median(one):.2f}")
    print(f"throughput_1k_2_workers_runs_per_s={statistics.median(two):.2f}")
    print(f"speedup_2_vs_1_workers={statistics.median(b / a for a, b in zip(one, two, strict=True)):.2f}")
    print(f"dask_local_vs_pool={statistics.median(d / p for d, p in zip(dask, two, strict=True)):.2f}")
    print(f"throughput_runs={runs}")
    print(f"wall_pool_s={statistics.median(pool_wall):.1f}")
    print(f"wall_dask_local_s={statistics.median(dask_wall):.1f}")



def measure_overhead(repeats: int, quick: bool) -> None:
    from farm_gui.experiments.backends import LocalPoolBackend

    short = _spec("default", 200, 100 if quick else 300)
    ratios, steady = [], []
    for i in range(repeats):
        # The machine's speed drifts by up to 1.5x within a minute: the sequential time is
        # the mean of one measurement before the experiment and one after it.
        before = sequential(short)
        rate, wall = sweep(LocalPoolBackend(1), short)
        seq = (before + sequential(short)) / 2
        ratios.append(wall / seq)
        steady.append((short.replications / rate) / seq)
        print(f"  repeat {i + 1}: {short.replications} default-preset runs of 200 steps: "
              f"sequential {seq:.2f}s, "
              f"experiment on 1 worker {wall:.2f}s with start-up ({wall / seq:.2f}x), steady "
              f"{(short.replications / rate) / seq:.2f}x")
    print(f"overhead_short_runs_with_startup={statistics.median(ratios):.2f}")
    print(f"overhead_short_runs_steady={statistics.median(steady):.2f}")



def measure_memory(n: int) -> None:
    import psutil

    from farm_gui.experiments.backends import LocalPoolBackend

    many = _spec("default", 20, n)
    rss: list[float] = [psutil.Process().memory_info().rss / 2**20]
    rate, wall = sweep(LocalPoolBackend(), many, rss)
    print(f"  {n} runs of 20 steps streamed in {wall:.1f}s ({rate:.1f} runs/s); owner RSS "
          f"{rss[0]:.0f} MB at start, {rss[-1]:.0f} MB at the end, {max(rss):.0f} MB peak")
    print(f"memory_runs={n}")
    print(f"owner_rss_peak_mb={max(rss):.0f}")
    print(f"owner_rss_growth_mb={rss[-1] - rss[0]:.0f}")


if __name__ == "__main__":
    sys.exit(main())
