"""The system libraries Qt's X11 platform plugin needs, installed when missing.

`make run` runs this first. A bare Linux (a server, a container, WSL) lacks some of the
libraries a desktop has, and the window's first start stopped with "could not load the
Qt platform plugin xcb". This asks `ldd` which libraries the plugin cannot find, names
the Debian packages that hold them, and installs them as root with apt-get; otherwise
it prints the command. Nothing is done off Linux or when every library is there.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

# sonames whose Debian package does not follow the usual naming
IRREGULAR = {"libglib-2.0.so.0": "libglib2.0-0", "libgthread-2.0.so.0": "libglib2.0-0",
             "libgobject-2.0.so.0": "libglib2.0-0"}


def missing_sonames(ldd_output: str) -> list[str]:
    """The libraries `ldd` reports as "not found", in order, once each."""
    found = re.findall(r"^\s*(\S+)\s+=>\s+not found", ldd_output, flags=re.MULTILINE)
    return list(dict.fromkeys(found))


def debian_package(soname: str) -> str:
    """The Debian package of a library soname: libxcb-cursor.so.0 -> libxcb-cursor0,
    libxkbcommon-x11.so.0 -> libxkbcommon-x11-0, libX11.so.6 -> libx11-6."""
    if soname in IRREGULAR:
        return IRREGULAR[soname]
    match = re.fullmatch(r"(.+?)\.so\.(\d+)(?:\.\d+)*", soname)
    if match is None:
        return soname
    base, version = match.group(1).lower(), match.group(2)
    return f"{base}-{version}" if base[-1].isdigit() else f"{base}{version}"


def xcb_plugin() -> Path | None:
    import PySide6

    plugin = Path(PySide6.__file__).parent / "Qt" / "plugins" / "platforms" / "libqxcb.so"
    return plugin if plugin.exists() else None


def main() -> int:
    plugin = xcb_plugin() if sys.platform.startswith("linux") else None
    if plugin is None or shutil.which("ldd") is None:
        return 0
    result = subprocess.run(["ldd", str(plugin)], capture_output=True, text=True, check=False)
    packages = list(dict.fromkeys(debian_package(s) for s in missing_sonames(result.stdout)))
    if not packages:
        return 0
    if shutil.which("apt-get") and os.geteuid() == 0:
        print(f"== installing the libraries the window needs: {' '.join(packages)}")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], env=env, check=False)
        done = subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *packages],
                              env=env, check=False, stdout=subprocess.DEVNULL)
        if done.returncode == 0:
            return 0
    print("The window needs system libraries that are missing here (the README lists them):\n"
          f"  sudo apt-get install {' '.join(packages)}", file=sys.stderr)
    return 0  # an offscreen or Wayland start may not need them: Qt says so if it does


if __name__ == "__main__":
    raise SystemExit(main())
