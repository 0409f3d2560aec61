"""How long the window's frame waits for a live buffer while a long run fills it.

    python bench/live_buffer.py [--steps 4194304] [--trials 3]

A thread appends the default model's metrics step after step, as a run's worker does,
while the main thread takes a snapshot every 5 ms, as the chart timer does, and times
each wait for the buffer's lock. The buffer doubles as it fills, so a long run reaches
ever bigger copies of its history. Prints name=value figures (medians over the trials):
the longest wait of a snapshot, the appends per second, and the longest single append
(the writer's growth).

To compare with other code, run it with that code first on PYTHONPATH.
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time

from farm_gui.runtime.live_buffer import LiveBuffer, buffer_names


def trial(steps: int) -> dict[str, float]:
    names = buffer_names()
    buffer = LiveBuffer(names)
    row = dict.fromkeys(names, 1.0)
    done = threading.Event()
    slowest_append = [0.0]

    def writer() -> None:
        started = time.perf_counter()
        for step in range(steps):
            row["step"] = step
            before = time.perf_counter()
            buffer.append(row)
            slowest_append[0] = max(slowest_append[0], time.perf_counter() - before)
        slowest_append.append(time.perf_counter() - started)
        done.set()

    thread = threading.Thread(target=writer)
    thread.start()
    waits = []
    while not done.is_set():
        before = time.perf_counter()
        buffer.snapshot()
        waits.append(time.perf_counter() - before)
        time.sleep(0.005)
    thread.join()
    return {"snapshot_wait_max_ms": 1000 * max(waits), "snapshots": len(waits),
            "appends_per_s": steps / slowest_append[1], "append_max_ms": 1000 * slowest_append[0]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1 << 22, help="steps appended per trial")
    parser.add_argument("--trials", type=int, default=3)
    args = parser.parse_args()
    trials = [trial(args.steps) for _ in range(args.trials)]
    print(f"steps={args.steps}")
    print(f"metrics={len(buffer_names())}")
    for key in ("snapshot_wait_max_ms", "append_max_ms", "appends_per_s"):
        values = [t[key] for t in trials]
        print(f"{key}={statistics.median(values):.2f}  # trials: {', '.join(f'{v:.2f}' for v in values)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
