"""Speed of Mesa's example models in agent-steps/s.

Usage: nice -n 10 venv/bin/python ref_speed.py [default|large|all] [--out ref_speed.json]
agent-steps = agents alive at the start of each step, summed over the steps
(wolf-sheep: wolves + sheep; grass patches are Mesa agents too but are not
counted). Time = model.step (wolf-sheep: simulator.run_for(1)) only, the
example's own DataCollector included, construction excluded (reported apart);
wall-clock and process CPU time both reported (the machine is shared).
default: median of 5 repetitions, seeds 0..4. large: one run, seed 0, stepping
stops after max_steps or once stepping time exceeds a 60 s budget.
"""

import argparse
import json
import os
import statistics
import time

import mesa
from mesa_runs import run_boltzmann, run_schelling, run_wolf_sheep

DEFAULT = {  # name: (function, kwargs)
    "schelling, until all happy (cap 200)": (run_schelling, {}),
    "schelling, 100 steps (stop rule ignored)": (run_schelling, {"max_steps": 100, "stop_rule": False}),
    "boltzmann, 100 steps": (run_boltzmann, {"steps": 100}),
    "wolf_sheep, 100 steps": (run_wolf_sheep, {"steps": 100}),
}
LARGE = {  # ~100k / 100k / 10k agents at the default densities
    "schelling 354x354 density 0.8 (~100k agents)": (
        run_schelling, {"width": 354, "height": 354, "max_steps": 10}),
    "boltzmann 100k agents 316x316": (
        run_boltzmann, {"n": 100_000, "width": 316, "height": 316, "steps": 10}),
    "wolf_sheep 163x163, 6667 sheep + 3333 wolves": (
        run_wolf_sheep, {"width": 163, "height": 163, "initial_sheep": 6667,
                         "initial_wolves": 3333, "steps": 10}),
}


def timed(fn, seed, kw):
    t0 = time.perf_counter()
    _, agent_steps, t, c = fn(seed, **kw)
    total = time.perf_counter() - t0
    return {"agent_steps": agent_steps, "step_s": t, "cpu_s": c, "build_s": total - t,
            "rate": agent_steps / t, "cpu_rate": agent_steps / c}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("which", nargs="?", default="all", choices=["default", "large", "all"])
    ap.add_argument("--out", default="ref_speed.json")
    args = ap.parse_args()
    print(f"mesa {mesa.__version__}, nice {os.nice(0)}, cores {os.cpu_count()}")
    res = {}
    if args.which in ("default", "all"):
        print("\n| default | agent-steps/s wall (median of 5) | min | max | agent-steps/s CPU (median) "
              "| agent-steps (median) | steps wall s (median) | build s (median) | load before/after |")
        print("|---|---|---|---|---|---|---|---|---|")
        for name, (fn, kw) in DEFAULT.items():
            la = os.getloadavg()[0]
            reps = [timed(fn, seed, kw) for seed in range(5)]
            lb = os.getloadavg()[0]
            rates = [r["rate"] for r in reps]
            cpu = statistics.median(r["cpu_rate"] for r in reps)
            res[name] = {"reps": reps, "median_rate": statistics.median(rates),
                         "median_cpu_rate": cpu, "load": [la, lb]}
            print(f"| {name} | {statistics.median(rates):,.0f} | {min(rates):,.0f} | "
                  f"{max(rates):,.0f} | {cpu:,.0f} | "
                  f"{statistics.median(r['agent_steps'] for r in reps):,.0f} | "
                  f"{statistics.median(r['step_s'] for r in reps):.3f} | "
                  f"{statistics.median(r['build_s'] for r in reps):.3f} | {la:.1f}/{lb:.1f} |",
                  flush=True)
    if args.which in ("large", "all"):
        print("\n| large | agents at start | steps done | agent-steps | steps wall s | agent-steps/s wall "
              "| agent-steps/s CPU | build s | load before/after |")
        print("|---|---|---|---|---|---|---|---|---|")
        for name, (fn, kw) in LARGE.items():
            la = os.getloadavg()[0]
            t0 = time.perf_counter()
            rows, agent_steps, t, c = fn(0, budget=60.0, **kw)
            build = time.perf_counter() - t0 - t
            lb = os.getloadavg()[0]
            steps = rows["steps"]
            # agents at start (Schelling's population is constant: agent_steps / steps)
            n0 = kw.get("n") or kw.get("initial_sheep", 0) + kw.get("initial_wolves", 0) \
                or agent_steps // steps
            res[name] = {"agents_at_start": n0, "steps": steps, "agent_steps": agent_steps,
                         "step_s": t, "cpu_s": c, "build_s": build,
                         "rate": agent_steps / t, "cpu_rate": agent_steps / c, "load": [la, lb]}
            print(f"| {name} | {n0:,} | {steps} | {agent_steps:,} | {t:.1f} | {agent_steps / t:,.0f} | "
                  f"{agent_steps / c:,.0f} | "
                  f"{build:.1f} | {la:.1f}/{lb:.1f} |", flush=True)
    with open(args.out, "w") as f:
        json.dump({"mesa": mesa.__version__, **res}, f, indent=1)


if __name__ == "__main__":
    main()
