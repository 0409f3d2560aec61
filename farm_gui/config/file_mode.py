"""The permissions a new file of the user's should get (no Qt)."""

from __future__ import annotations

import contextlib
import os
import threading

_lock = threading.Lock()


def default_file_mode() -> int:
    """0o666 less the process's umask, as ``open()`` would create a file. Files written
    to a temporary name first (mkstemp makes them 0600) and renamed are given this mode,
    so that an export is readable by whoever the user's umask lets read their files."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return 0o666 & ~int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    with _lock:  # elsewhere the umask can only be read by setting it
        mask = os.umask(0o022)
        os.umask(mask)
    return 0o666 & ~mask


def give_default_mode(path: str | os.PathLike[str]) -> None:
    """chmod ``path`` to ``default_file_mode()`` (errors ignored: the file is written)."""
    with contextlib.suppress(OSError):
        os.chmod(path, default_file_mode())
