"""Run the test suite N times with the other core kept busy; print `runs=N failures=K`.

    python scripts/repeat_tests.py [--runs 20] [--busy 1] [--make] [PYTEST ARGS...]

By default each run is `python -m pytest -q -p no:cacheprovider` (the suite of
`make test`, without its lint and install steps); --make runs `make test` itself.
Extra arguments go to pytest, e.g. a few timing-sensitive files in a loop:

    python scripts/repeat_tests.py --runs 10 tests/reliability/test_stress.py

--busy N starts N processes that spin on a core for the whole time (the target of
issue 21: 20 runs on this 2-core machine with the other core busy, no failure). The
output of each failed run is kept in --logs (default /tmp/farm_gui_repeat).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def spin() -> None:
    os.nice(5)  # busy, but not ahead of the suite's own threads
    while True:
        pass


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--busy", type=int, default=1, help="processes spinning on a core meanwhile")
    parser.add_argument("--make", action="store_true", help="run `make test` instead of pytest")
    parser.add_argument("--logs", type=Path, default=Path("/tmp/farm_gui_repeat"))
    args, pytest_args = parser.parse_known_args()
    args.logs.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    command = ["make", "test"] if args.make else \
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *pytest_args]
    spinners = [multiprocessing.Process(target=spin, daemon=True) for _ in range(args.busy)]
    for p in spinners:
        p.start()
    failures, seconds = 0, []
    try:
        for i in range(1, args.runs + 1):
            t0 = time.monotonic()
            done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True)
            seconds.append(time.monotonic() - t0)
            last = (done.stdout.strip().splitlines() or ["(no output)"])[-1]
            if done.returncode != 0:
                failures += 1
                log = args.logs / f"run{i:02d}.log"
                log.write_text(done.stdout + "\n--- stderr ---\n" + done.stderr)
                print(f"# run {i}: FAILED ({seconds[-1]:.0f} s): {last}  [{log}]", flush=True)
                for line in done.stdout.splitlines():
                    if line.startswith(("FAILED ", "ERROR ")):
                        print(f"#   {line[:200]}", flush=True)
            else:
                print(f"# run {i}: ok ({seconds[-1]:.0f} s): {last}", flush=True)
    finally:
        for p in spinners:
            p.terminate()
    print(f"runs={args.runs} failures={failures}")
    if seconds:
        print(f"run_seconds_median={sorted(seconds)[len(seconds) // 2]:.0f}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
