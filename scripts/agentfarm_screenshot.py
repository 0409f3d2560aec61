"""Screenshot of the real main window comparing an imported AgentFarm run with a Farm GUI
run from the same configuration and seed (for the README).

Usage: python scripts/agentfarm_screenshot.py docs/agentfarm_comparison.png [AGENTFARM_DB]
(offscreen by default; under Xvfb set QT_QPA_PLATFORM=xcb and DISPLAY). Uses a throw-away
workspace and settings file; the AgentFarm database defaults to the test fixture.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QEventLoop, QTimer  # noqa: E402
from PySide6.QtWidgets import QMessageBox  # noqa: E402

from farm_gui.app import create_main_window, ensure_app  # noqa: E402
from farm_gui.runtime.aio import spawn  # noqa: E402


def pump(seconds: float) -> None:
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()


def wait_for(condition, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit("timed out preparing the screenshot")
        pump(0.05)


def main(out: str, source: str) -> int:
    app = ensure_app()
    with tempfile.TemporaryDirectory(prefix="farm-gui-af-shot-") as tmp:
        os.environ["FARM_GUI_SETTINGS"] = str(Path(tmp) / "settings.ini")
        window = create_main_window(str(Path(tmp) / "workspace.db"))
        window.resize(1600, 1000)
        window.show()
        imported = spawn(window.agentfarm.import_file_async(source))
        wait_for(imported.done)
        (run_id,) = imported.result()
        pump(0.5)
        for box in window.findChildren(QMessageBox):
            box.close()
        farm = spawn(window.agentfarm.side_by_side_async(run_id))
        wait_for(farm.done)
        farm_id = farm.result()
        wait_for(lambda: window.store.get_run(farm_id).status == "finished" and len(window.shown_ids) == 2)
        pump(1.0)
        last = window.world_view.slider.maximum()
        window.world_view.slider.setValue(last)
        wait_for(lambda: window.world_view.displayed_step == last)
        window.charts.readout.setText(window.charts.readout_text(40))
        for chart in window.charts.charts:
            chart.hover_line.setValue(40)
            chart.hover_line.setVisible(True)
        pump(0.5)
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        if not window.grab().save(out):
            raise SystemExit(f"could not write {out}")
        window.close()
    app.processEvents()
    print(f"screenshot={out}")
    return 0


if __name__ == "__main__":
    target = sys.argv[1] if len(sys.argv) > 1 else "docs/agentfarm_comparison.png"
    db = sys.argv[2] if len(sys.argv) > 2 else str(ROOT / "tests/fixtures/agentfarm/sample_60_steps.db")
    sys.exit(main(target, db))
