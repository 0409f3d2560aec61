"""Reference figures of Mesa's example models at constructor-default parameters.

Usage: nice -n 10 venv/bin/python ref_stats.py [--seeds 20] [--out ref_stats.json]
Seeds 0..N-1 (Model(seed=s)); prints markdown tables, writes raw values as JSON.
std is the sample std (ddof=1); percentiles are numpy's default (linear interpolation).
"""

import argparse
import json
import os
import platform
import time

import mesa
import numpy as np
from mesa_runs import run_boltzmann, run_schelling, run_wolf_sheep


def summary(values):
    v = np.asarray(values, dtype=float)
    return {
        "mean": v.mean(), "std": v.std(ddof=1), "min": v.min(), "max": v.max(),
        "p5": np.percentile(v, 5), "median": np.median(v), "p95": np.percentile(v, 95),
    }


def table(title, series):
    print(f"\n### {title}\n")
    print("| quantity | mean | std | min | p5 | median | p95 | max |")
    print("|---|---|---|---|---|---|---|---|")
    for name, vals in series.items():
        s = summary(vals)
        print(f"| {name} | " + " | ".join(f"{s[k]:.4g}" for k in
              ("mean", "std", "min", "p5", "median", "p95", "max")) + " |")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--out", default="ref_stats.json")
    args = ap.parse_args()
    seeds = range(args.seeds)
    print(f"mesa {mesa.__version__}, numpy {np.__version__}, python "
          f"{platform.python_version()}, seeds 0..{args.seeds - 1}, "
          f"loadavg {os.getloadavg()[0]:.2f}")
    raw = {}
    t0 = time.time()

    sch = [run_schelling(s, max_steps=200, record=(0, 1, 2, 3, 5))[0] for s in seeds]
    raw["schelling"] = sch

    def at(r, st):  # a run that stopped earlier keeps its final (all-happy) state
        return r.get(st, r["final"])

    table("Schelling (20x20, density 0.8, minority 0.5, homophily 0.4, radius 1)", {
        "agents": [r["final"]["n"] for r in sch],
        **{f"happy share, step {st}": [at(r, st)["happy_share"] for r in sch]
           for st in (0, 1, 2, 3, 5)},
        "similar-neighbour share, step 0": [r[0]["similar_share"] for r in sch],
        "steps until all happy (stop rule)": [r["final"]["steps"] for r in sch],
        "final happy share": [r["final"]["happy_share"] for r in sch],
        "final similar-neighbour share": [r["final"]["similar_share"] for r in sch],
    })
    print(f"\nstopped by rule (not by 200-step cap): "
          f"{sum(r['final']['stopped'] for r in sch)}/{len(sch)}")

    bz = [run_boltzmann(s, steps=100, record=(0, 10, 50, 100))[0] for s in seeds]
    raw["boltzmann"] = bz
    series = {}
    for k in ("gini", "max_wealth", "zero_share"):
        for st in (10, 50, 100):
            series[f"{k}, step {st}"] = [r[st][k] for r in bz]
    table("Boltzmann wealth (100 agents, 10x10)", series)

    steps = (0, 10, 25, 50, 100)
    ws = [run_wolf_sheep(s, steps=100, record=range(101))[0] for s in seeds]
    raw["wolf_sheep"] = ws  # every step 0..100

    def first(r, k):  # first step with population k == 0 (101 = not by step 100)
        return next((st for st in range(101) if r[st][k] == 0), 101)

    series = {}
    for k in ("wolves", "sheep", "grass", "grass_after"):
        for st in steps:
            series[f"{k}, step {st}"] = [r[st][k] for r in ws]
    series["max wolves (steps 0-100)"] = [max(r[st]["wolves"] for st in range(101)) for r in ws]
    series["min grass (steps 0-100)"] = [min(r[st]["grass"] for st in range(101)) for r in ws]
    series["first step with 0 sheep"] = [first(r, "sheep") for r in ws]
    series["first step with 0 wolves"] = [first(r, "wolves") for r in ws]
    table("Wolf-sheep (20x20, 100 sheep, 50 wolves, grass on, regrowth 30)", series)
    print(f"\nseeds with wolves extinct at step 100: "
          f"{sum(r[100]['wolves'] == 0 for r in ws)}, sheep extinct: "
          f"{sum(r[100]['sheep'] == 0 for r in ws)}")

    # determinism: same seed twice gives the same trajectory
    same = (run_schelling(3, record=(0,))[0] == run_schelling(3, record=(0,))[0]
            and run_boltzmann(3, record=(100,))[0] == run_boltzmann(3, record=(100,))[0]
            and run_wolf_sheep(3, record=steps)[0] == run_wolf_sheep(3, record=steps)[0])
    print(f"\ndeterministic per seed (seed 3 run twice): {same}")
    print(f"total wall time {time.time() - t0:.1f} s, loadavg {os.getloadavg()[0]:.2f}")

    with open(args.out, "w") as f:
        json.dump({"mesa": mesa.__version__, "seeds": list(seeds), **raw}, f,
                  indent=1, default=float)


if __name__ == "__main__":
    main()
