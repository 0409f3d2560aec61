"""Reliability benchmark: fault injection at a larger scale than the test suite.
Prints name=value lines:

    kill9_trials / kill9_passed           kill -9 of headless (CLI) and GUI runs; passed = database intact,
                                          steps contiguous, run shown as interrupted, <= 1 s of steps lost
    steps_lost_max / lost_seconds_max     worst loss over the trials (steps, and seconds at the run's rate)
    bad_inputs_tried / bad_inputs_handled bad config files (CLI and loader), bad database files (read-write
                                          and read-only open), hostile export names; handled = clear
                                          message naming the file, nothing changed, nothing executed
    stress_*                              seeded stress: 8 runs + 4 analyses under random UI actions
    deadlocks                             runs or analyses that did not reach a final state (target 0)
    long_run_*                            one long default-preset run in the window: RSS at start / middle /
                                          end and chart refresh time (target growth <= 200 MB at 1,000,000
                                          steps; scaled down unless --long-steps 1000000 is given)

Run: QT_QPA_PLATFORM=offscreen .venv/bin/python bench/reliability.py [--quick] [--long-steps N]
"""

from __future__ import annotations

import argparse
import faulthandler
import logging
import os
import signal
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def emit(name: str, value) -> None:
    print(f"{name}={value}", flush=True)


# ----- kill -9 ---------------------------------------------------------------------------------
def kill9_trials(root: Path, headless: int, gui: int) -> None:
    from tests.reliability.test_crash_gui import kill9_gui_trial
    from tests.reliability.test_crash_headless import kill9_headless_trial

    results = []
    for i in range(headless + gui):
        folder = root / f"kill_{i}"
        folder.mkdir()
        try:
            if i < headless:  # every other trial on the 1k preset: larger transactions and snapshots
                big = i % 2 == 1
                trial = kill9_headless_trial(folder / "runs.db", seed=i, preset="1k" if big else "default",
                                             snapshot_every=10 if big else 50)
            else:
                trial = kill9_gui_trial(folder, seed=i)
            # a killed CLI leaves its run interrupted; a killed window's run is stopped and
            # recorded by its own process (runtime/run_process.py)
            ended = "interrupted" if i < headless else "stopped"
            ok = trial["status"] == ended and trial["committed"] > 0 and trial["lost_seconds"] <= 1.0
        except Exception as err:  # a failed trial is a figure, not a crash of the bench
            trial, ok = {"error": f"{type(err).__name__}: {err}", "lost": -1, "lost_seconds": -1}, False
        kind = "headless" if i < headless else "gui"
        print(f"# kill -9 {kind} trial {i}: {trial}", flush=True)
        results.append((ok, trial))
    emit("kill9_trials", len(results))
    emit("kill9_passed", sum(ok for ok, _ in results))
    emit("steps_lost_max", max(t["lost"] for _, t in results))
    emit("lost_seconds_max", round(max(t["lost_seconds"] for _, t in results), 3))


# ----- bad input -------------------------------------------------------------------------------
def bad_inputs(root: Path) -> None:
    import contextlib
    import io

    from farm_gui import cli
    from farm_gui.config import ConfigError, load_yaml
    from farm_gui.store import StoreError, open_store
    from farm_gui.store.export import export_runs
    from tests.reliability import bad_inputs as corpus
    from tests.reliability.support import tree_checksums
    from tests.reliability.test_bad_database import _cases, make_valid_store
    from tests.reliability.test_exports import HOSTILE_NAMES

    tried = handled = 0
    cfg_dir = root / "configs"
    cfg_dir.mkdir()
    os.environ["XDG_STATE_HOME"] = str(root / "state")
    for case, path in corpus.write_bad_configs(cfg_dir):
        for via in ("loader", "cli"):
            tried += 1
            if via == "loader":
                try:
                    load_yaml(path)
                    ok = False
                except ConfigError as err:
                    ok = str(path) in str(err) and case.field in str(err)
            else:
                err_text = io.StringIO()
                with contextlib.redirect_stderr(err_text), contextlib.redirect_stdout(io.StringIO()):
                    code = cli.main(["run", "--config", str(path), "--db", str(root / "never.db"), "--quiet"])
                text = err_text.getvalue()
                ok = code == 2 and str(path) in text and case.field in text and "Traceback" not in text
            handled += ok
    handled -= (cfg_dir / corpus.PWNED_NAME).exists() * tried  # any code execution fails them all

    valid_dir, bad_dir = root / "valid", root / "bad"
    valid_dir.mkdir()
    bad_dir.mkdir()
    valid = make_valid_store(valid_dir)
    for label, (path, word) in _cases(valid, bad_dir).items():
        for readonly in (False, True):
            tried += 1
            before = tree_checksums(bad_dir)
            try:
                open_store(path, readonly=readonly).close()
                ok = False
            except StoreError as err:
                after = tree_checksums(bad_dir)
                ok = (str(path) in str(err) and word in str(err).lower()
                      and all(after.get(n) == v for n, v in before.items()))
            if not ok:
                print(f"# bad database not handled: {label} readonly={readonly}", flush=True)
            handled += ok

    from farm_gui.config import RunConfig
    from farm_gui.runtime.session import RunSession

    store = open_store(root / "names.db")
    out = root / "exports"
    for name in HOSTILE_NAMES:
        tried += 1
        run_id = store.create_run(RunConfig(simulation_steps=5), name=name or None)
        RunSession(store, run_id, RunConfig(simulation_steps=5)).run()
        paths = export_runs(store, [run_id], out, "csv")
        handled += all(p.resolve().parent == out.resolve() for p in paths)
    store.close()
    emit("bad_inputs_tried", tried)
    emit("bad_inputs_handled", handled)


# ----- the window: stress and the long run ----------------------------------------------------------
def make_window(db: Path):
    from farm_gui.app import create_main_window

    window = create_main_window(str(db))
    window.resize(1200, 800)
    window.show()
    return window


def close_window(window) -> None:
    from tests.reliability.stress import pump_until

    window.close()
    pump_until(lambda: False, 0.2)
    window.deleteLater()
    pump_until(lambda: False, 0.2)


def stress(root: Path, actions: int, budget_s: float) -> None:
    from tests.reliability.stress import Stress, record_dialogs
    from tests.reliability.support import collect_unhandled

    db = root / "stress.db"
    window = make_window(db)
    run = Stress(window, db, root / "stress_exports", seed=7, n_runs=8, n_analyses=4, n_actions=actions,
                 budget_s=budget_s)
    restore = record_dialogs(run.report)
    try:
        with collect_unhandled() as errors:
            report = run.run()
    finally:
        restore()
        close_window(window)
    run.check_database()
    print("# run statuses:", run.report.runs, flush=True)
    for name, value in report.figures().items():
        emit(name, value)
    emit("stress_unhandled_exceptions", len(errors))
    bad_final = sum(1 for status, _ in report.runs.values() if status not in ("finished", "stopped"))
    emit("stress_runs_not_terminal", bad_final)


def long_run(root: Path, steps: int) -> None:
    from tests.reliability.long_run import long_run_in_window

    window = make_window(root / "long.db")
    try:
        report = long_run_in_window(window, steps, timeout_s=3600)
    finally:
        close_window(window)
    figures = report.figures()
    for name, value in figures.items():
        emit(name, value)
    growth = figures["long_run_rss_growth_mb"]
    emit("long_run_rss_growth_mb_per_1m_steps", round(growth * 1_000_000 / max(1, report.steps), 1))
    emit("long_run_status", report.status)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer trials, shorter stress and long run")
    parser.add_argument("--long-steps", type=int, default=None,
                        help="steps of the long run (default 200,000; 1,000,000 is the full target)")
    args = parser.parse_args()
    faulthandler.register(signal.SIGUSR1)  # `kill -USR1 PID` prints every thread's stack (hang diagnosis)
    long_steps = args.long_steps or (50_000 if args.quick else 200_000)

    logging.basicConfig(level=logging.CRITICAL)
    from PySide6.QtCore import QSettings

    from farm_gui.app import ensure_app

    with tempfile.TemporaryDirectory(prefix="farm_gui_reliability_") as tmp:
        root = Path(tmp)
        os.environ["FARM_GUI_SETTINGS"] = str(root / "settings.ini")
        os.environ["XDG_DATA_HOME"] = str(root / "xdg_data")
        QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(root / "qsettings"))
        ensure_app()
        t0 = time.monotonic()
        (root / "bad_inputs").mkdir()
        bad_inputs(root / "bad_inputs")
        kill9_trials(root, headless=1 if args.quick else 3, gui=1 if args.quick else 2)
        stress(root, actions=150 if args.quick else 400, budget_s=25 if args.quick else 60)
        long_run(root, long_steps)
        emit("reliability_bench_seconds", round(time.monotonic() - t0, 1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
