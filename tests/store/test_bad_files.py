"""Files that are not healthy Farm GUI databases are refused with a clear StoreError and
are never modified (same sha256, no side files left behind)."""

import os
import sqlite3
import subprocess
import sys

import pytest

from farm_gui.store import StoreError, open_store
from tests.read_only import read_only_folder

from .conftest import record_run, sha256, small_config


def _good_db(path, runs=2):
    with open_store(path) as store:
        for seed in range(runs):
            record_run(store, small_config(simulation_steps=30, seed=seed))
    assert not (path.parent / (path.name + "-wal")).exists()  # checkpointed on close
    return path


def _assert_refused(path, match, **kwargs):
    before = sha256(path)
    listing = sorted(os.listdir(path.parent))
    with pytest.raises(StoreError, match=match) as err:
        open_store(path, **kwargs)
    assert str(path) in str(err.value)
    assert sha256(path) == before
    assert sorted(os.listdir(path.parent)) == listing
    return err.value


def test_text_file_is_not_a_database(tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("these are my notes\n" * 50)
    _assert_refused(path, "is not a database")


def test_short_binary_file_is_not_a_database(tmp_path):
    path = tmp_path / "tiny.db"
    path.write_bytes(b"\x00\x01\x02")
    _assert_refused(path, "is not a database")


def test_truncated_database(tmp_path):
    path = _good_db(tmp_path / "runs.db")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2 + 100])
    _assert_refused(path, "truncated")
    page = int.from_bytes(data[16:18], "big")
    path.write_bytes(data[: (len(data) // page // 2) * page])  # whole pages, but too few
    _assert_refused(path, "truncated")
    path.write_bytes(data[:40])
    _assert_refused(path, "truncated")


def test_corrupt_pages(tmp_path):
    path = _good_db(tmp_path / "runs.db")
    data = bytearray(path.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    garbage = bytes((i * 97 + 13) % 256 for i in range(page * 3))
    data[page * 2: page * 5] = garbage
    path.write_bytes(bytes(data))
    _assert_refused(path, "damaged database")


def test_database_of_another_application(tmp_path):
    path = tmp_path / "shop.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
    conn.execute("INSERT INTO customers (name) VALUES ('Ada')")
    conn.commit()
    conn.close()
    err = _assert_refused(path, "another application")
    assert "customers" in str(err)


def test_schema_info_of_another_application(tmp_path):
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE schema_info (key TEXT PRIMARY KEY, value TEXT)")
    conn.execute("INSERT INTO schema_info VALUES ('application', 'something-else')")
    conn.commit()
    conn.close()
    _assert_refused(path, "another application")


def test_newer_schema_version(tmp_path):
    path = _good_db(tmp_path / "runs.db", runs=1)
    conn = sqlite3.connect(path)
    conn.execute("UPDATE schema_info SET value='99' WHERE key='schema_version'")
    conn.commit()
    conn.close()
    _assert_refused(path, "newer Farm GUI")


def test_read_only_file_is_refused_for_writing(tmp_path):
    folder = tmp_path / "media"
    folder.mkdir()
    path = _good_db(folder / "runs.db", runs=1)
    # Truly unwritable, also as root (a read-only bind mount then): no faked check.
    with read_only_folder(folder):
        with pytest.raises(OSError):
            path.open("ab")
        _assert_refused(path, "read-only")


def test_read_only_open_never_writes(tmp_path):
    """A run left 'running' by a dead process is reported interrupted, but a read-only
    open does not write that into the file."""
    path = _good_db(tmp_path / "runs.db", runs=1)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    conn = sqlite3.connect(path)
    conn.execute("UPDATE runs SET status='running', writer_pid=?, writer_host=?", (dead.pid,
                                                                                   store_backend_host()))
    conn.commit()
    conn.close()
    before = sha256(path)
    with open_store(path, readonly=True) as store:
        assert store.list_runs()[0].status == "interrupted"
        assert store.metrics(store.list_runs()[0].id)["step"].size == 30
        with pytest.raises(StoreError, match="read-only"):
            store.create_run(small_config())
        with pytest.raises(StoreError, match="read-only"):
            store.writer(1)
    assert sha256(path) == before


def store_backend_host():
    from farm_gui.store.liveness import HOST

    return HOST


def test_folder_missing_file_and_missing_parent(tmp_path):
    with pytest.raises(StoreError, match="is a folder"):
        open_store(tmp_path)
    with pytest.raises(StoreError, match="does not exist"):
        open_store(tmp_path / "absent.db", create=False)
    with pytest.raises(StoreError, match="does not exist"):
        open_store(tmp_path / "absent.db", readonly=True)
    with pytest.raises(StoreError, match="folder .* does not exist"):
        open_store(tmp_path / "no" / "such" / "dir" / "x.db")
    assert os.listdir(tmp_path) == []


def test_empty_file_becomes_a_database_only_when_creating(tmp_path):
    path = tmp_path / "empty.db"
    path.write_bytes(b"")
    with pytest.raises(StoreError, match="empty database"):
        open_store(path, readonly=True)
    assert path.read_bytes() == b""
    with open_store(path) as store:
        assert store.list_runs() == []
    with open_store(path, create=False) as store:
        assert store.list_runs() == []


def test_in_memory_url_is_refused_and_sqlite_url_works(tmp_path):
    with pytest.raises(StoreError, match="in-memory"):
        open_store("sqlite://")
    path = tmp_path / "via_url.db"
    with open_store(f"sqlite:///{path}") as store:
        run_id = store.create_run(small_config())
    with open_store(path) as store:
        assert store.get_run(run_id).status == "pending"
