"""A first start with nothing compiled is recognised (and only then)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from farm_gui import kernel_cache

CHECK = "from farm_gui import kernel_cache; print(kernel_cache.needs_compiling())"


def test_kernels_compiled_by_warmup_are_recognised():
    """The test session's kernels are compiled (make / conftest warm-up): nothing to do."""
    dispatchers = kernel_cache.cached_dispatchers()
    names = {d.__name__ for d in dispatchers}
    assert {"step_kernel", "copy_snapshot", "write_envelope", "stamp_world"} <= names
    assert kernel_cache.needs_compiling() is False


@pytest.mark.slow
def test_empty_cache_needs_compiling_until_warmup_ran(tmp_path):
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "numba"), "QT_QPA_PLATFORM": "offscreen"}

    def check() -> str:
        done = subprocess.run([sys.executable, "-c", CHECK], env=env, capture_output=True, text=True,
                              timeout=300)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    assert check() == "True"
    warm = subprocess.run([sys.executable, "-m", "farm_gui.warmup"], env=env, capture_output=True, text=True,
                          timeout=900)
    assert warm.returncode == 0, warm.stderr
    assert check() == "False"
