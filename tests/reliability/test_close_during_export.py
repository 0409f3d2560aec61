"""Closing the window while an export is still reading the workspace.

The cause of the stress child's unclean end (issue 21): the window closed its store
while an export on an I/O thread still read from it. The engine then opened fresh
connections that nobody closed, so the SQLite WAL stayed behind the process and the
export went on writing files after the window had gone. Now the window waits for
its blocking calls before it closes the store, and a closed store refuses to be used."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest
from PySide6.QtWidgets import QFileDialog

from farm_gui.store import StoreError, open_store
from farm_gui.store import export as export_module

from .conftest import GUI_WAIT_MS


def open_files_of(db: Path) -> list[str]:
    """Files of this process that belong to the database (db, -wal, -shm)."""
    names = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith(str(db)):
            names.append(target)
    return names


def test_close_waits_for_a_running_export_and_leaves_no_connection(qtbot, make_gui, workdir, monkeypatch,
                                                                   message_boxes):
    db = workdir / "close.db"
    window = make_gui(db=db, steps=30)
    for _ in range(2):
        before = len(window.registry.runs())
        window.actions.start.trigger()
        qtbot.waitUntil(lambda b=before: len(window.registry.runs()) > b, timeout=GUI_WAIT_MS)
        run = window.registry.runs()[-1]
        qtbot.waitUntil(lambda r=run: r.state == "finished", timeout=GUI_WAIT_MS)
    ids = [r.run_id for r in window.registry.runs()]
    qtbot.waitUntil(lambda: all(window.run_table.table_model.row_of(i) is not None for i in ids),
                    timeout=GUI_WAIT_MS)
    window.run_table.select_ids(ids)

    # The first run's first table is held until the window has begun to close, so the
    # export reads the second run from the store while (or after) the window closes.
    writing = threading.Event()
    real_csv = export_module.WRITERS["csv"]

    def held_csv(frame, path):
        if not writing.is_set():
            writing.set()
            assert _wait_for(lambda: window.state.closing, 60), "the window never began to close"
        real_csv(frame, path)

    monkeypatch.setitem(export_module.WRITERS, "csv", held_csv)
    out = workdir / "out"
    out.mkdir()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(out))
    window.actions.export_csv.trigger()
    qtbot.waitUntil(writing.is_set, timeout=GUI_WAIT_MS)
    store = window.store
    assert window.close()
    assert store.closed
    # The export finished before the store closed: every file of both runs is there.
    assert len(list(out.glob("*_metrics.csv"))) == 2, sorted(p.name for p in out.iterdir())
    assert not list(out.glob("*.tmp*"))
    # No connection is left open: the last close checkpointed and removed the WAL.
    assert open_files_of(db) == []
    assert not Path(f"{db}-wal").exists()
    with pytest.raises(StoreError, match="closed"):
        store.list_runs()
    with open_store(db, readonly=True) as again:
        assert [r.status for r in again.list_runs()] == ["finished", "finished"]


def _wait_for(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)  # polling a condition set by the GUI thread, not waiting a fixed time
    return True
