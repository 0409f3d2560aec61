"""The Boltzmann wealth model (Mesa 3.3's ``basic/boltzmann_wealth_model``) as a plug-in.

Agents start with one unit of wealth each on uniformly random cells of a bounded grid
(several may share a cell). Each step, in a random order, every agent moves to a random
one of its Moore neighbour cells and then, if it has wealth, gives one unit to a random
other agent on its new cell. Wealth is conserved; its distribution drifts towards a
geometric (Boltzmann-Gibbs) one with a Gini coefficient near 2/3. The run never ends by
itself.
"""

from __future__ import annotations

from farm_gui.core.model import Chart, Metric, ModelSpec, PointLayer, RasterLayer

from .engine import BoltzmannEngine, BoltzmannParameters, create_engine, restore_engine

PRESETS = {
    "default": {},
    # Mesa's large size in docs/mesa_reference.md: one agent per cell, 100,000 agents.
    "large": {"n": 100_000, "width": 316, "height": 316, "snapshot_every": 50},
}


def _spec() -> ModelSpec:
    from farm_gui import __version__

    return ModelSpec(
        name="boltzmann_wealth",
        title="Boltzmann wealth",
        version=__version__,
        description="Agents wander a grid and hand one unit of wealth to a random agent they "
                    "meet; equal shares turn into a skewed distribution (Mesa 3.3's example rules).",
        parameters=BoltzmannParameters,
        create_engine=create_engine,
        kernel_modules=("farm_gui.models.boltzmann_wealth._kernel",),
        restore_engine=restore_engine,
        metrics=(
            Metric("gini", "Gini coefficient", "", chart="inequality", color="#d62728"),
            Metric("zero_share", "share with nothing", "share", chart="inequality", color="#7f7f7f"),
            Metric("max_wealth", "richest agent", "units", integer=True, chart="richest", color="#2ca02c"),
            Metric("transfers", "transfers", "per step", integer=True),
        ),
        charts=(Chart("inequality", "Inequality", "0-1"),
                Chart("richest", "Wealth of the richest agent", "units")),
        # drawn in this order, the last on top: the points over the per-cell raster
        layers=(RasterLayer("cell_wealth", "Wealth per cell", mode="value",
                            colormap=("#fff7ec", "#7f0000")),
                PointLayer("agents", "Agents", fields=("value", "id"), color="#1f77b4",
                           size_means="wealth")),
        presets=PRESETS,
        world_size=lambda p: (p.width, p.height),
    )


SPEC = _spec()

__all__ = ["PRESETS", "SPEC", "BoltzmannEngine", "BoltzmannParameters"]
