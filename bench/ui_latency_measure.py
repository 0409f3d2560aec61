"""How responsive the window stays while a big run goes as fast as it can.

Offscreen main window, a preset (--preset, default 10k) running at full speed with the charts and
the world view shown. A 5 ms heartbeat timer measures how late the GUI event
loop runs; we also count chart frames, compare the simulation's agent-steps/s
of the window's run (in a process of its own, as a user's: runtime/run_process.py) with
the same RunSession run headless in this process (both after their run's first second,
over --seconds), and time a chart frame with 1,000,000 points against one with 1,000.

Prints name=value lines, medians over --pairs alternated headless/GUI measurements
(the worst pair's maximum lateness too). Targets: heartbeat p99 <= 20 ms and max <=
50 ms, >= 30 chart frames/s, GUI/headless speed >= 0.9, frame-time ratio <= 2.
Usage: QT_QPA_PLATFORM=offscreen python bench/ui_latency.py [--model NAME] [--preset 10k]
       [--set KEY=VALUE ...] [--seconds 6] [--pairs 6]
(--preset default, 1k, 10k, ...: the same figures for each; the preset's run is made
long enough to outlast the measurement).

--model NAME measures a run of another model (`farm-gui models`: schelling, wolf_sheep,
boltzmann_wealth, ...; --preset then names one of its presets, default "default",
--set changes a parameter). Its speed is counted in steps/s (the foraging ecology's in
agent-steps/s). A run that ends before the measurement does (a Schelling run ends once
everyone is happy: the large preset after ~25 steps) is followed by another one, started
from the window's Start action as a user would, and headless likewise; `gui_runs` says
how many the GUI measurement took, and the figures include their starts (~0.06 s each for
a run's process).

Run it as bench/ui_latency.py, whose only code runs under its main guard: a run's process
imports the main script again (as multiprocessing does), and must not import the window
with it, as main.py does not.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
from PySide6.QtCore import QEventLoop, Qt, QTimer  # noqa: E402

from farm_gui.app import create_main_window, ensure_app  # noqa: E402
from farm_gui.config import PRESETS, ConfigError, preset  # noqa: E402
from farm_gui.core.gc_pauses import freeze_start_up_objects  # noqa: E402
from farm_gui.core.jobs import JobControl  # noqa: E402
from farm_gui.core.registry import UnknownModelError, get_model  # noqa: E402
from farm_gui.display.series import RunSeries  # noqa: E402
from farm_gui.runtime.continuation import apply_settings, parse_settings  # noqa: E402
from farm_gui.runtime.live_buffer import LiveBuffer  # noqa: E402
from farm_gui.runtime.session import RunSession  # noqa: E402
from farm_gui.sim import METRIC_NAMES, build_model  # noqa: E402
from farm_gui.store import open_store  # noqa: E402
from farm_gui.ui.plots.charts import ChartsPanel  # noqa: E402

LONG_RUN = 10_000_000  # steps: longer than any measurement


@dataclass
class Target:
    """The run measured: the foraging ecology (a preset of farm_gui.config) or a plug-in
    model (one of its presets), with --set overrides."""

    model: str = "foraging"
    preset: str = "10k"
    overrides: dict[str, Any] = field(default_factory=dict)

    @property
    def foraging(self) -> bool:
        return self.model == "foraging"

    @property
    def unit(self) -> str:
        return "agent_steps" if self.foraging else "steps"

    def config(self):
        if self.foraging:
            base = preset(self.preset)
        else:
            spec = get_model(self.model)
            base = spec.parameters(**spec.presets[self.preset])
        return apply_settings(base, {**self.overrides, "simulation_steps": LONG_RUN}, "--set")

    def weight(self, row) -> float:
        """What one step counts for the speed: its agents (foraging), or 1 (a step)."""
        return float(row["alive"]) if self.foraging else 1.0

    def warm_up(self) -> None:
        """Compile the model's kernels before anything is timed."""
        if self.foraging:
            build_model(preset("default")).step()
        else:
            spec = get_model(self.model)
            params = spec.parameters()
            spec.create_engine(params, params.seed).step()


TARGET = Target()  # --model, --preset, --set


def big_config():
    return TARGET.config()


def headless_rate(workdir: Path, seconds: float) -> float:
    """Agent-steps/s (foraging) or steps/s (other models) of RunSession (engine + store
    writer) without any Qt; a run that ends early is followed by another."""
    store = open_store(workdir / "headless.db")
    samples: list[tuple[float, float]] = []
    end = time.perf_counter() + seconds + 1.0

    def on_step(metrics, _model) -> None:
        samples.append((time.perf_counter(), TARGET.weight(metrics)))

    def on_block(block, _model) -> None:  # the foraging ecology steps in blocks, as in the window
        samples.append((time.perf_counter(), float(block.table[:, METRIC_NAMES.index("alive")].sum())))

    while time.perf_counter() < end:
        config = big_config()
        run_id = store.create_run(config, "headless", model=TARGET.model)
        control = JobControl()
        session = RunSession(store, run_id, config, control, on_step=on_step, on_block=on_block)
        timer = threading.Timer(max(0.0, end - time.perf_counter()), control.stop)
        timer.start()
        session.run()
        timer.cancel()
    store.close()
    return window_rate(samples, skip_s=1.0)


def window_rate(samples: list[tuple[float, float]], skip_s: float) -> float:
    """Agent-steps per second after the first ``skip_s`` seconds (warm-up)."""
    t0 = samples[0][0] + skip_s
    kept = [(t, a) for t, a in samples if t >= t0]
    if len(kept) < 2:
        return float("nan")
    return sum(a for _, a in kept[1:]) / (kept[-1][0] - kept[0][0])


def pump(app, seconds: float) -> None:
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()


def gui_run(workdir: Path, seconds: float) -> dict[str, float]:
    app = ensure_app()
    window = create_main_window(str(workdir / "gui.db"))
    window.resize(1600, 1000)
    window.show()
    if TARGET.foraging:
        window.config_form.set_config(big_config())
    else:
        window.config_form.set_model(TARGET.model, big_config())
    window.set_speed(None)
    pump(app, 0.5)
    lateness: list[float] = []
    last = [time.perf_counter()]
    progress: list[tuple[float, int]] = []  # (time, steps in the runs' live buffers) at each beat

    def steps_so_far() -> int:
        return sum(len(r.buffer) for r in window.registry.runs())

    def beat() -> None:
        now = time.perf_counter()
        lateness.append(max(0.0, now - last[0] - 0.005))
        last[0] = now
        progress.append((now, steps_so_far()))

    started = [0]  # runs started (a run that ends before the measurement is followed by another)

    def restart() -> None:
        runs = window.registry.runs()
        if len(runs) == started[0] and runs and not runs[-1].active:
            started[0] += 1
            window.actions.start.trigger()

    started[0] = 1
    window.actions.start.trigger()
    deadline = time.monotonic() + 30
    while not window.registry.runs() and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.005)
    run = window.registry.runs()[0]
    while len(run.buffer) < 3 and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.005)
    heartbeat = QTimer()
    heartbeat.setTimerType(Qt.TimerType.PreciseTimer)
    heartbeat.timeout.connect(beat)
    restarter = QTimer()
    restarter.timeout.connect(restart)
    frames0, steps0, t0 = window.charts.frames, steps_so_far(), time.perf_counter()
    last[0] = t0
    heartbeat.start(5)
    restarter.start(20)
    # The headless rate leaves out its run's first second (warm-up); so does the GUI
    # rate, over the same length of run after it. Lateness and frames count it all.
    pump(app, seconds + 1.0)
    heartbeat.stop()
    restarter.stop()
    elapsed = time.perf_counter() - t0
    frames = window.charts.frames - frames0
    steady = [(t, n) for t, n in progress if t >= t0 + 1.0]
    (t_a, n_a), (t_b, n_b) = steady[0], steady[-1]
    if TARGET.foraging:  # one run (10,000,000 steps): its agents alive at each step
        snap = run.buffer.snapshot()
        agent_steps = float(np.sum(snap["alive"][n_a:n_b]))
        from_start = float(np.sum(snap["alive"][steps0: snap.length])) / elapsed
        gui_steps = snap.length - steps0
    else:
        agent_steps = float(n_b - n_a)
        gui_steps = steps_so_far() - steps0
        from_start = gui_steps / elapsed
    world_shown = window.world_view.displayed_step is not None
    gui_runs = len(window.registry.runs())
    window.registry.stop_all()
    window.registry.wait(30)
    window.close()
    late_ms = np.array(lateness) * 1000
    return {
        "heartbeat_late_p50_ms": float(np.percentile(late_ms, 50)),
        "heartbeat_late_p99_ms": float(np.percentile(late_ms, 99)),
        "heartbeat_late_max_ms": float(late_ms.max()),
        "heartbeats": float(len(late_ms)),
        "chart_frames_per_s": frames / elapsed,
        "gui_agent_steps_per_s": agent_steps / (t_b - t_a),
        "gui_agent_steps_per_s_from_start": from_start,
        "gui_steps": float(gui_steps),
        "gui_runs": float(gui_runs),
        "world_view_updated": float(world_shown),
    }


def frame_time(points: int, frames: int = 40) -> float:
    """Median time of one live chart frame (append + setData + paint) at ``points``."""
    app = ensure_app()
    panel = ChartsPanel()
    panel.resize(1200, 700)
    panel.show()
    buffer = LiveBuffer(METRIC_NAMES, capacity=points + 10_000)
    rng = np.random.default_rng(0)
    base = {name: 0.0 for name in METRIC_NAMES}

    def add(count: int) -> None:
        for _ in range(count):
            i = len(buffer)
            base.update(step=i, alive=1000 + (i % 997), alive_system=rng.random() * 400,
                        alive_independent=300.0, alive_control=300.0, births=rng.integers(0, 5),
                        deaths=rng.integers(0, 5), resources_in_nodes=rng.random() * 1e5,
                        mean_agent_resources=rng.random() * 5, mean_health=90 + rng.random())
            buffer.append(base)

    # fill fast (vectorised) to the size under test, then time frames that append live rows
    snap_data = np.zeros((len(METRIC_NAMES), points))
    snap_data[METRIC_NAMES.index("step")] = np.arange(points)
    # population-like series (random walks), not white noise: a min/max envelope of white
    # noise paints full-height bars in every pixel column, which no real run looks like
    for name in ("alive", "alive_system", "resources_in_nodes", "mean_health", "births"):
        walk = np.cumsum(rng.normal(size=points))
        snap_data[METRIC_NAMES.index(name)] = 100 + walk * (50 / max(1.0, np.abs(walk).max()))
    with buffer._lock:  # bulk fill for the benchmark only
        buffer._data[:, :points] = snap_data
        buffer._length = points
    panel.bind([RunSeries(1, "bench", buffer)])
    for _ in range(3):
        panel.refresh()
        app.processEvents()
    times = []
    for _ in range(frames):
        add(50)
        t0 = time.perf_counter()
        panel.refresh()
        for chart in panel.charts:
            chart.viewport().repaint()
        times.append(time.perf_counter() - t0)
    panel.close()
    return statistics.median(times)


def parse_target(parser: argparse.ArgumentParser, args) -> Target:
    """The run to measure, from --model, --preset and --set; bad input ends the bench
    with a message (exit 2)."""
    if args.model == "foraging":
        presets = sorted(PRESETS)
    else:
        try:
            presets = sorted(get_model(args.model).presets)
        except UnknownModelError as err:
            parser.error(str(err))
    name = args.preset or ("10k" if args.model == "foraging" else "default")
    if name not in presets:
        parser.error(f"model {args.model!r} has no preset {name!r}; choose from {', '.join(presets)}")
    try:
        target = Target(args.model, name, parse_settings(args.set))
        target.config()
    except ConfigError as err:
        parser.error(str(err))
    return target


def main() -> int:
    global TARGET
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=6.0, help="length of each measurement")
    parser.add_argument("--pairs", type=int, default=6,
                        help="headless and GUI measurements, alternated; medians are printed")
    parser.add_argument("--model", default="foraging", help="the model run (default foraging)")
    parser.add_argument("--preset", default=None,
                        help="the model's preset measured (foraging: default 10k; others: default)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="change a parameter of the preset (repeatable; value read as YAML)")
    parser.add_argument("--no-freeze", action="store_true",
                        help="leave the start-up objects in the collector's full collections "
                             "(the application freezes them: see farm_gui.core.gc_pauses)")
    args = parser.parse_args()
    TARGET = parse_target(parser, args)
    print(f"model={TARGET.model} preset={TARGET.preset} set={TARGET.overrides}", file=sys.stderr)
    ensure_app()
    TARGET.warm_up()  # compile the kernels before timing
    guis, ratios, from_start_ratios = [], [], []
    with tempfile.TemporaryDirectory(prefix="farm-gui-bench-") as tmp:
        os.environ["FARM_GUI_SETTINGS"] = str(Path(tmp) / "settings.ini")
        # The first run in a process is slower (memory first touched, caches cold): a
        # short unmeasured one keeps that out of the first pair.
        (Path(tmp) / "warmup").mkdir()
        headless_rate(Path(tmp) / "warmup", 2.0)
        if not args.no_freeze:  # as the application does once its kernels are loaded
            freeze_start_up_objects("kernels loaded")
        for pair in range(args.pairs):
            workdir = Path(tmp) / f"pair{pair}"
            workdir.mkdir()
            # Alternating the two, in turn first, keeps a change in the machine's load from
            # landing on one side.
            if pair % 2 == 0:
                headless = headless_rate(workdir, args.seconds)
                gui = gui_run(workdir, args.seconds)
            else:
                gui = gui_run(workdir, args.seconds)
                headless = headless_rate(workdir, args.seconds)
            guis.append(gui)
            ratios.append(gui["gui_agent_steps_per_s"] / headless)
            from_start_ratios.append(gui["gui_agent_steps_per_s_from_start"] / headless)
            gui["headless_agent_steps_per_s"] = headless
            print(f"pair {pair + 1}: p99 {gui['heartbeat_late_p99_ms']:.1f} ms, "
                  f"max {gui['heartbeat_late_max_ms']:.1f} ms, {gui['chart_frames_per_s']:.1f} frames/s, "
                  f"gui/headless {ratios[-1]:.3f} ({gui['gui_agent_steps_per_s']:.3g} / {headless:.3g} "
                  f"{TARGET.unit}/s), {int(gui['gui_runs'])} run(s), "
                  f"threads {threading.active_count()}", file=sys.stderr)
    small, large = frame_time(1_000), frame_time(1_000_000)

    def median(key: str) -> float:
        return statistics.median(g[key] for g in guis)

    print(f"model={TARGET.model}")
    print(f"preset={TARGET.preset}")
    print(f"heartbeat_late_p50_ms={median('heartbeat_late_p50_ms'):.2f}")
    print(f"heartbeat_late_p99_ms={median('heartbeat_late_p99_ms'):.2f}")
    print(f"heartbeat_late_max_ms={median('heartbeat_late_max_ms'):.2f}")
    print(f"heartbeat_late_max_ms_worst_pair={max(g['heartbeat_late_max_ms'] for g in guis):.2f}")
    print(f"chart_frames_per_s={median('chart_frames_per_s'):.1f}")
    print(f"headless_{TARGET.unit}_per_s={median('headless_agent_steps_per_s'):.0f}")
    print(f"gui_{TARGET.unit}_per_s={median('gui_agent_steps_per_s'):.0f}")
    print(f"gui_runs={median('gui_runs'):.0f}")
    print(f"gui_to_headless_speed_ratio={statistics.median(ratios):.3f}")
    # the same with the GUI run's first second in (the headless one's left out)
    print(f"gui_to_headless_speed_ratio_incl_start={statistics.median(from_start_ratios):.3f}")
    print(f"chart_frame_ms_1k_points={small * 1000:.3f}")
    print(f"chart_frame_ms_1m_points={large * 1000:.3f}")
    print(f"chart_frame_time_ratio_1m_to_1k={large / small:.2f}")
    print(f"world_view_updated={int(all(g['world_view_updated'] for g in guis))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
