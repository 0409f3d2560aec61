import pytest

from farm_gui.store import open_store

from . import toy_model  # noqa: F401 - registers the toy model in this process


@pytest.fixture(autouse=True)
def private_dirs(tmp_path, monkeypatch):
    """Keep the workspace database and the log file inside the test's folder."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


@pytest.fixture
def store(tmp_path):
    s = open_store(tmp_path / "exp.db")
    yield s
    s.close()
