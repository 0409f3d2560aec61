"""The packaged build (`make package`): runs only when a package archive exists in dist/.

The test itself is scripts/test_package.sh: unpack into an empty folder, start offscreen
(window shown with its icon), a short headless run, its workspace opened in the window,
no kernel compiled at start."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARCHIVES = sorted((ROOT / "dist").glob("farm-gui-*-linux-*.tar.gz"), key=lambda p: p.stat().st_mtime)

pytestmark = [pytest.mark.package,
              pytest.mark.skipif(not ARCHIVES, reason="no packaged build in dist/ (make package)")]


def test_unpacked_package_starts_runs_and_opens_its_workspace():
    done = subprocess.run(["bash", str(ROOT / "scripts" / "test_package.sh"), str(ARCHIVES[-1])],
                          capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "package test passed" in done.stdout
