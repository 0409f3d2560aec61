"""Shared helpers of the fault-injection suite: child processes that are always
cleaned up, polling instead of sleeping, raw database checks that do not go
through the code under test, and collectors for unhandled exceptions and
network sockets."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[2]
PYTHON = sys.executable


def child_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["PYTHONUNBUFFERED"] = "1"
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    # Keep children from touching the real user data folder.
    # One folder per xdist worker: the two run at once.
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    tmp = Path(env.get("TMPDIR", "/tmp"))
    env.setdefault("XDG_DATA_HOME", str(tmp / f"farm_gui_reliability_xdg_{worker}"))
    env.update(extra)
    return env


@contextlib.contextmanager
def spawned(args: list[str], *, cwd: str | os.PathLike[str] | None = None,
            env: dict[str, str] | None = None, stderr_path: Path | None = None) -> Iterator[subprocess.Popen]:
    """Start a child in its own process group; on exit it is killed (whole group) and reaped.

    stdout is discarded; stderr goes to ``stderr_path`` (so the test can read the
    progress the child reported) or is discarded.
    """
    err = open(stderr_path, "wb") if stderr_path else subprocess.DEVNULL  # noqa: SIM115
    proc = subprocess.Popen(args, cwd=cwd or REPO, env=env or child_env(), stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=err, start_new_session=True)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=10)
        if stderr_path:
            err.close()  # type: ignore[union-attr]


def wait_until(predicate: Callable[[], Any], timeout: float, interval: float = 0.05,
               what: str = "condition") -> Any:
    """Poll ``predicate`` until it returns a truthy value; raise TimeoutError after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not reached within {timeout:.0f} s")
        time.sleep(interval)


def sha256(path: str | os.PathLike[str]) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def tree_checksums(folder: str | os.PathLike[str]) -> dict[str, str]:
    """Checksum of every file in a folder (a database plus any -wal/-shm files beside it)."""
    return {p.name: sha256(p) for p in sorted(Path(folder).iterdir()) if p.is_file()}


def integrity_check(db: str | os.PathLike[str]) -> str:
    """PRAGMA integrity_check through plain sqlite3 (opening read-write, as the next open
    of the application would, so a hot WAL is recovered)."""
    con = sqlite3.connect(str(db), timeout=30)
    try:
        return ";".join(r[0] for r in con.execute("PRAGMA integrity_check").fetchall())
    finally:
        con.close()


def assert_contiguous(steps: np.ndarray, what: str = "steps") -> int:
    """Steps are exactly 0..k with no gap or duplicate; returns k + 1."""
    steps = np.asarray(steps, dtype=np.int64)
    expected = np.arange(len(steps), dtype=np.int64)
    if not np.array_equal(steps, expected):
        gaps = np.nonzero(steps != expected)[0]
        raise AssertionError(f"{what} not contiguous from 0: first mismatch at index {gaps[0]} "
                             f"(got {steps[gaps[0]]}); {len(steps)} rows")
    return len(steps)


def read_progress(stderr_path: Path) -> list[int]:
    """Integers the child printed on stderr in lines like 'step 123' / 'step=123' / '123/1000'.

    Used only to compare the last reported progress with what reached the database.
    """

    text = stderr_path.read_bytes().decode("utf-8", "replace") if stderr_path.exists() else ""
    found = []
    for m in re.finditer(r"(?:step[ =:]+(\d+))|(?:\b(\d+)\s*/\s*\d+)", text, flags=re.IGNORECASE):
        found.append(int(m.group(1) or m.group(2)))
    return found


# ----- unhandled exceptions ------------------------------------------------------------------
@contextlib.contextmanager
def collect_unhandled() -> Iterator[list[str]]:
    """Install sys.excepthook and threading.excepthook collectors for the duration."""
    errors: list[str] = []
    old_sys, old_thread = sys.excepthook, threading.excepthook

    def on_sys(exc_type, exc, tb):
        errors.append("".join(traceback.format_exception(exc_type, exc, tb)))

    def on_thread(args):
        errors.append(f"thread {args.thread}: " + "".join(
            traceback.format_exception(args.exc_type, args.exc_value, args.exc_traceback)))

    sys.excepthook, threading.excepthook = on_sys, on_thread
    try:
        yield errors
    finally:
        sys.excepthook, threading.excepthook = old_sys, old_thread


# ----- network sockets -----------------------------------------------------------------------
INET_FAMILIES = (socket.AF_INET, socket.AF_INET6)


@contextlib.contextmanager
def forbid_network() -> Iterator[list[str]]:
    """Record and refuse every AF_INET/AF_INET6 socket created from Python.

    Local socketpairs (AF_UNIX) pass: asyncio and Qt use them for wake-ups.
    """
    attempts: list[str] = []
    real_socket, real_create = socket.socket, socket.create_connection

    class GuardedSocket(real_socket):  # type: ignore[misc, valid-type]
        def __init__(self, family=-1, type=-1, proto=-1, fileno=None):  # noqa: A002
            fam = socket.AF_INET if family == -1 and fileno is None else family
            if fam in INET_FAMILIES:
                attempts.append(f"socket({fam!r})\n" + "".join(traceback.format_stack(limit=8)))
                raise OSError("network access is not allowed in this test")
            super().__init__(family, type, proto, fileno)

    def guarded_create(address, *args, **kwargs):
        attempts.append(f"create_connection({address!r})")
        raise OSError("network access is not allowed in this test")

    socket.socket, socket.create_connection = GuardedSocket, guarded_create
    try:
        yield attempts
    finally:
        socket.socket, socket.create_connection = real_socket, real_create


def inet_sockets_of(pid: int) -> list[Any]:
    """Open AF_INET/AF_INET6 sockets of a process (includes sockets made by C++ code)."""
    import psutil

    try:
        return list(psutil.Process(pid).net_connections(kind="inet"))
    except psutil.NoSuchProcess:
        return []


# ----- a child on a pseudo-terminal (so the CLI shows its live progress line) ----------------
_PROGRESS = re.compile(r"(\d+)/(\d+) steps")


class TerminalOutput:
    """Collects what a child writes to its terminal, on a reader thread (so the child
    never blocks on a full pty buffer)."""

    def __init__(self, master_fd: int):
        self._fd = master_fd
        self._chunks: list[bytes] = []
        self._lock = threading.Lock()
        self.progress: tuple[float, int] | None = None  # (monotonic time first seen, steps done)
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        while True:
            try:
                data = os.read(self._fd, 65536)
            except OSError:
                return
            if not data:
                return
            now = time.monotonic()
            found = _PROGRESS.findall(data.decode("utf-8", "replace"))
            with self._lock:
                self._chunks.append(data)
                if found:
                    self.progress = (now, int(found[-1][0]))

    def text(self) -> str:
        with self._lock:
            return b"".join(self._chunks).decode("utf-8", "replace")

    def last_progress(self) -> int | None:
        """The last 'done/total steps' the CLI's progress line showed."""
        with self._lock:
            return self.progress[1] if self.progress else None

    def estimated_progress(self, rate: float, at: float) -> float:
        """Steps done at monotonic time `at`: the last shown value plus `rate` since it
        was shown (an upper estimate: the line is shown at most 0.1 s late)."""
        with self._lock:
            if self.progress is None:
                return 0.0
            seen, value = self.progress
        return value + rate * max(0.0, at - seen)

    def close(self, timeout: float = 5.0) -> None:
        self._thread.join(timeout)
        with contextlib.suppress(OSError):
            os.close(self._fd)


@contextlib.contextmanager
def spawned_on_terminal(args: list[str], env: dict[str, str] | None = None
                        ) -> Iterator[tuple[subprocess.Popen, TerminalOutput]]:
    import pty

    master, slave = pty.openpty()
    proc = subprocess.Popen(args, cwd=REPO, env=env or child_env(), stdin=subprocess.DEVNULL,
                            stdout=slave, stderr=slave, start_new_session=True)
    os.close(slave)
    out = TerminalOutput(master)
    try:
        yield proc, out
    finally:
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=10)
        out.close()
