"""Opening bad database files through open_store: each gives a clear StoreError that
names the file, and no file in its folder changes (not even a new -wal or -shm)."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

import pytest

from farm_gui.config import RunConfig
from farm_gui.runtime.session import RunSession
from farm_gui.store import StoreError, open_store
from farm_gui.store import backend as store_backend

from . import bad_inputs
from .support import tree_checksums


def make_valid_store(folder: Path, steps: int = 60) -> Path:
    db = folder / "valid.db"
    store = open_store(db)
    config = RunConfig(simulation_steps=steps)
    run_id = store.create_run(config, name="valid")
    assert RunSession(store, run_id, config).run() == "finished"
    store.close()
    assert not Path(f"{db}-wal").exists() or Path(f"{db}-wal").stat().st_size == 0
    return db


@pytest.fixture(scope="module")
def valid_db(tmp_path_factory) -> Path:
    return make_valid_store(tmp_path_factory.mktemp("valid"))


def newer_schema(valid: Path, folder: Path) -> Path:
    p = bad_inputs.copy_of(valid, folder, "newer.db")
    con = sqlite3.connect(p)
    con.execute("UPDATE schema_info SET value = '99' WHERE key = 'schema_version'")
    con.commit()
    con.close()
    return p


def _cases(valid: Path, folder: Path) -> dict[str, tuple[Path, str]]:
    """label -> (file, a word the message must contain)."""
    cases = {
        "not a database": (bad_inputs.not_a_database(folder), "not a database"),
        "another application's schema": (bad_inputs.other_application(folder), "another application"),
        "newer schema version": (newer_schema(valid, folder), "newer"),
    }
    for label, maker in bad_inputs.DERIVED_DATABASES.items():
        cases[label] = (maker(valid, folder), "damaged")
    return cases


CASE_LABELS = ["not a database", "another application's schema", "newer schema version",
               *bad_inputs.DERIVED_DATABASES]


@pytest.mark.parametrize("label", CASE_LABELS)
@pytest.mark.parametrize("readonly", [False, True], ids=["read-write", "read-only"])
def test_bad_database_is_refused_and_left_unchanged(valid_db, tmp_path, label, readonly):
    folder = tmp_path / label.replace(" ", "_").replace("'", "")
    folder.mkdir()
    path, word = _cases(valid_db, folder)[label]
    for other in folder.iterdir():
        if other != path:
            other.unlink()
    before = tree_checksums(folder)
    with pytest.raises(StoreError) as err:
        open_store(path, readonly=readonly)
    message = str(err.value)
    assert str(path) in message, message
    assert word in message.lower(), message
    assert "Traceback" not in message
    after = tree_checksums(folder)
    assert {name: after.get(name) for name in before} == before, f"{label}: a file changed"
    # SQLite's read-only inspection of a WAL database may leave empty -wal/-shm beside it.
    assert set(after) <= set(before) | {f"{path.name}-wal", f"{path.name}-shm"}, sorted(after)


def test_empty_file_is_not_turned_into_a_store_without_consent(tmp_path):
    path = bad_inputs.empty_file(tmp_path)
    for kwargs in ({"create": False}, {"readonly": True}):
        with pytest.raises(StoreError, match="empty"):
            open_store(path, **kwargs)
    assert path.stat().st_size == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.db"]


def test_folder_instead_of_file(tmp_path):
    with pytest.raises(StoreError, match="folder"):
        open_store(tmp_path)


@pytest.fixture
def read_only_media(tmp_path, valid_db):
    """A valid store on a read-only filesystem (root ignores file permissions, so a
    read-only mount is the way to make a file truly unwritable here)."""
    mnt = tmp_path / "ro"
    mnt.mkdir()
    ok = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(mnt)], capture_output=True)
    if ok.returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        shutil.copyfile(valid_db, mnt / "runs.db")
        subprocess.run(["mount", "-o", "remount,ro", str(mnt)], check=True, capture_output=True)
        yield mnt / "runs.db"
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def test_read_only_file_refused_for_writing_with_clear_message(read_only_media):
    before = tree_checksums(read_only_media.parent)
    with pytest.raises(StoreError, match="read-only|not writable|permission") as err:
        open_store(read_only_media)
    assert str(read_only_media) in str(err.value)
    assert tree_checksums(read_only_media.parent) == before


def test_read_only_file_can_be_browsed(read_only_media):
    """A store on read-only media (a shared drive, a CD) opens read-only and lists its runs."""
    try:
        store = open_store(read_only_media, readonly=True)
    except StoreError as err:
        pytest.fail(f"read-only open failed: {err}")
    try:
        runs = store.list_runs()
        assert [r.status for r in runs] == ["finished"]
        assert len(store.metrics(runs[0].id)["step"]) == 60
    finally:
        store.close()


def _hold_exclusive_lock(db: Path, seconds: float, ready: threading.Event) -> None:
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("PRAGMA locking_mode=EXCLUSIVE")
    con.execute("BEGIN EXCLUSIVE")
    con.execute("UPDATE schema_info SET value = value WHERE key = 'application'")
    ready.set()
    time.sleep(seconds)
    con.execute("ROLLBACK")
    con.close()


def test_locked_by_another_application_gives_a_locked_message(valid_db, tmp_path, monkeypatch):
    monkeypatch.setattr(store_backend, "BUSY_TIMEOUT_S", 0.5)
    db = bad_inputs.copy_of(valid_db, tmp_path, "locked.db")
    ready = threading.Event()
    holder = threading.Thread(target=_hold_exclusive_lock, args=(db, 2.5, ready), daemon=True)
    holder.start()
    try:
        assert ready.wait(10)
        t0 = time.monotonic()
        with pytest.raises(StoreError) as err:
            open_store(db)
        message = str(err.value)
        assert str(db) in message
        assert "lock" in message.lower() or "busy" in message.lower() or "in use" in message.lower(), message
        assert "damaged" not in message.lower(), f"a locked database is reported as damaged: {message}"
        assert time.monotonic() - t0 < 30
    finally:
        holder.join(15)
    with open_store(db) as store:
        assert [r.status for r in store.list_runs()] == ["finished"]


def test_briefly_locked_database_waits_instead_of_failing(valid_db, tmp_path):
    db = bad_inputs.copy_of(valid_db, tmp_path, "busy.db")
    ready = threading.Event()
    holder = threading.Thread(target=_hold_exclusive_lock, args=(db, 1.0, ready), daemon=True)
    holder.start()
    try:
        assert ready.wait(10)
        with open_store(db) as store:
            run_id = store.create_run(RunConfig(), name="after the lock")
            assert store.get_run(run_id).name == "after the lock"
    finally:
        holder.join(15)
