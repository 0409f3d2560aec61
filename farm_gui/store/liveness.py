"""Is the process that was writing a run still there? Used to turn runs left
"running" or "paused" by a crashed or killed process into "interrupted"."""

from __future__ import annotations

import os
import socket
from datetime import datetime

import psutil

HOST = socket.gethostname()
# The writer refreshes its heartbeat at every commit and every HEARTBEAT_S while idle
# (paused, or a very slow step); a heartbeat older than STALE_AFTER_S means it is gone.
HEARTBEAT_S = 5.0
STALE_AFTER_S = 60.0


def this_writer() -> tuple[int, str]:
    return os.getpid(), HOST


def writer_gone(pid: int | None, host: str | None, heartbeat: datetime | None, now: datetime) -> bool:
    if host == HOST and pid is not None and not psutil.pid_exists(pid):
        return True
    if heartbeat is None:
        return True
    return (now - heartbeat).total_seconds() > STALE_AFTER_S
