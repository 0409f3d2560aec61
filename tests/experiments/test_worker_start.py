"""What a worker of the local pool starts with: the fork server warms every installed model up
once (so workers of every pool after the first start ready), and the launcher a worker
imports again as __mp_main__ does not bring the window with it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from farm_gui.experiments.backends import start_context

REPO = Path(__file__).resolve().parents[2]


def _python(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


def test_the_fork_server_warms_up_every_installed_model():
    out = _python(
        "import farm_gui.experiments.fork_server_warm_up\n"
        "from farm_gui.experiments import worker\n"
        "from farm_gui.core.registry import models\n"
        "print(sorted(worker._warmed) == sorted(models()), len(models()))")
    same, count = out.split()
    assert same == "True" and int(count) >= 4


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the fork server is the Linux start method")
def test_the_pool_forks_its_workers_from_the_warmed_server():
    ctx = start_context()
    assert ctx.get_start_method() == "forkserver"
    from multiprocessing import forkserver

    assert "farm_gui.experiments.fork_server_warm_up" in forkserver._forkserver._preload_modules


def test_a_worker_importing_the_launcher_does_not_import_the_window():
    out = _python(
        "import runpy, sys\n"
        "runpy.run_path('main.py', run_name='__mp_main__')\n"
        "print('farm_gui.app' in sys.modules, 'PySide6' in sys.modules)")
    assert out == "False False"


def test_the_launcher_takes_the_command_line_as_farm_gui_does():
    done = subprocess.run([sys.executable, "main.py", "models", "--json"], cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert '"foraging"' in done.stdout
