"""Compile the numba functions once, when the application is installed (`make` runs this).

numba compiles a function on its first call and caches the result beside the code. The
first call holds the GIL for 1-3 s per function: on a new machine the window froze at the
first run (the engine's kernel, the snapshot copy, the writer's packing, the charts'
envelopes) and at the first world picture. Compiled here, they load from the cache in
milliseconds instead. The argument types match those used at run time, which select the
compiled version."""

from __future__ import annotations

import time


def main() -> int:
    started = time.perf_counter()
    from farm_gui.config import preset
    from farm_gui.sim import build_model
    from farm_gui.store.packing import CODEC, pack_agents

    model = build_model(preset("default").model_copy(update={"simulation_steps": 3}))
    while not model.done:
        model.step()
    pack_agents(model.snapshot(), CODEC)

    from farm_gui.ui import envelope, world_view

    envelope.load_kernel()
    world_view.load_kernel()
    print(f"numba functions compiled and cached in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
