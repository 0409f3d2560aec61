import pytest

from farm_gui import cli


@pytest.fixture(autouse=True)
def private_dirs(tmp_path, monkeypatch):
    """Keep the workspace database and the log file inside the test's folder."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


def run_cli(*argv):
    return cli.main([str(a) for a in argv])
