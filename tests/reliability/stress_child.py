"""The stress scenario in a process of its own (a crash or a deadlock then fails one
test instead of taking the whole pytest session down).

    python tests/reliability/stress_child.py WORKDIR SEED N_ACTIONS BUDGET_S [--prior-window]

Prints one line "RESULT <json>" (figures, run statuses, analyses, dialogs and
unhandled exceptions). A hang dumps every thread's stack and exits (faulthandler).
"""

from __future__ import annotations

import faulthandler
import json
import os
import sys
from pathlib import Path

HANG_DUMP_S = 260  # below the test's 280 s timeout: a hang dumps every thread's stack


def _use_and_close_a_window(workdir: Path, create_main_window) -> None:
    """What a test session (or a second workspace window) does before: one window
    used for a short run, closed and deleted."""
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication

    from tests.reliability.long_run import long_run_in_window

    window = create_main_window(str(workdir / "prior.db"))
    window.resize(1200, 800)
    window.show()
    long_run_in_window(window, 5000, timeout_s=120, warmup_steps=0)
    window.close()
    window.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    QApplication.processEvents()


def _points_into(link: str, db: Path) -> bool:
    try:
        return os.readlink(link).startswith(str(db))
    except OSError:
        return False


def main() -> int:
    workdir, seed = Path(sys.argv[1]), int(sys.argv[2])
    n_actions, budget = int(sys.argv[3]), float(sys.argv[4])
    faulthandler.enable()
    faulthandler.dump_traceback_later(HANG_DUMP_S, exit=True)
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    os.environ["FARM_GUI_SETTINGS"] = str(workdir / "settings.ini")
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

    from PySide6.QtCore import QSettings

    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(workdir / "qsettings"))
    from farm_gui.app import create_main_window, ensure_app
    from tests.reliability.stress import Stress, record_dialogs
    from tests.reliability.support import collect_unhandled

    ensure_app()
    if "--prior-window" in sys.argv:
        _use_and_close_a_window(workdir, create_main_window)
    db = workdir / "stress.db"
    window = create_main_window(str(db))
    window.resize(1200, 800)
    window.show()
    stress = Stress(window, db, workdir / "exports", seed=seed, n_runs=8, n_analyses=4, n_actions=n_actions,
                    budget_s=budget)
    restore = record_dialogs(stress.report)
    try:
        with collect_unhandled() as errors:
            report = stress.run()
            window.close()
    finally:
        restore()
    # A closed window leaves no connection to its database behind (one left open by an
    # export still going at close kept the WAL and outlived the window: issue 21).
    left_open = [os.readlink(f"/proc/self/fd/{fd}") for fd in os.listdir("/proc/self/fd")
                 if _points_into(f"/proc/self/fd/{fd}", db)]
    stress.check_database()
    result = {"figures": report.figures(), "actions": dict(report.actions), "runs": report.runs,
              "analyses": report.analyses, "dialogs": report.dialogs, "stuck": report.stuck,
              "errors": errors, "left_open": left_open}
    print("RESULT " + json.dumps(result, default=str), flush=True)
    faulthandler.cancel_dump_traceback_later()
    return 0


if __name__ == "__main__":
    sys.exit(main())
