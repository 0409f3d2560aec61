"""`farm-gui desktop-install` / `desktop-uninstall` and `farm-gui PATH`, with
XDG_DATA_HOME in a temporary folder."""

from __future__ import annotations

import configparser
import json
import os
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from farm_gui import cli, desktop, resources


@pytest.fixture
def data_home(tmp_path, monkeypatch):
    home = tmp_path / "share"
    monkeypatch.setenv("XDG_DATA_HOME", str(home))
    return home


def read_entry(path: Path) -> dict[str, str]:
    parser = configparser.RawConfigParser(interpolation=None)
    parser.optionxform = str
    parser.read(path, encoding="utf-8")
    return dict(parser["Desktop Entry"])


def test_install_writes_entry_icons_and_file_type(data_home, capsys):
    assert cli.main(["desktop-install"]) == 0
    entry_file = data_home / "applications" / "farm-gui.desktop"
    entry = read_entry(entry_file)
    assert entry["Type"] == "Application" and entry["Name"] == "Farm GUI"
    assert entry["Icon"] == "farm-gui"
    assert entry["MimeType"] == "application/x-farm-gui-workspace;"
    command = shlex.split(entry["Exec"])
    assert command[-1] == "%f"
    assert os.access(command[0], os.X_OK), command  # runs this installation's farm-gui
    hicolor = data_home / "icons" / "hicolor"
    for size in resources.APP_ICON_SIZES:
        png = hicolor / f"{size}x{size}" / "apps" / "farm-gui.png"
        assert png.read_bytes() == resources.app_icon_png(size).read_bytes()
        assert (hicolor / f"{size}x{size}" / "mimetypes" / "application-x-farm-gui-workspace.png").is_file()
    assert (hicolor / "scalable" / "apps" / "farm-gui.svg").is_file()
    mime_xml = (data_home / "mime" / "packages" / "farm-gui.xml").read_text()
    assert 'glob pattern="*.farmws"' in mime_xml
    if shutil.which("update-mime-database"):  # the desktop's MIME database took the type in
        assert "application/x-farm-gui-workspace:*.farmws" in (data_home / "mime" / "globs2").read_text()
    if shutil.which("update-desktop-database"):
        cache = (data_home / "applications" / "mimeinfo.cache").read_text()
        assert "application/x-farm-gui-workspace=farm-gui.desktop;" in cache
    assert str(entry_file) in capsys.readouterr().out


@pytest.mark.skipif(shutil.which("desktop-file-validate") is None, reason="desktop-file-utils not installed")
def test_entry_passes_desktop_file_validate(data_home):
    assert cli.main(["desktop-install"]) == 0
    done = subprocess.run(["desktop-file-validate", str(data_home / "applications" / "farm-gui.desktop")],
                          capture_output=True, text=True)
    assert done.returncode == 0 and not done.stdout.strip(), done.stdout + done.stderr


def test_uninstall_removes_everything_install_wrote(data_home):
    report = desktop.install()
    assert cli.main(["desktop-uninstall"]) == 0
    assert all(not p.exists() for p in report.written)
    assert cli.main(["desktop-uninstall"]) == 0  # nothing left: still fine


def test_default_location_is_local_share(monkeypatch, tmp_path):
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert desktop.data_home() == tmp_path / ".local" / "share"
    monkeypatch.setenv("XDG_DATA_HOME", "relative/path")  # invalid by the spec: ignored
    assert desktop.data_home() == tmp_path / ".local" / "share"


def test_unwritable_data_home_is_a_clear_error(tmp_path, monkeypatch, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("XDG_DATA_HOME", str(blocker))
    assert cli.main(["desktop-install"]) == cli.EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert "cannot install the desktop entry" in err and "Traceback" not in err


@pytest.mark.parametrize("arg, quoted", [
    ("/opt/farm gui/bin/farm-gui", '"/opt/farm gui/bin/farm-gui"'),
    ("/usr/bin/farm-gui", "/usr/bin/farm-gui"),
    ("/tmp/a$b", '"/tmp/a\\\\$b"'),
    ("/tmp/100%", '"/tmp/100%%"'),
])
def test_exec_arguments_are_quoted_by_the_spec(arg, quoted):
    assert desktop.exec_quote(arg) == quoted


def test_path_argument_opens_the_window_on_that_workspace(tmp_path, monkeypatch):
    opened = []
    import farm_gui.app

    monkeypatch.setattr(farm_gui.app, "main", lambda argv=None, workspace=None: opened.append(workspace) or 0)
    existing = tmp_path / "old.db"
    existing.write_bytes(b"")
    assert cli.main([str(existing)]) == 0
    assert cli.main(["new.farmws"]) == 0  # a workspace suffix: created when opened
    assert opened == [str(existing), "new.farmws"]
    assert cli.main(["nonsense"]) == cli.EXIT_BAD_INPUT  # not a path: argparse's usage error
    assert opened == [str(existing), "new.farmws"]


@pytest.mark.slow
def test_double_clicked_workspace_opens_in_the_window(data_home, tmp_path):
    """What the desktop does on a double click: run the entry's Exec with %f replaced by
    the file. The window opens on that workspace and lists its run."""
    workspace = tmp_path / "my runs.farmws"
    run = subprocess.run([sys.executable, "-m", "farm_gui.cli", "run", "--preset", "default", "--steps", "5",
                          "--snapshot-every", "0", "--quiet", "--db", str(workspace)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert cli.main(["desktop-install"]) == 0
    command = shlex.split(read_entry(data_home / "applications" / "farm-gui.desktop")["Exec"])
    command = [str(workspace) if a == "%f" else a for a in command]
    probe = tmp_path / "probe.json"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "FARM_GUI_STARTUP_PROBE": str(probe),
           "FARM_GUI_STARTUP_T0": str(time.time()), "FARM_GUI_SETTINGS": str(tmp_path / "settings.ini")}
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    shown = json.loads(probe.read_text())
    assert shown["workspace"] == str(workspace)
    assert shown["runs"] == 1 and shown["icon"] is True
