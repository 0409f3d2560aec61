"""Schelling's segregation model (Mesa 3.3's ``basic/schelling``) as a plug-in.

Two groups of agents live on a bounded grid, at most one per cell. An agent is happy
when at least ``homophily`` (a fraction) of the occupied cells around it (Moore
neighbourhood of ``radius``, clipped at the edges) hold agents of its own group; an
agent without neighbours is unhappy. Each step, in a random order, every agent that
was unhappy at the end of the previous step moves to a uniformly random empty cell;
then everyone's happiness is evaluated again. The run ends after the first step at
which everyone is happy (``engine.done``).
"""

from __future__ import annotations

from farm_gui.core.model import Category, Chart, Metric, ModelSpec, RasterLayer

from .engine import SchellingEngine, SchellingParameters, create_engine, restore_engine

GROUPS = (
    Category("empty", "#f2f2f2", "Empty"),
    Category("group_a", "#1f77b4", "Group A"),
    Category("group_b", "#ff7f0e", "Group B (minority)"),
)
MOODS = (
    Category("empty", "#f2f2f2", "Empty"),
    Category("happy", "#2ca02c", "Happy"),
    Category("unhappy", "#d62728", "Unhappy"),
)

PRESETS = {
    "default": {},
    # 400 x 400 cells at density 0.8: about 128,000 agents (>= 100,000 in every seed:
    # the count is Binomial(160000, 0.8), sd 160).
    "large": {"width": 400, "height": 400, "snapshot_every": 10},
}


def _spec() -> ModelSpec:
    from farm_gui import __version__

    return ModelSpec(
        name="schelling",
        title="Schelling segregation",
        version=__version__,
        description="Two groups on a grid; unhappy agents (too few similar neighbours) move to a "
                    "random empty cell until everyone is happy (Mesa 3.3's example rules).",
        parameters=SchellingParameters,
        create_engine=create_engine,
        kernel_modules=("farm_gui.models.schelling._kernel",),
        restore_engine=restore_engine,
        metrics=(
            Metric("happy", "happy agents", "agents", integer=True, chart="agents", color="#2ca02c"),
            Metric("happy_share", "happy share", "share", chart="shares", color="#2ca02c"),
            Metric("similar_share", "similar-neighbour share", "share", chart="shares", color="#9467bd"),
            Metric("moved", "agents moved", "agents", integer=True, chart="agents", color="#d62728",
                   per_step=True),
        ),
        charts=(Chart("shares", "Happiness and segregation", "share"),
                Chart("agents", "Happy agents and moves", "agents")),
        # the window draws the layers in this order, the last on top: the groups are what
        # one wants to see; the mood raster (under them) is there for the layer toggles
        layers=(RasterLayer("mood", "Happy / unhappy", mode="category", categories=MOODS),
                RasterLayer("groups", "Groups", mode="category", categories=GROUPS)),
        presets=PRESETS,
        world_size=lambda p: (p.width, p.height),
        settles=True,  # it ends once every agent is happy, and then nobody moves again
    )


SPEC = _spec()

__all__ = ["GROUPS", "MOODS", "PRESETS", "SPEC", "SchellingEngine", "SchellingParameters"]
