"""scripts/window_libs.py (run by `make run`): which Debian packages hold the libraries
Qt's X11 plugin cannot find."""

from __future__ import annotations

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).parents[2] / "scripts" / "window_libs.py"
spec = importlib.util.spec_from_file_location("window_libs", SCRIPT)
window_libs = importlib.util.module_from_spec(spec)
spec.loader.exec_module(window_libs)

# ldd of libqxcb.so on a bare Debian 12 (the libraries this session's first start lacked)
LDD = """\
\tlinux-vdso.so.1 (0x00007ffd6d5e4000)
\tlibQt6XcbQpa.so.6 => /venv/PySide6/Qt/plugins/platforms/../../lib/libQt6XcbQpa.so.6 (0x00007f3c)
\tlibxcb-cursor.so.0 => not found
\tlibxcb-icccm.so.4 => not found
\tlibxkbcommon-x11.so.0 => not found
\tlibX11-xcb.so.1 => /lib/x86_64-linux-gnu/libX11-xcb.so.1 (0x00007f3c)
\tlibxcb-cursor.so.0 => not found
\tlibglib-2.0.so.0 => not found
\tlibxcb-keysyms.so.1 => not found
"""


def test_the_missing_libraries_are_named_by_their_debian_packages():
    missing = window_libs.missing_sonames(LDD)
    assert missing == ["libxcb-cursor.so.0", "libxcb-icccm.so.4", "libxkbcommon-x11.so.0",
                       "libglib-2.0.so.0", "libxcb-keysyms.so.1"]
    assert [window_libs.debian_package(s) for s in missing] == [
        "libxcb-cursor0", "libxcb-icccm4", "libxkbcommon-x11-0", "libglib2.0-0", "libxcb-keysyms1"]
    assert window_libs.debian_package("libX11.so.6") == "libx11-6"
    assert window_libs.debian_package("libEGL.so.1") == "libegl1"
    assert window_libs.debian_package("libdbus-1.so.3") == "libdbus-1-3"


def test_the_readme_list_is_what_the_rule_gives():
    """The README's apt-get line names the same packages for the plugin's libraries."""
    readme = (SCRIPT.parents[1] / "README.md").read_text()
    for soname in ("libxcb-cursor.so.0", "libxcb-icccm.so.4", "libxcb-keysyms.so.1", "libxkbcommon-x11.so.0"):
        assert window_libs.debian_package(soname) in readme

