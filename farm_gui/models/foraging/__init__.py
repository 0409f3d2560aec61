"""The foraging ecology (AgentFarm's default simulation) as a plug-in.

Its engine, configuration and kernels live in ``farm_gui.sim`` and ``farm_gui.config``
(where the first release put them); its step data keeps the first release's tables
(``storage="foraging_v1"``), so workspaces written before models were plug-ins open
unchanged and SQL queries against ``step_metrics`` keep working.
"""

from __future__ import annotations

from farm_gui.core.model import Category, Chart, Metric, ModelSpec, PointLayer, RunParameters

from .engine import ForagingEngine, create_engine, restore_engine

TYPE_COLORS = {
    "system": "#1f77b4",
    "independent": "#d62728",
    "control": "#2ca02c",
    "order": "#9467bd",
    "chaos": "#8c564b",
}


def _spec() -> ModelSpec:
    from farm_gui import __version__
    from farm_gui.config import ACTIONS, AGENT_TYPES, PRESETS, RunConfig

    categories = tuple(Category(t, TYPE_COLORS[t]) for t in AGENT_TYPES)
    metrics = (
        Metric("alive", "Agents alive", "agents", integer=True, chart="population", color="#7f7f7f"),
        *(Metric(f"alive_{t}", t, "agents", integer=True, chart="population", category=t)
          for t in AGENT_TYPES),
        Metric("births", "births", "per step", integer=True, chart="births_deaths", color="#1f77b4"),
        Metric("deaths", "deaths", "per step", integer=True, chart="births_deaths", color="#d62728"),
        Metric("deaths_starvation", "deaths by starvation", "per step", integer=True),
        Metric("deaths_combat", "deaths in combat", "per step", integer=True),
        Metric("resources_in_nodes", "in nodes", "resources", chart="resources", color="#2ca02c"),
        Metric("mean_agent_resources", "mean per agent", "resources", chart="resources", color="#ff7f0e"),
        Metric("mean_health", "mean health", "health", chart="health", color="#9467bd"),
        Metric("mean_age", "mean age", "steps"),
        Metric("max_generation", "highest generation", "", integer=True),
        *(Metric(f"action_{a}", f"{a} actions", "per step", integer=True) for a in ACTIONS),
        Metric("resources_gathered", "resources gathered", "per step"),
        Metric("resources_shared", "resources shared", "per step"),
        Metric("resources_consumed", "resources consumed", "per step"),
    )
    return ModelSpec(
        name="foraging",
        title="Foraging ecology",
        version=__version__,
        description="AgentFarm's default simulation: five agent types move, gather from resource "
                    "nodes, share, attack, defend and reproduce in a continuous 2-D world.",
        parameters=RunConfig,
        create_engine=create_engine,
        restore_engine=restore_engine,
        metrics=metrics,
        charts=(Chart("population", "Agents alive", "agents"),
                Chart("resources", "Resources", "in nodes"),
                Chart("births_deaths", "Births and deaths", "per step"),
                Chart("health", "Mean health", "health")),
        layers=(PointLayer("resources", "Resource nodes", fields=("value",), color="#2ca02c"),
                PointLayer("agents", "Agents", fields=("category", "value", "id"), categories=categories)),
        presets=PRESETS,
        world_size=lambda p: (p.width, p.height),
        categories=categories,
        events=True,
        death_causes=("starvation", "combat"),
        storage="foraging_v1",
        analyses=("farm_gui.models.foraging.analyses:MODULES",),
    )


SPEC = _spec()

__all__ = ["SPEC", "TYPE_COLORS", "ForagingEngine", "RunParameters"]
