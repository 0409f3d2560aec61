"""Start-up time of the packaged build against `make run`, side by side.

    QT_QPA_PLATFORM=offscreen python bench/startup.py [--trials 5] [--package dist/farm-gui]

Each trial starts `python main.py` (what `make run` runs) and the packaged `farm-gui`
alternately, offscreen, each on an empty default workspace of its own (XDG_DATA_HOME in a
temporary folder) and fresh settings, and times from just before the process is started
to the window being shown (and the run list loaded), as the application's start-up probe
reports it (farm_gui/ui/startup_probe.py). One untimed start of each comes first (disk
caches). Prints name=value figures: medians, because a shared machine is noisy.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def start_once(command: list[str], scratch: Path, cwd: Path) -> dict:
    probe = scratch / "probe.json"
    probe.unlink(missing_ok=True)
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen"),
           "XDG_DATA_HOME": str(scratch / "share"), "FARM_GUI_SETTINGS": str(scratch / "settings.ini"),
           "FARM_GUI_STARTUP_PROBE": str(probe)}
    env["FARM_GUI_STARTUP_T0"] = repr(time.time())
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    total = time.perf_counter() - started
    if done.returncode != 0 or not probe.is_file():
        raise SystemExit(f"{command[0]} failed ({done.returncode}): {done.stderr[-2000:]}")
    result = json.loads(probe.read_text())
    result["exit_s"] = total
    return result


def du_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink()) / 2**20


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=5)
    parser.add_argument("--package", type=Path, default=ROOT / "dist" / "farm-gui",
                        help="the unpacked application folder (default dist/farm-gui)")
    args = parser.parse_args()
    exe = args.package / "farm-gui"
    if not exe.is_file():
        print(f"no packaged build at {exe}: run `make package` first", file=sys.stderr)
        return 2
    variants = {
        "make_run": ([sys.executable, str(ROOT / "main.py")], ROOT),
        "package": ([str(exe)], args.package),
    }
    times: dict[str, list[float]] = {name: [] for name in variants}
    listed: dict[str, list[float]] = {name: [] for name in variants}
    with tempfile.TemporaryDirectory(prefix="farm-gui-startup-") as tmp:
        scratch = {name: Path(tmp) / name for name in variants}
        for name, (command, cwd) in variants.items():  # untimed: creates the workspace, warms disk caches
            scratch[name].mkdir()
            start_once(command, scratch[name], cwd)
        for _ in range(args.trials):
            for name, (command, cwd) in variants.items():
                result = start_once(command, scratch[name], cwd)
                times[name].append(result["shown_s"])
                listed[name].append(result["listed_s"])
    for name in variants:
        print(f"startup_{name}_shown_s_median={statistics.median(times[name]):.2f}")
        print(f"startup_{name}_listed_s_median={statistics.median(listed[name]):.2f}")
        print(f"startup_{name}_shown_s_all={','.join(f'{t:.2f}' for t in times[name])}")
    ratio = statistics.median(times["package"]) / statistics.median(times["make_run"])
    print(f"startup_package_over_make_run={ratio:.2f}")
    print(f"package_unpacked_mb={du_mb(args.package):.0f}")
    archives = sorted(args.package.parent.glob("farm-gui-*-linux-*.tar.gz"))
    if archives:
        print(f"package_archive_mb={archives[-1].stat().st_size / 2**20:.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
