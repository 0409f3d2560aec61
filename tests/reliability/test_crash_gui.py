"""kill -9, SIGTERM, SIGINT and closing the window of the GUI process mid-run.

The child (gui_child.py) is the real application (farm_gui.app.main) started
offscreen on a test database with one long run started through action_start; it
reports its progress with monotonic timestamps on stderr."""

from __future__ import annotations

import os
import re
import signal
import time
from pathlib import Path

import pytest

from farm_gui.store import open_store

from .db_checks import check_run_intact, committed_step_count
from .support import PYTHON, child_env, inet_sockets_of, spawned, wait_until

GUI_CHILD = Path(__file__).with_name("gui_child.py")
GUI_START_TIMEOUT = 120.0


class ChildLog:
    def __init__(self, path: Path):
        self.path = path

    def text(self) -> str:
        return self.path.read_bytes().decode("utf-8", "replace") if self.path.exists() else ""

    def steps(self) -> list[tuple[int, float]]:
        return [(int(n), float(t)) for n, t in re.findall(r"^step (\d+) ([\d.]+)$", self.text(), re.M)]

    def last_step(self) -> int:
        steps = self.steps()
        return steps[-1][0] if steps else 0

    def rate(self) -> float:
        """Steps per second over the last ~second of reports."""
        steps = self.steps()
        if len(steps) < 2:
            return 1.0
        n1, t1 = steps[-1]
        n0, t0 = next(((n, t) for n, t in reversed(steps) if t1 - t >= 1.0), steps[0])
        return max(1.0, (n1 - n0) / max(1e-3, t1 - t0))

    def estimated_progress(self, at: float) -> float:
        steps = self.steps()
        if not steps:
            return 0.0
        n, t = steps[-1]
        return n + self.rate() * max(0.0, at - t)

    def marker(self, word: str) -> float | None:
        m = re.search(rf"^{word}.* ([\d.]+)$", self.text(), re.M)
        return float(m.group(1)) if m else None


def gui_env(workdir: Path) -> dict[str, str]:
    return child_env(FARM_GUI_SETTINGS=str(workdir / "settings.ini"),
                     XDG_STATE_HOME=str(workdir / "state"), XDG_DATA_HOME=str(workdir / "data"))


def _start_gui(workdir: Path, db: Path, mode: str, steps: int = 5_000_000):
    log = ChildLog(workdir / f"gui_{mode.replace(':', '_')}.log")
    ctx = spawned([PYTHON, str(GUI_CHILD), str(db), mode, str(steps)], env=gui_env(workdir),
                  stderr_path=log.path)
    return ctx, log


def _wait_running(proc, log: ChildLog, db: Path, min_steps: int = 1500) -> None:
    try:
        wait_until(lambda: proc.poll() is not None or (log.last_step() >= min_steps
                                                       and committed_step_count(db, 1) > 0),
                   GUI_START_TIMEOUT, what="the GUI run to start committing")
    except TimeoutError:
        pytest.fail(f"GUI run did not start; log: {log.text()[-3000:]}")
    assert proc.poll() is None, f"GUI exited early ({proc.returncode}): {log.text()[-3000:]}"


def kill9_gui_trial(workdir: Path, seed: int = 0) -> dict:
    """kill -9 of the window's process. Its run goes on in a process of its own
    (runtime/run_process.py), which sees the window's end (its command pipe closes),
    stops the run and records every step made: the trial waits for that."""
    db = workdir / "gui.db"
    ctx, log = _start_gui(workdir, db, "run")
    with ctx as proc:
        _wait_running(proc, log, db)
        time.sleep(0.1 + (seed % 5) * 0.1)
        killed_at = time.monotonic()
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    reported = log.estimated_progress(killed_at)
    rate = log.rate()
    store = open_store(db)
    try:
        wait_until(lambda: store.get_run(1).status not in ("running", "paused"), 30, interval=0.05,
                   what="the run's process to record the run's end")
        status = store.get_run(1).status
        committed = check_run_intact(db, store, 1)
    finally:
        store.close()
    lost = max(0, round(reported - committed))
    return {"status": status, "reported": round(reported), "committed": committed, "lost": lost,
            "rate": rate, "lost_seconds": lost / rate}


def test_kill9_of_the_window_leaves_its_run_stopped_with_every_step_recorded(workdir):
    """The run's process stops the run once the window is gone: it reads as stopped, its
    steps are contiguous from 0, the runs row claims exactly the steps stored
    (check_run_intact), and nothing the window had shown is missing."""
    trial = kill9_gui_trial(workdir)
    print("kill -9 GUI:", trial)
    assert trial["status"] == "stopped"
    assert trial["committed"] > 0 and trial["lost"] == 0


def _assert_stopped_cleanly(db: Path, log: ChildLog, reported: int) -> None:
    text = log.text()
    assert "Traceback" not in text and "Fatal" not in text, text[-3000:]
    store = open_store(db)
    try:
        info = store.get_run(1)
        committed = check_run_intact(db, store, 1)
    finally:
        store.close()
    assert info.status == "stopped", info
    assert committed >= reported, (committed, reported)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_stops_gui_run_with_everything_flushed(workdir, signum):
    db = workdir / "gui.db"
    ctx, log = _start_gui(workdir, db, "run")
    with ctx as proc:
        _wait_running(proc, log, db)
        reported = log.last_step()
        t0 = time.monotonic()
        os.kill(proc.pid, signum)
        wait_until(lambda: proc.poll() is not None, 30, interval=0.01, what="GUI exit after the signal")
        took = time.monotonic() - t0
    print(f"GUI {signal.Signals(signum).name}: exit {proc.returncode} after {took:.2f} s")
    assert proc.returncode >= 0, f"GUI died from signal {-proc.returncode}"
    assert proc.returncode != 139
    _assert_stopped_cleanly(db, log, reported)


def test_closing_the_window_mid_run_stops_with_everything_flushed(workdir):
    """Also the GUI half of the network check: while the window runs, the process has
    no AF_INET/AF_INET6 socket (psutil sees sockets made by Qt's C++ code too) and the
    audit hook saw none created from Python."""
    db = workdir / "gui.db"
    ctx, log = _start_gui(workdir, db, "close:1500")
    sockets: list = []
    with ctx as proc:

        def exited() -> bool:
            sockets.extend(inet_sockets_of(proc.pid))
            return proc.poll() is not None

        try:
            wait_until(exited, GUI_START_TIMEOUT + 30, interval=0.2, what="GUI exit after close")
        except TimeoutError:
            pytest.fail(f"GUI did not exit after closing; log: {log.text()[-3000:]}")
    assert sockets == [], sockets
    assert not re.search(r"^inet ", log.text(), re.M), log.text()[-3000:]
    closing, closed = log.marker("closing at step"), log.marker("closed")
    assert closing is not None and closed is not None, log.text()[-3000:]
    reported = int(re.search(r"closing at step (\d+)", log.text()).group(1))
    print(f"GUI close: window closed {closed - closing:.2f} s after close(); exit {proc.returncode}")
    assert proc.returncode == 0
    assert closed >= closing
    _assert_stopped_cleanly(db, log, reported)
