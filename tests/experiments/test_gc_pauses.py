"""Start-up objects out of the collector's full collections (farm_gui.core.gc_pauses): a
full collection walked the ~230,000 objects of the imported libraries and loaded kernels,
~85 ms with the GIL held. A command freezes them once it has started; so does the fork
server of the local pool, before forking its workers."""

from __future__ import annotations

import gc
import subprocess
import sys

from farm_gui.experiments.backends import LocalPoolBackend

# a command's own process: the test process has already frozen or not by now
SCRIPT = """
import gc, sys
from farm_gui.cli import main
code = main(sys.argv[1:])
print(gc.get_freeze_count())
sys.exit(code)
"""


def _frozen_after(*argv: str) -> int:
    done = subprocess.run([sys.executable, "-c", SCRIPT, *argv], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return int(done.stdout.split()[-1])


def test_a_run_from_the_command_line_freezes_its_start_up_objects(tmp_path):
    frozen = _frozen_after("run", "--db", str(tmp_path / "w.db"), "--set", "simulation_steps=3", "--quiet")
    assert frozen > 50_000


def test_an_experiment_from_the_command_line_freezes_its_start_up_objects(tmp_path):
    spec = tmp_path / "spec.yaml"
    spec.write_text("model: foraging\npreset: default\nreplications: 2\nsteps: 3\nseed: 1\n")
    frozen = _frozen_after("experiment", "run", str(spec), "--db", str(tmp_path / "w.db"), "--workers", "1")
    assert frozen > 50_000


def test_pool_workers_start_with_the_fork_servers_objects_frozen():
    backend = LocalPoolBackend(1)
    backend.start(("foraging",), ())
    try:
        frozen = backend._pool.submit(gc.get_freeze_count).result(timeout=120)
    finally:
        backend.close()
    assert frozen > 50_000
