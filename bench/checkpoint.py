"""Checkpoint benchmarks: prints name=value lines (medians of several repeats).

    checkpoint_capture_100k_s        save_state() of the 100k preset: what the simulation thread waits
    checkpoint_write_100k_s          capture + encode (zstd1) + commit in the workspace (target <= 1 s)
    checkpoint_load_100k_s           read + decode + restore a model ready to step (target <= 1 s)
    checkpoint_bytes_100k            size of one stored checkpoint
    store_overhead_ratio_1k_ckpt_default   engine + store / engine alone, 1k preset, 1000 steps, with the
                                           default checkpoint interval (target <= 1.15, as bench/store.py)
    store_overhead_ratio_1k_ckpt_100       the same with a checkpoint every 100 steps
    store_overhead_ratio_1k_ckpt_off       the same with checkpoint_every 0 (only start and end)

Run: .venv/bin/python bench/checkpoint.py [--quick]
"""

from __future__ import annotations

import gc
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert

from farm_gui.config import preset
from farm_gui.sim import build_model, restore_model
from farm_gui.store import open_store
from farm_gui.store.checkpoint_format import FORMAT_VERSION, encode_state
from farm_gui.store.records import utcnow
from farm_gui.store.schema import checkpoints

sys.path.insert(0, str(Path(__file__).resolve().parent))
from store import engine_alone, engine_and_store  # noqa: E402  (bench/store.py)

QUICK = "--quick" in sys.argv


def emit(name: str, value: float, fmt: str = "{:.4g}") -> None:
    print(f"{name}={fmt.format(value)}", flush=True)


def bench_100k(folder: Path) -> None:
    config = preset("100k").model_copy(update={"simulation_steps": 1000})
    model = build_model(config)
    for _ in range(2 if QUICK else 5):
        model.step()
    captures, writes, loads = [], [], []
    with open_store(folder / "ckpt100k.db") as store:
        for _ in range(3 if QUICK else 7):
            run_id = store.create_run(config)  # one checkpoint row per run and step
            gc.collect()
            t0 = time.perf_counter()
            state = model.save_state()
            t1 = time.perf_counter()
            blob = encode_state(state)
            with store.engine.begin() as conn:
                conn.execute(insert(checkpoints).values(
                    run_id=run_id, step=model.step_index, format_version=FORMAT_VERSION, engine="foraging",
                    size=len(blob), data=blob, created_at=utcnow()))
            t2 = time.perf_counter()
            captures.append(t1 - t0)
            writes.append(t2 - t0)
            gc.collect()
            t3 = time.perf_counter()
            _step, loaded = store.load_checkpoint(run_id)
            restored = restore_model(config, loaded)
            loads.append(time.perf_counter() - t3)
            assert restored.step_index == model.step_index
    emit("checkpoint_capture_100k_s", statistics.median(captures))
    emit("checkpoint_write_100k_s", statistics.median(writes))
    emit("checkpoint_load_100k_s", statistics.median(loads))
    emit("checkpoint_bytes_100k", len(blob), "{:.0f}")


def bench_overhead(folder: Path) -> None:
    steps = 300 if QUICK else 1000
    base = preset("1k").model_copy(update={"simulation_steps": steps, "snapshot_every": 10})
    engine_alone(base)
    for label, every in (("default", base.checkpoint_every), ("100", 100), ("off", 0)):
        config = base.model_copy(update={"checkpoint_every": every})
        ratios = []
        with open_store(folder / f"overhead_{label}.db") as store:
            engine_and_store(store, config, "zstd1")
            for pair in range(3 if QUICK else 11):
                gc.collect()
                if pair % 2:
                    s_wall, _ = engine_and_store(store, config, "zstd1")
                    a_wall, _ = engine_alone(config)
                else:
                    a_wall, _ = engine_alone(config)
                    s_wall, _ = engine_and_store(store, config, "zstd1")
                ratios.append(s_wall / a_wall)
        emit(f"store_overhead_ratio_1k_ckpt_{label}", statistics.median(ratios), "{:.3f}")


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="farm-gui-bench-") as tmp:
        bench_100k(Path(tmp))
        bench_overhead(Path(tmp))
    return 0


if __name__ == "__main__":
    sys.exit(main())
