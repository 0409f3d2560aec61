"""What the window imports before it is shown: SciPy's statistics (~1.5 s of a 7 s start
here) are needed by analyses, which run in worker threads, not to show the window."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SHOW_THE_WINDOW = """
import sys
from farm_gui.app import create_main_window, ensure_app
ensure_app()
window = create_main_window(sys.argv[1])
window.show()
print(sorted(m for m in ("scipy.stats", "scipy.signal", "scipy.spatial") if m in sys.modules))
"""


def test_the_window_is_shown_without_scipy_statistics(tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_DATA_HOME": str(tmp_path / "data"),
           "XDG_CONFIG_HOME": str(tmp_path / "config"), "FARM_GUI_SETTINGS": str(tmp_path / "s.ini"),
           "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", SHOW_THE_WINDOW, str(tmp_path / "w.db")], env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_the_statistics_still_work_once_loaded():
    import numpy as np

    from farm_gui.analysis.stats import clark_evans, find_extrema, mean_ci, welch_test

    mean, lo, hi = mean_ci(np.array([[1.0, 2.0], [3.0, 4.0]]))
    assert mean.tolist() == [2.0, 3.0] and lo[0] < 2.0 < hi[0]
    assert 0 < welch_test(np.array([1.0, 2.0, 3.0]), np.array([2.0, 3.0, 5.0]))["p_value"] < 1
    peaks, troughs = find_extrema(np.array([0.0, 5.0, 0.0, -5.0, 0.0]), 1.0)
    assert peaks.tolist() == [1] and troughs.tolist() == [3]
    assert clark_evans(np.array([0.0, 1.0, 0.0]), np.array([0.0, 0.0, 1.0]), 10.0)["n"] == 3.0
