"""A measuring hook for start-up: with ``FARM_GUI_STARTUP_PROBE=FILE`` in the environment,
the application writes one JSON object to FILE once its window is shown and its workspace
listed, then closes. bench/startup.py and scripts/test_package.sh use it to time the start
of ``make run`` and of the packaged build the same way, and to check what the window shows.

The JSON: ``shown_s`` (seconds from ``FARM_GUI_STARTUP_T0``, a ``time.time()`` taken by the
caller just before starting the process, or else from the process's creation), ``listed_s``
(the run list loaded too), ``workspace`` (the open database), ``runs`` (rows in the run
table), ``icon`` (the window has an icon) and ``title``."""

from __future__ import annotations

import json
import os
import time

from PySide6.QtCore import QTimer

from farm_gui.runtime.aio import spawn

ENV_FILE = "FARM_GUI_STARTUP_PROBE"
ENV_T0 = "FARM_GUI_STARTUP_T0"


def _t0() -> float:
    value = os.environ.get(ENV_T0)
    if value:
        try:
            return float(value)
        except ValueError:
            pass
    import psutil

    return psutil.Process().create_time()


def watch(window) -> None:
    """Arm the probe for ``window`` (just shown) when the environment asks for it."""
    out = os.environ.get(ENV_FILE)
    if not out:
        return
    t0 = _t0()

    def shown() -> None:
        shown_s = time.time() - t0
        spawn(_finish(window, out, t0, shown_s))

    QTimer.singleShot(0, shown)


async def _finish(window, out: str, t0: float, shown_s: float) -> None:
    try:
        await window.runs.refresh_runs_async()
    finally:
        result = {
            "shown_s": round(shown_s, 4),
            "listed_s": round(time.time() - t0, 4),
            "workspace": window.state.store.url if window.state.store is not None else None,
            "runs": len(window.run_table.table_model.rows),
            "icon": not window.windowIcon().isNull(),
            "title": window.windowTitle(),
        }
        tmp = f"{out}.tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(result, fh)
        os.replace(tmp, out)
        window.close()
