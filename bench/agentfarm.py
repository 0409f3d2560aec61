"""AgentFarm import benchmark: prints name=value lines.

    agentfarm_import_s             importing a generated AgentFarm database of 1,000 steps with
                                   ~1,000 agents alive (1 M agent states, 2 M action rows with the
                                   learning module's duplicates, 100 resource nodes) (target <= 10 s)
    agentfarm_import_cpu_s         the same in CPU seconds of the whole process (importing thread,
                                   the store's writer thread, the checksum), which the load of
                                   other processes on a shared machine does not inflate
    agentfarm_scrub_ms_median/max  loading the imported run's world at a random step
                                   (Store.world_state, what the window's slider awaits)
    agentfarm_scrub_window_ms_median/max
                                   the same through the real window (offscreen): slider moved ->
                                   world view showing that step (target <= 100 ms a step)
    agentfarm_source_unchanged     1 when the source file's checksum is the same afterwards

The generated database is kept in the temporary folder (farm-gui-bench-agentfarm-*.db) and
reused: writing it takes a minute or two. Run: .venv/bin/python bench/agentfarm.py [--quick]
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from farm_gui.agentfarm import import_agentfarm, sha256_of
from farm_gui.agentfarm.synthetic import write_database
from farm_gui.store import open_store

QUICK = "--quick" in sys.argv
STEPS, AGENTS, NODES = (200, 300, 50) if QUICK else (1000, 1000, 100)


def emit(name: str, value: float, fmt: str = "{:.4g}") -> None:
    print(f"{name}={fmt.format(value)}", flush=True)


def source_database() -> Path:
    path = Path(tempfile.gettempdir()) / f"farm-gui-bench-agentfarm-{STEPS}x{AGENTS}.db"
    if not path.exists():
        t0 = time.perf_counter()
        partial = path.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        write_database(partial, steps=STEPS, agents=AGENTS, nodes=NODES, death_rate=0.005, seed=7)
        partial.rename(path)
        print(f"generated {path} in {time.perf_counter() - t0:.1f} s", flush=True)
    return path


def scrub_window(db: Path, run_id: int, steps: list[int]) -> list[float]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from farm_gui.app import create_main_window

    app = QApplication.instance() or QApplication([])
    window = create_main_window(str(db))
    window.show()

    def wait(condition, timeout=30.0) -> None:
        deadline = time.perf_counter() + timeout
        while not condition():
            app.processEvents()
            if time.perf_counter() > deadline:
                raise TimeoutError
            time.sleep(0.001)

    wait(lambda: window.run_table.table_model.rows)
    window.run_table.select_ids([run_id])
    wait(lambda: window.shown_ids == [run_id] and window.world_view.slider.isEnabled())
    wait(lambda: not window.state.scrub_running)
    times = []
    for step in steps:
        shown = window.world_view.step_label
        t0 = time.perf_counter()
        window.world_view.slider.setValue(step)
        wait(lambda step=step, shown=shown: not window.state.scrub_running
             and f"step {step}," in shown.text())
        times.append((time.perf_counter() - t0) * 1000)
    window.close()
    return times


def main() -> None:
    source = source_database()
    before = sha256_of(source)
    work = Path(tempfile.mkdtemp(prefix="farm-gui-bench-af-"))
    imports, cpus = [], []
    run_id = None
    for k in range(1 if QUICK else 3):
        db = work / f"ws{k}.db"
        store = open_store(db)
        t0, c0 = time.perf_counter(), time.process_time()
        report = import_agentfarm(source, store)
        imports.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
        run_id = report.run_ids[0]
        store.close()
    print(f"imports: {', '.join(f'{t:.2f}' for t in imports)} s, CPU "
          f"{', '.join(f'{t:.2f}' for t in cpus)} s; load average {os.getloadavg()[0]:.1f}", flush=True)
    emit("agentfarm_import_s", statistics.median(imports))
    emit("agentfarm_import_cpu_s", statistics.median(cpus))
    store = open_store(work / "ws0.db", readonly=True)
    rng = np.random.default_rng(3)
    steps = rng.integers(0, STEPS + 1, 30).tolist()
    times = []
    for step in steps:
        t0 = time.perf_counter()
        store.world_state(run_id, step)
        times.append((time.perf_counter() - t0) * 1000)
    store.close()
    emit("agentfarm_scrub_ms_median", statistics.median(times))
    emit("agentfarm_scrub_ms_max", max(times))
    window_times = scrub_window(work / "ws0.db", run_id, steps)
    emit("agentfarm_scrub_window_ms_median", statistics.median(window_times))
    emit("agentfarm_scrub_window_ms_max", max(window_times))
    emit("agentfarm_source_unchanged", float(sha256_of(source) == before), "{:.0f}")


if __name__ == "__main__":
    main()
