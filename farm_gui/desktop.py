"""Desktop integration on Linux (freedesktop.org): the application-menu entry, the icon
in the hicolor theme and the workspace file type. No Qt.

``farm-gui desktop-install`` writes, under ``$XDG_DATA_HOME`` (default ~/.local/share):

- ``applications/farm-gui.desktop``: the menu entry; ``Exec`` runs this installation's
  ``farm-gui`` with the file double-clicked (``%f``);
- ``icons/hicolor/<N>x<N>/apps/farm-gui.png`` (16..512) and ``scalable/apps/farm-gui.svg``,
  and the same picture as the workspace file type's icon (``.../mimetypes/``);
- ``mime/packages/farm-gui.xml``: the type ``application/x-farm-gui-workspace`` for
  ``*.farmws`` files (a workspace is a SQLite database; ``.farmws`` just names it ours).

then refreshes the desktop's caches with ``update-mime-database``,
``update-desktop-database`` and ``gtk-update-icon-cache`` where they are installed.
``farm-gui desktop-uninstall`` removes the same files.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from farm_gui import resources

APP_ID = "farm-gui"
DESKTOP_FILE = f"{APP_ID}.desktop"
WORKSPACE_SUFFIX = ".farmws"
WORKSPACE_SUFFIXES = (WORKSPACE_SUFFIX, ".db", ".sqlite", ".sqlite3")
WORKSPACE_MIME = "application/x-farm-gui-workspace"
WORKSPACE_FILTER = ("Farm GUI workspaces (" + " ".join(f"*{s}" for s in WORKSPACE_SUFFIXES) + ")"
                    ";;All files (*)")
NEW_WORKSPACE_FILTER = f"Farm GUI workspace (*{WORKSPACE_SUFFIX});;SQLite database (*.db)"
MIME_ICON = WORKSPACE_MIME.replace("/", "-")
TOOL_TIMEOUT_S = 30

_MIME_XML = f"""<?xml version="1.0" encoding="UTF-8"?>
<mime-info xmlns="http://www.freedesktop.org/standards/shared-mime-info">
  <mime-type type="{WORKSPACE_MIME}">
    <comment>Farm GUI workspace</comment>
    <sub-class-of type="application/vnd.sqlite3"/>
    <icon name="{MIME_ICON}"/>
    <glob pattern="*{WORKSPACE_SUFFIX}" weight="60"/>
  </mime-type>
</mime-info>
"""


def data_home() -> Path:
    value = os.environ.get("XDG_DATA_HOME", "")
    # The spec: a relative or empty value is invalid and is ignored.
    return Path(value) if value and os.path.isabs(value) else Path.home() / ".local" / "share"


def launch_command() -> list[str]:
    """The command that starts this installation of Farm GUI."""
    if getattr(sys, "frozen", False):  # the packaged build: its own executable
        return [str(Path(sys.executable).resolve())]
    beside = Path(sys.executable).parent / APP_ID  # the console script of this environment
    if beside.is_file() and os.access(beside, os.X_OK):
        return [str(beside)]
    found = shutil.which(APP_ID)
    if found:
        return [str(Path(found).resolve())]
    return [str(Path(sys.executable).resolve()), "-m", "farm_gui.cli"]


_PLAIN = re.compile(r"^[A-Za-z0-9_./+,:@=-]+$")


def exec_quote(arg: str) -> str:
    """One argument of a desktop entry's Exec key (Desktop Entry Specification, 'The Exec
    key'): quoted when it holds a reserved character, with ", `, $ and \\ escaped inside
    the quotes; then, as for every string value, backslashes doubled and % written %%."""
    if _PLAIN.match(arg):
        quoted = arg
    else:
        quoted = '"' + re.sub(r'(["`$\\])', r"\\\1", arg) + '"'
    return quoted.replace("\\", "\\\\").replace("%", "%%")


def desktop_entry(command: list[str]) -> str:
    exec_line = " ".join(exec_quote(a) for a in command) + " %f"
    return "\n".join([
        "[Desktop Entry]",
        "Type=Application",
        "Version=1.4",
        "Name=Farm GUI",
        "GenericName=Agent-Based Modelling Workbench",
        "Comment=Configure, run, watch, compare and export agent-based simulations",
        f"Exec={exec_line}",
        f"Icon={APP_ID}",
        "Terminal=false",
        "StartupNotify=true",
        f"StartupWMClass={APP_ID}",
        "Categories=Science;Biology;DataVisualization;",
        "Keywords=simulation;agent-based;model;ABM;foraging;",
        f"MimeType={WORKSPACE_MIME};",
        "",
    ])


@dataclass
class Report:
    written: list[Path] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _targets(home: Path) -> dict[str, Path]:
    icons = home / "icons" / "hicolor"
    paths = {
        "desktop": home / "applications" / DESKTOP_FILE,
        "mime": home / "mime" / "packages" / f"{APP_ID}.xml",
        "svg": icons / "scalable" / "apps" / f"{APP_ID}.svg",
        "mime_svg": icons / "scalable" / "mimetypes" / f"{MIME_ICON}.svg",
    }
    for size in resources.APP_ICON_SIZES:
        paths[f"png{size}"] = icons / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
        paths[f"mime_png{size}"] = icons / f"{size}x{size}" / "mimetypes" / f"{MIME_ICON}.png"
    return paths


def _run_tool(report: Report, *command: str) -> None:
    if shutil.which(command[0]) is None:
        report.notes.append(f"{command[0]} is not installed: the desktop sees the change at its next scan")
        return
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=TOOL_TIMEOUT_S, check=False)
    except (OSError, subprocess.TimeoutExpired) as err:
        report.notes.append(f"{command[0]} failed: {err}")
        return
    if done.returncode != 0:
        report.notes.append(f"{command[0]} exited {done.returncode}: {(done.stderr or '').strip()[:300]}")


def _refresh_caches(home: Path, report: Report) -> None:
    if (home / "mime" / "packages").is_dir():
        _run_tool(report, "update-mime-database", str(home / "mime"))
    if (home / "applications").is_dir():
        _run_tool(report, "update-desktop-database", str(home / "applications"))
    hicolor = home / "icons" / "hicolor"
    if (hicolor / "index.theme").is_file():
        _run_tool(report, "gtk-update-icon-cache", "--force", "--quiet", str(hicolor))


def _write(path: Path, data: bytes, report: Report) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    report.written.append(path)


def install(home: Path | None = None, command: list[str] | None = None) -> Report:
    """Install the entry, icons and file type for the current user. Raises OSError when a
    file cannot be written."""
    home = data_home() if home is None else home
    report = Report()
    targets = _targets(home)
    _write(targets["desktop"], desktop_entry(command or launch_command()).encode(), report)
    _write(targets["mime"], _MIME_XML.encode(), report)
    svg = resources.app_icon_svg().read_bytes()
    _write(targets["svg"], svg, report)
    _write(targets["mime_svg"], svg, report)
    for size in resources.APP_ICON_SIZES:
        png = resources.app_icon_png(size).read_bytes()
        _write(targets[f"png{size}"], png, report)
        _write(targets[f"mime_png{size}"], png, report)
    _refresh_caches(home, report)
    return report


def uninstall(home: Path | None = None) -> Report:
    """Remove what ``install`` wrote (files that are not there are skipped)."""
    home = data_home() if home is None else home
    report = Report()
    for target in _targets(home).values():
        if target.is_file() or target.is_symlink():
            target.unlink()
            report.removed.append(target)
    _refresh_caches(home, report)
    return report


def looks_like_workspace(arg: str) -> bool:
    """Whether a command-line argument that is not a command names a workspace file: an
    existing file, a path with a folder in it, or a workspace suffix."""
    if not arg or arg.startswith("-") or "://" in arg:
        return False
    path = Path(arg).expanduser()
    return path.is_file() or os.sep in arg or path.suffix.lower() in WORKSPACE_SUFFIXES
