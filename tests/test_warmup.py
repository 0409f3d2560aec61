"""`make` compiles the numba functions at install time, with the argument types used at
run time, so that the first run on a new machine does not freeze the window."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from farm_gui import warmup  # noqa: E402
from farm_gui.display import envelope, raster  # noqa: E402
from farm_gui.models.wolf_sheep import _kernel as wolf_sheep_kernel  # noqa: E402
from farm_gui.sim import _kernel, _snapshot  # noqa: E402
from farm_gui.store import packing  # noqa: E402


def test_warmup_compiles_every_numba_function_the_run_and_the_window_use(capsys):
    assert warmup.main() == 0
    assert "compiled and cached" in capsys.readouterr().out
    for function in (_kernel.step_kernel, _snapshot.copy_snapshot, packing._pack_alive_rows,
                     raster.stamp_world, wolf_sheep_kernel.step_kernel,
                     wolf_sheep_kernel.count_wolves):
        assert function.signatures, function.__name__
    assert len(envelope.write_envelope.signatures) == 2  # live (float32) and stored series
