"""The built-in classic models against Mesa 3.3's examples: agent-steps/s of Farm GUI's
engine and of the Mesa example, measured in the same run of this script.

agent-steps = the agents alive at the start of each step, summed over the steps performed
(wolf-sheep: wolves + sheep; Mesa's grass patches are agents too but are not counted).
Only the stepping is timed (Farm GUI: ``engine.step()``, which returns the step's metrics;
Mesa: ``model.step()``, wolf-sheep ``simulator.run_for(1)``, its own DataCollector included);
building the world is not. Each figure is the median over the repetitions (seeds 0, 1, ...),
wall-clock time; the machine is shared, so quote medians and expect noise.

- default presets, 100 steps (Schelling: until everyone is happy, at most 100 steps, for
  both): Farm GUI vs Mesa, target Farm >= 20 x Mesa;
- large presets, 100 steps: Farm GUI, target >= 1,000,000 agent-steps/s; Mesa at the large
  size (10 steps, one repetition) only where it takes under about a minute (wolf-sheep),
  or for every model with --mesa-large; the large ratio compares Mesa's 10 steps with Farm
  GUI's first 10 steps of the same runs.

Mesa is never a dependency of Farm GUI: it runs in its own interpreter, in a subprocess
(this same file with --mesa-worker). Give that interpreter with --mesa-python PATH or the
environment variable FARM_MESA_PYTHON; create one with
    python3 -m venv /tmp/mesa-venv && /tmp/mesa-venv/bin/pip install mesa==3.3.1 networkx
(networkx: mesa.examples imports it). Without one, only Farm GUI's figures are printed.
Models that are not installed (not found by the model registry) are skipped with a line.

Usage: python bench/models.py [--mesa-python PATH] [--reps N] [--quick] [--mesa-large]
Prints a table, then one `name=value` line per figure.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

MODELS = ("wolf_sheep", "schelling", "boltzmann_wealth")
STEPS = {"default": 100, "large": 100}
MESA_LARGE_STEPS = 10
MESA_LARGE_BY_DEFAULT = {"wolf_sheep"}  # ~15 s; Schelling and Boltzmann take over a minute
REFERENCE_DIR = Path(__file__).resolve().parent / "mesa_reference"
MESA_HELP = ("no Mesa interpreter given (--mesa-python PATH or FARM_MESA_PYTHON): create one with "
             "`python3 -m venv /tmp/mesa-venv && /tmp/mesa-venv/bin/pip install mesa==3.3.1 networkx`")


# ----- Mesa side (runs in Mesa's interpreter; imports nothing of Farm GUI) ---------------------
def mesa_worker(model: str, size: str, reps: int) -> None:
    sys.path.insert(0, str(REFERENCE_DIR))
    import mesa_runs as R  # bench/mesa_reference/mesa_runs.py

    if size == "default":
        calls = {"wolf_sheep": (R.run_wolf_sheep, {"steps": 100}),
                 "schelling": (R.run_schelling, {"max_steps": 100}),
                 "boltzmann_wealth": (R.run_boltzmann, {"steps": 100})}
    else:  # the large sizes of bench/mesa_reference/ref_speed.py (default densities)
        calls = {"wolf_sheep": (R.run_wolf_sheep, {"width": 163, "height": 163, "initial_sheep": 6667,
                                                   "initial_wolves": 3333, "steps": MESA_LARGE_STEPS}),
                 "schelling": (R.run_schelling, {"width": 354, "height": 354,
                                                 "max_steps": MESA_LARGE_STEPS}),
                 "boltzmann_wealth": (R.run_boltzmann, {"n": 100_000, "width": 316, "height": 316,
                                                        "steps": MESA_LARGE_STEPS})}
    fn, kw = calls[model]
    out = []
    for seed in range(reps):
        rows, agent_steps, seconds, cpu = fn(seed, **kw)
        out.append({"agent_steps": agent_steps, "seconds": seconds, "cpu": cpu, "steps": rows["steps"]})
    print(json.dumps(out))


def run_mesa(python: str, model: str, size: str, reps: int) -> list[dict] | str:
    try:
        proc = subprocess.run([python, __file__, "--mesa-worker", model, size, str(reps)],
                              capture_output=True, text=True, timeout=900)
    except (OSError, subprocess.TimeoutExpired) as err:
        return f"Mesa run failed: {err}"
    if proc.returncode != 0:
        return "Mesa run failed: " + (proc.stderr.strip().splitlines() or ["?"])[-1]
    return json.loads(proc.stdout.strip().splitlines()[-1])


# ----- Farm GUI side ------------------------------------------------------------------------
def alive(engine) -> int:
    """Agents alive now, from the engine (``alive_count``), else from its first point layer."""
    for attr in ("alive_count", "agent_count", "n_agents"):
        value = getattr(engine, attr, None)
        if value is not None:
            return int(value)
    for layer in engine.layers().values():
        if "x" in layer:
            return len(layer["x"])
    raise RuntimeError("the engine has no alive_count and no point layer to count agents from")


def run_farm(spec, size: str, reps: int, steps: int) -> list[dict]:
    params = spec.preset(size)
    warm = spec.create_engine(params, 0)  # loads the numba cache, not timed
    warm.step()
    out = []
    for seed in range(reps):
        engine = spec.create_engine(params, seed)
        agent_steps, seconds, cpu, done = 0, 0.0, 0.0, 0
        first: dict = {}
        while done < steps and not engine.done:
            if done == MESA_LARGE_STEPS:
                first = {"agent_steps": agent_steps, "seconds": seconds, "cpu": cpu}
            agent_steps += alive(engine)
            t0, c0 = time.perf_counter(), time.process_time()
            engine.step()
            seconds += time.perf_counter() - t0
            cpu += time.process_time() - c0
            done += 1
        run = {"agent_steps": agent_steps, "seconds": seconds, "cpu": cpu, "steps": done}
        run["first"] = first or dict(run)  # the first MESA_LARGE_STEPS steps (Mesa's large runs)
        out.append(run)
    return out


def median_rate(runs: list[dict], key: str = "seconds") -> float:
    return statistics.median(r["agent_steps"] / r[key] for r in runs if r[key] > 0)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mesa-python", default=os.environ.get("FARM_MESA_PYTHON"),
                    help="Python interpreter with mesa==3.3.1 installed (or FARM_MESA_PYTHON)")
    ap.add_argument("--reps", type=int, default=5, help="repetitions (seeds) per figure (default 5)")
    ap.add_argument("--quick", action="store_true", help="3 repetitions")
    ap.add_argument("--mesa-large", action="store_true", help="also run Mesa at every large size")
    ap.add_argument("--models", default=",".join(MODELS), help="comma-separated model names")
    ap.add_argument("--mesa-worker", nargs=3, metavar=("MODEL", "SIZE", "REPS"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.mesa_worker:
        model, size, reps = args.mesa_worker
        mesa_worker(model, size, int(reps))
        return 0

    from farm_gui.core import registry

    reps = 3 if args.quick else args.reps
    mesa_python = args.mesa_python
    if not mesa_python:
        print(MESA_HELP)
    figures: dict[str, float] = {}
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; medians of {reps}, wall time")
    print("| model | size | Farm GUI agent-steps/s | Mesa agent-steps/s | ratio | agent-steps per run |")
    print("|---|---|---|---|---|---|")
    for name in args.models.split(","):
        try:
            spec = registry.get_model(name)
        except KeyError as err:
            print(f"skipped {name}: {err}")
            continue
        for size in ("default", "large"):
            if size not in spec.preset_names:
                print(f"skipped {name} {size}: the model has no preset {size!r}")
                continue
            farm = run_farm(spec, size, 1 if size == "large" and args.quick else reps, STEPS[size])
            rate = median_rate(farm)
            key = f"models.{name}.{size}"
            figures[f"{key}.farm_agent_steps_per_s"] = rate
            figures[f"{key}.farm_agent_steps_per_s_cpu"] = median_rate(farm, "cpu")
            mesa_cell, ratio_cell = "-", "-"
            want_mesa = size == "default" or args.mesa_large or name in MESA_LARGE_BY_DEFAULT
            if mesa_python and want_mesa:
                mesa = run_mesa(mesa_python, name, size, reps if size == "default" else 1)
                if isinstance(mesa, str):
                    print(f"{name} {size}: {mesa}")
                else:
                    mrate = median_rate(mesa)
                    same, same_rate = farm, rate
                    if size == "large":  # Mesa ran the first 10 steps only: compare like with like
                        same = [r["first"] for r in farm]
                        same_rate = median_rate(same)
                        figures[f"{key}.farm_agent_steps_per_s_first_{MESA_LARGE_STEPS}"] = same_rate
                    figures[f"{key}.mesa_agent_steps_per_s"] = mrate
                    figures[f"{key}.mesa_agent_steps_per_s_cpu"] = median_rate(mesa, "cpu")
                    figures[f"{key}.ratio"] = same_rate / mrate
                    figures[f"{key}.ratio_cpu"] = median_rate(same, "cpu") / median_rate(mesa, "cpu")
                    mesa_cell, ratio_cell = f"{mrate:,.0f}", f"{same_rate / mrate:,.0f}x"
            per_run = statistics.median(r["agent_steps"] for r in farm)
            print(f"| {name} | {size} | {rate:,.0f} | {mesa_cell} | {ratio_cell} | {per_run:,.0f} |",
                  flush=True)
    for key, value in figures.items():
        print(f"{key}={value:.6g}")
    for key, value in figures.items():
        if key.endswith(".default.ratio"):
            print(f"{key.removesuffix('.ratio')}.target_20x_met={int(value >= 20)}")
        if key.endswith(".large.farm_agent_steps_per_s"):
            print(f"{key.removesuffix('.farm_agent_steps_per_s')}.target_1M_met={int(value >= 1e6)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
