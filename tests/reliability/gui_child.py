"""A GUI process for the crash and shutdown tests (run as a script, offscreen).

    python tests/reliability/gui_child.py DB MODE [STEPS]

It starts the real application (farm_gui.app.main, so its own signal and close
handling is what gets tested) on DB, starts one run of STEPS steps through the
window's action_start, and writes to stderr:

    step N T      twenty times a second: steps done by the newest run at monotonic time T
    inet ...      any AF_INET/AF_INET6 socket the process creates (audit hook)
    closing at step N T / closed T / exit CODE T

MODE: "run" (run until killed or signalled) or "close:N" (close the window once
N steps are done, as a user would).
"""

from __future__ import annotations

import socket
import sys
import time


def _audit(event: str, args: tuple) -> None:
    if event == "socket.__new__" and len(args) > 1 and args[1] in (socket.AF_INET, socket.AF_INET6):
        sys.stderr.write(f"inet {event} {args[1:]!r}\n")
    elif event in ("socket.connect", "socket.bind") and len(args) > 1 and isinstance(args[1], tuple):
        sys.stderr.write(f"inet {event} {args[1]!r}\n")


def main() -> int:
    sys.addaudithook(_audit)
    db, mode = sys.argv[1], sys.argv[2]
    steps = int(sys.argv[3]) if len(sys.argv) > 3 else 5_000_000
    close_after = int(mode.split(":", 1)[1]) if mode.startswith("close:") else None

    from PySide6.QtCore import QTimer
    from PySide6.QtGui import QAction

    import farm_gui.app as app

    real_create = app.create_main_window
    keep: list = []

    def create(_db_url=None):
        window = real_create(db)
        window.config_form.set_value("simulation_steps", steps)
        window.config_form.set_value("snapshot_every", 50)
        state = {"closing_at": None}

        def report() -> None:
            runs = window.registry.runs()
            n = len(runs[-1].buffer) if runs else 0
            sys.stderr.write(f"step {n} {time.monotonic():.4f}\n")
            sys.stderr.flush()
            if close_after is not None and n >= close_after and state["closing_at"] is None:
                state["closing_at"] = time.monotonic()
                sys.stderr.write(f"closing at step {n} {state['closing_at']:.4f}\n")
                window.close()

        timer = QTimer(window)
        timer.timeout.connect(report)
        timer.start(50)
        keep.append(timer)
        start = window.findChild(QAction, "action_start")
        QTimer.singleShot(300, start.trigger)
        app.ensure_app().lastWindowClosed.connect(
            lambda: sys.stderr.write(f"closed {time.monotonic():.4f}\n"))
        return window

    app.create_main_window = create
    code = app.main([sys.argv[0]])
    sys.stderr.write(f"exit {code} {time.monotonic():.4f}\n")
    sys.stderr.flush()
    return code


if __name__ == "__main__":
    sys.exit(main())
