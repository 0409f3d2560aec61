"""Screenshot of the real main window with a run in progress (for the README).

Usage: QT_QPA_PLATFORM=offscreen python scripts/screenshot.py docs/screenshot.png
Uses a throw-away workspace and settings file; one short finished run is listed
next to a 1,000-agent run that is still going when the picture is taken.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtCore import QEventLoop, QTimer  # noqa: E402

from farm_gui.app import create_main_window, ensure_app  # noqa: E402
from farm_gui.config import preset  # noqa: E402


def pump(seconds: float) -> None:
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()


def wait_for(condition, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit("timed out preparing the screenshot")
        pump(0.05)


def main(out: str) -> int:
    app = ensure_app()
    with tempfile.TemporaryDirectory(prefix="farm-gui-shot-") as tmp:
        os.environ["FARM_GUI_SETTINGS"] = str(Path(tmp) / "settings.ini")
        window = create_main_window(str(Path(tmp) / "workspace.db"))
        window.resize(1600, 1000)
        window.show()
        form = window.config_form

        form.set_config(preset("default").model_copy(update={"simulation_steps": 400}))
        form.name_edit.setText("baseline (30 agents)")
        window.actions.start.trigger()
        wait_for(lambda: window.registry.runs() and window.registry.runs()[0].state == "finished")

        form.set_config(preset("1k").model_copy(update={"simulation_steps": 3000, "seed": 7}))
        form.name_edit.setText("1k agents, seed 7")
        window.set_speed(100.0)
        window.actions.start.trigger()
        wait_for(lambda: len(window.registry.runs()) == 2 and len(window.registry.runs()[1].buffer) > 450)
        pump(0.5)
        window.charts.readout.setText(window.charts.readout_text(300))
        for chart in window.charts.charts:
            chart.hover_line.setValue(300)
            chart.hover_line.setVisible(True)
        pump(0.3)
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        if not window.grab().save(out):
            raise SystemExit(f"could not write {out}")
        window.registry.stop_all()
        window.registry.wait(30)
        window.close()
    app.processEvents()
    print(f"screenshot={out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshot.png"))
