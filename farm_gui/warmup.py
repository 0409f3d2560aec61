"""Compile the numba functions once, when the application is installed (`make` runs this;
the packaged build runs it at build time, and the window at a first start that finds
nothing compiled for this computer: see ``farm_gui.kernel_cache``).

numba compiles a function on its first call and caches the result beside the code. The
first call holds the GIL for 1-3 s per function: on a new machine the window froze at the
first run (the engine's kernel, the snapshot copy, the writer's packing, the charts'
envelopes) and at the first world picture. Compiled here, they load from the cache in
milliseconds instead. The argument types match those used at run time, which select the
compiled version."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

log = logging.getLogger(__name__)


def _simulation() -> None:
    from farm_gui.config import preset
    from farm_gui.sim import build_model
    from farm_gui.store.packing import CODEC, pack_agents

    model = build_model(preset("default").model_copy(update={"simulation_steps": 3}))
    model.step()
    model.step_block(2)  # the run loop's way (a kernel of its own)
    pack_agents(model.snapshot(), CODEC)


def _plug_in_models() -> None:
    """Every registered model's kernels: build its default preset, step it, take its layers
    (the large presets use the same argument types, so one compilation serves both)."""
    from farm_gui.core.registry import models

    for spec in models().values():
        if spec.storage != "generic":
            continue  # the foraging ecology: compiled by the simulation step above
        try:
            params = spec.preset("default")
            engine = spec.create_engine(params, params.seed)
            for _ in range(2):
                engine.step()
            engine.layers()
        except Exception:  # a researcher's broken plug-in must not stop the others
            log.warning("could not compile the model %s ahead", spec.name, exc_info=True)


def _chart_envelopes() -> None:
    from farm_gui.display import envelope

    envelope.load_kernel()


def _world_picture() -> None:
    from farm_gui.display import raster

    raster.load_kernel()


def load_display_kernels() -> None:
    """The charts' and the world picture's kernels, loaded from the cache: the window does
    it in a thread once it is shown (its first numba call costs ~0.5 s of start-up)."""
    _chart_envelopes()
    _world_picture()


# (what is compiled, how) in order; each takes a few seconds the first time.
STEPS: list[tuple[str, Callable[[], None]]] = [
    ("the simulation step", _simulation),
    ("the plug-in models", _plug_in_models),
    ("the chart envelopes", _chart_envelopes),
    ("the world picture", _world_picture),
]


def compile_all(progress: Callable[[int, int, str], None] | None = None) -> None:
    """Run every step; ``progress(done, total, next_label)`` is called before each step
    and once at the end (with an empty label)."""
    for i, (label, step) in enumerate(STEPS):
        if progress is not None:
            progress(i, len(STEPS), label)
        step()
    if progress is not None:
        progress(len(STEPS), len(STEPS), "")


def main() -> int:
    started = time.perf_counter()
    compile_all()
    print(f"numba functions compiled and cached in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
