"""Engine benchmark: steps/s, agent-steps/s and peak memory per preset.

Each preset runs in its own subprocess so that its peak RSS is its own. Inside,
the numba kernel is warmed up first (the cold first step, cache load included,
is reported separately as engine.first_step_s), then several runs of a fixed
number of steps are timed and the median is reported. Agent-steps are the sum
over steps of the agents alive at the start of each step. Events are drained
every 1,000 steps, as a run worker would. The full bench also runs the default
preset for 1,000,000 steps and reports how much its RSS grew after step 10,000
(engine.default.long_run_rss_growth_mb; it should be about 0).

Usage: python bench/engine.py [--quick]
Prints a table, then one `name=value` line per figure.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time

# (steps per run, runs) per preset; the whole bench takes about one to two minutes.
PLAN = {"default": (50_000, 5), "1k": (1_000, 5), "10k": (200, 5), "100k": (60, 3)}
QUICK_PLAN = {"default": (5_000, 3), "1k": (100, 3), "10k": (30, 3), "100k": (10, 3)}
LONG_RUN_STEPS = 1_000_000  # default preset, checks that memory stays flat


def rss_mb() -> float:
    import psutil

    return psutil.Process().memory_info().rss / 2**20


def timed_run(config, steps: int) -> tuple[float, int, int, float]:
    """(wall seconds, steps, agent-steps, CPU seconds of this thread)."""
    from farm_gui.sim import build_model

    model = build_model(config.model_copy(update={"simulation_steps": steps}))
    agent_steps = 0
    t0 = time.perf_counter()
    c0 = time.thread_time()
    while not model.done:
        agent_steps += model.alive_count
        model.step()
        if model.step_index % 1000 == 0:
            model.drain_agent_events()
    cpu = time.thread_time() - c0
    elapsed = time.perf_counter() - t0
    return elapsed, model.step_index, agent_steps, cpu


def worker(preset_name: str, steps: int, runs: int, long_run: bool) -> dict:
    t0 = time.perf_counter()
    from farm_gui.config import preset
    from farm_gui.sim import build_model

    config = preset(preset_name)
    model = build_model(config.model_copy(update={"simulation_steps": 2}))
    model.step()
    first_step = time.perf_counter() - t0
    timed_run(config, min(steps, 50))  # warm-up
    results = [timed_run(config, steps) for _ in range(runs)]
    out = {
        "first_step_s": first_step,
        "steps_per_s": statistics.median(n / t for t, n, _, _ in results),
        "agent_steps_per_s": statistics.median(a / t for t, _, a, _ in results),
        # Per CPU second: tells a slow engine from a machine busy with other work.
        "agent_steps_per_cpu_s": statistics.median(a / c for _, _, a, c in results),
        "mean_alive": statistics.median(a / n for _, n, a, _ in results),
    }
    if long_run:
        model = build_model(config.model_copy(update={"simulation_steps": LONG_RUN_STEPS}))
        before = None
        while not model.done:
            model.step()
            if model.step_index % 1000 == 0:
                model.drain_agent_events()
            if model.step_index == 10_000:
                before = rss_mb()
        out["long_run_rss_growth_mb"] = rss_mb() - before
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer steps and runs (about 20 s)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--steps", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--runs", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--long-run", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.steps, args.runs, args.long_run)))
        return

    plan = QUICK_PLAN if args.quick else PLAN
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, PYTHONPATH=root + os.pathsep + os.environ.get("PYTHONPATH", ""))
    figures: dict[str, float] = {}
    print(f"{'preset':>8} {'steps/s':>12} {'agent-steps/s':>15} {'mean alive':>11} {'peak RSS MB':>12}")
    for name, (steps, runs) in plan.items():
        cmd = [sys.executable, os.path.abspath(__file__), "--worker", name, "--steps", str(steps),
               "--runs", str(runs)]
        if name == "default" and not args.quick:
            cmd.append("--long-run")
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
        if proc.returncode != 0:
            sys.exit(f"bench worker for preset {name!r} failed:\n{proc.stderr}")
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        print(f"{name:>8} {r['steps_per_s']:>12,.0f} {r['agent_steps_per_s']:>15,.0f} "
              f"{r['mean_alive']:>11,.0f} {r['peak_rss_mb']:>12,.1f}")
        if name == "default":
            figures["engine.first_step_s"] = round(r["first_step_s"], 3)
            if "long_run_rss_growth_mb" in r:
                figures["engine.default.long_run_rss_growth_mb"] = round(r["long_run_rss_growth_mb"], 2)
        figures[f"engine.{name}.steps_per_s"] = round(r["steps_per_s"], 1)
        figures[f"engine.{name}.agent_steps_per_s"] = round(r["agent_steps_per_s"])
        figures[f"engine.{name}.agent_steps_per_cpu_s"] = round(r["agent_steps_per_cpu_s"])
        figures[f"engine.{name}.peak_rss_mb"] = round(r["peak_rss_mb"], 1)
    for key, value in figures.items():
        print(f"{key}={value}")


if __name__ == "__main__":
    main()
