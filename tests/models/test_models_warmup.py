"""The install-time warm-up compiles the Schelling and Boltzmann wealth kernels too, so
a first run of either does not freeze the window while numba compiles."""

from __future__ import annotations

import os
import subprocess
import sys

SCRIPT = """
from farm_gui import warmup
from farm_gui.models.boltzmann_wealth import _kernel as bw
from farm_gui.models.schelling import _kernel as sc
kernels = (sc.populate, sc.evaluate, sc.step, bw.place, bw.link_all, bw.step, bw.wealth_metrics)
assert not any(f.signatures for f in kernels)
dict(warmup.STEPS)["the plug-in models"]()
print(" ".join(f"{f.__module__}.{f.__name__}={len(f.signatures)}" for f in kernels))
"""


def test_the_plug_in_models_step_compiles_every_kernel_of_both_models():
    # a fresh process: nothing is compiled (loaded from the cache) until a kernel is called
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert done.returncode == 0, done.stderr
    counts = dict(item.split("=") for item in done.stdout.split())
    assert len(counts) == 7 and all(int(v) >= 1 for v in counts.values()), counts
