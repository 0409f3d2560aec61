"""Screenshots of the real main window with a finished run of each classic model (for
the README's "Classic models" section): docs/schelling.png, docs/boltzmann_wealth.png and
docs/wolf_sheep.png.

Usage: python scripts/model_screenshots.py [--out DIR] [MODEL ...]   (default: all three)
(offscreen by default; under Xvfb set QT_QPA_PLATFORM=xcb and DISPLAY). Each picture
comes from its own throw-away workspace and settings file: the model picked in the
window, its parameters set in the form (SHOTS below), started at full speed and shown
when finished. `make model-screenshots` runs it for all three.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QEventLoop, QTimer  # noqa: E402

from farm_gui.app import create_main_window, ensure_app  # noqa: E402


@dataclass(frozen=True)
class Shot:
    params: dict[str, Any] = field(default_factory=dict)  # form fields set (the rest: defaults)
    size: tuple[int, int] = (1200, 750)


SHOTS: dict[str, Shot] = {
    # default parameters; the run ends once everyone is happy (step 7 with seed 1)
    "schelling": Shot({"simulation_steps": 200, "seed": 1, "snapshot_every": 1}),
    "boltzmann_wealth": Shot({"simulation_steps": 300, "seed": 1, "snapshot_every": 1}),
    # Mesa's defaults but NetLogo's 51 x 51 world: on Mesa's 20 x 20 the wolves eat the
    # sheep and both die out within ~100 steps in nearly every seed, nothing oscillates
    "wolf_sheep": Shot({"simulation_steps": 500, "seed": 21, "snapshot_every": 1, "width": 51, "height": 51},
                       (1600, 1000)),
}


def pump(seconds: float) -> None:
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()


def wait_for(condition, timeout: float = 300.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit("timed out preparing the screenshot")
        pump(0.05)


def shoot(model: str, out: Path) -> None:
    shot = SHOTS[model]
    with tempfile.TemporaryDirectory(prefix="farm-gui-model-shot-") as tmp:
        os.environ["FARM_GUI_SETTINGS"] = str(Path(tmp) / "settings.ini")
        window = create_main_window(str(Path(tmp) / f"shot_{model}.db"))
        window.resize(*shot.size)
        window.show()
        form = window.config_form
        form.set_model(model)
        wait_for(lambda: form.spec.name == model)
        for key, value in shot.params.items():
            form.set_value(key, value)
        window.set_speed(None)
        window.actions.start.trigger()
        wait_for(lambda: window.registry.runs() and window.registry.runs()[0].state == "finished")
        run_id = window.registry.runs()[0].run_id
        wait_for(lambda: window.store.get_run(run_id).status == "finished")
        last = window.store.get_run(run_id).steps_done
        wait_for(lambda: window.world_view.displayed_step == last)
        pump(1.0)  # the charts' last refresh
        out.parent.mkdir(parents=True, exist_ok=True)
        if not window.grab().save(str(out)):
            raise SystemExit(f"could not write {out}")
        window.close()
        window.deleteLater()
        pump(0.2)
    print(f"screenshot={out}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="*", metavar="MODEL",
                        help=f"models to picture: {', '.join(SHOTS)} (default: all)")
    parser.add_argument("--out", default=str(ROOT / "docs"), help="folder of the pictures (default: docs/)")
    args = parser.parse_args(argv)
    unknown = [m for m in args.models if m not in SHOTS]
    if unknown:
        parser.error(f"no screenshot set up for {unknown[0]!r}; choose from {', '.join(SHOTS)}")
    ensure_app()
    for model in args.models or SHOTS:
        shoot(model, Path(args.out) / f"{model}.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
