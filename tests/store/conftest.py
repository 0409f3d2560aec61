import contextlib
import fcntl
import hashlib
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from farm_gui.config import RunConfig
from farm_gui.runtime.session import RunSession
from farm_gui.store import open_store


@contextlib.contextmanager
def one_test_at_a_time(database_url: str) -> Iterator[None]:
    """Hold an exclusive lock, across the suite's worker processes, on the shared test
    database. The PostgreSQL tests empty and fill one database, so they must not overlap;
    their xdist_group mark was meant to keep them in one worker, but with pytest 9.2 and
    pytest-xdist 3.8 `--dist=loadgroup` silently stops grouping (pytest-xdist issue
    #1386): two of them ran at once and broke each other in CI."""
    name = hashlib.sha256(database_url.encode()).hexdigest()[:16]
    with open(Path(tempfile.gettempdir()) / f"farm-gui-test-db-{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def small_config(**overrides) -> RunConfig:
    values = {"simulation_steps": 60, "snapshot_every": 7, "seed": 42}
    values.update(overrides)
    return RunConfig(**values)


def record_run(store, config: RunConfig, name: str | None = None, **session_kwargs) -> int:
    run_id = store.create_run(config, name=name)
    status = RunSession(store, run_id, config, **session_kwargs).run()
    assert status == "finished"
    return run_id


def alive_only(snapshot: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    alive = snapshot["agent_alive"]
    return {k: (v[alive] if k.startswith("agent_") else v) for k, v in snapshot.items()}


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "runs.db"


@pytest.fixture
def store(db_path):
    s = open_store(db_path)
    yield s
    s.close()
