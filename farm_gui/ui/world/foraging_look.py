"""The foraging ecology's charts as the first release drew them (and its users know
them): a "total" curve above the agent types present in the run, the mean resources per
agent on a right axis beside the resources in nodes. Used only for runs of a model with
the first release's storage (``foraging_v1``); every other model's charts are built from
its declaration alone (see ``charts``)."""

from __future__ import annotations

from PySide6.QtCore import Qt

from farm_gui.core.model import ModelSpec
from farm_gui.display.series import TYPE_COLORS, RunSeries

TOTAL_COLOR = "#7f7f7f"
STORAGE = "foraging_v1"
# chart name -> (right axis label, metrics drawn against it)
RIGHT_AXES = {"resources": ("mean per agent", ("mean_agent_resources",))}
METRIC_COLORS = {"resources_in_nodes": "#2ca02c", "mean_agent_resources": "#ff7f0e", "births": "#1f77b4",
                 "deaths": "#d62728", "mean_health": "#9467bd"}


def applies(spec: ModelSpec) -> bool:
    return spec.storage == STORAGE


def single_run(run: RunSeries) -> dict[str, list[tuple]]:
    """Curves by chart name, each (run, metric, label, colour, right axis, pen style)."""
    solid = Qt.PenStyle.SolidLine
    color = METRIC_COLORS
    return {
        "population": [(run, "alive", "total", TOTAL_COLOR, False, solid)] + [
            (run, f"alive_{t}", t, TYPE_COLORS[t], False, solid) for t in run.types],
        "resources": [
            (run, "resources_in_nodes", "in nodes", color["resources_in_nodes"], False, solid),
            (run, "mean_agent_resources", "mean per agent", color["mean_agent_resources"], True, solid)],
        "births_deaths": [(run, "births", "births", color["births"], False, solid),
                          (run, "deaths", "deaths", color["deaths"], False, solid)],
        "health": [(run, "mean_health", "mean health", color["mean_health"], False, solid)],
    }


def several_runs(runs: list[RunSeries], styles: tuple) -> dict[str, list[tuple]]:
    """Every curve of every run: the colour says the type (or metric), the line style the
    run, as the legend's "name: type" entries spell out."""
    out: dict[str, list[tuple]] = {"population": [], "resources": [], "births_deaths": [], "health": []}
    for i, run in enumerate(runs):
        style = styles[i % len(styles)]

        def spec(metric: str, what: str, color: str, right: bool = False, run=run, style=style):
            return (run, metric, f"{run.name}: {what}", color, right, style)

        out["population"] += [spec("alive", "total", TOTAL_COLOR)] + [
            spec(f"alive_{t}", t, TYPE_COLORS[t]) for t in run.types]
        out["resources"] += [
            spec("resources_in_nodes", "in nodes", METRIC_COLORS["resources_in_nodes"]),
            spec("mean_agent_resources", "mean per agent", METRIC_COLORS["mean_agent_resources"], True)]
        out["births_deaths"] += [spec("births", "births", METRIC_COLORS["births"]),
                                 spec("deaths", "deaths", METRIC_COLORS["deaths"])]
        out["health"].append(spec("mean_health", "mean health", METRIC_COLORS["mean_health"]))
    return out


def readout(run: RunSeries, value) -> str:
    """The hover read-out's values of one run at one step (``value(metric)`` formats one)."""
    types = ", ".join(f"{t} {value('alive_' + t)}" for t in run.types)
    return (f"alive {value('alive')} ({types}); "
            f"resources {value('resources_in_nodes')} in nodes, "
            f"{value('mean_agent_resources')} per agent; births {value('births')}, "
            f"deaths {value('deaths')}; health {value('mean_health')}")


def node_capacity(params) -> float:
    """The most a resource node holds (the world view sizes nodes by fifths of it)."""
    return float(getattr(params, "max_resource_amount", 30.0))
