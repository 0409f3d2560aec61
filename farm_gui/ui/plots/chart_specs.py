"""Which charts a model has and which curves they draw, from its declaration: one chart per
``spec.charts`` entry, a curve per metric of it in the metric's colour (or its category's),
a right axis for metrics whose unit differs from the chart's first. The foraging ecology
keeps the first release's look (``foraging_look``)."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt

from farm_gui.core.model import Metric, ModelSpec
from farm_gui.display.series import RunSeries
from farm_gui.ui.world import foraging_look

PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf",
           "#bcbd22", "#7f7f7f")
RUN_STYLES = (Qt.PenStyle.SolidLine, Qt.PenStyle.DashLine, Qt.PenStyle.DotLine, Qt.PenStyle.DashDotLine,
              Qt.PenStyle.DashDotDotLine)


@dataclass(frozen=True)
class ChartLayout:
    name: str  # the chart's objectName is f"{name}_chart"
    title: str
    y_label: str
    right_label: str | None
    right_metrics: tuple[str, ...]


def layouts(spec: ModelSpec) -> list[ChartLayout]:
    out = []
    for chart in spec.charts:
        right_label, right = None, ()
        if foraging_look.applies(spec):
            right_label, right = foraging_look.RIGHT_AXES.get(chart.name, (None, ()))
        else:
            metrics = spec.chart_metrics(chart.name)
            units = list(dict.fromkeys(m.unit for m in metrics))
            if len(units) > 1:
                right = tuple(m.name for m in metrics if m.unit != units[0])
                right_units = [u for u in units[1:] if u]
                right_label = ", ".join(right_units) or "value"
        out.append(ChartLayout(chart.name, chart.title, chart.y_label or _units(spec, chart.name),
                               right_label, tuple(right)))
    return out


def _units(spec: ModelSpec, chart: str) -> str:
    units = [m.unit for m in spec.chart_metrics(chart) if m.unit]
    return units[0] if units else ""


def metric_color(spec: ModelSpec, metric: Metric) -> str:
    if metric.color:
        return metric.color
    if metric.category is not None:
        for category in spec.categories:
            if category.name == metric.category:
                return category.color
        for layer in spec.layers:
            for category in getattr(layer, "categories", ()):
                if category.name == metric.category:
                    return category.color
    return PALETTE[spec.metric_names.index(metric.name) % len(PALETTE)]


def curves(spec: ModelSpec, runs: list[RunSeries], common: set[str] | None = None
           ) -> dict[str, list[tuple]]:
    """Curves by chart name, each (run, metric, label, colour, right axis, pen style): one
    run draws its metrics under their labels; several runs "run: label" with the run's line
    style. ``common``: draw only these metrics (runs of different models overlaid)."""
    if foraging_look.applies(spec) and common is None:
        if len(runs) == 1:
            return foraging_look.single_run(runs[0])
        return foraging_look.several_runs(runs, RUN_STYLES)
    out: dict[str, list[tuple]] = {}
    for layout in layouts(spec):
        specs = out.setdefault(layout.name, [])
        for i, run in enumerate(runs):
            style = RUN_STYLES[i % len(RUN_STYLES)]
            for metric in spec.chart_metrics(layout.name):
                if common is not None and metric.name not in common:
                    continue
                label = metric.label if len(runs) == 1 else f"{run.name}: {metric.label}"
                specs.append((run, metric.name, label, metric_color(spec, metric),
                              metric.name in layout.right_metrics, style))
    return out


def format_value(metric: Metric | None, v: float) -> str:
    if metric is not None and metric.integer or float(v).is_integer():
        return f"{v:,.0f}"
    return f"{v:.3g}" if abs(v) < 1000 else f"{v:,.1f}"


def readout_metrics(spec: ModelSpec, common: set[str] | None = None) -> list[Metric]:
    """What the hover read-out lists: the charted metrics, then the others (in order)."""
    charted = [m for m in spec.metrics if m.chart is not None]
    chosen = charted or list(spec.metrics)
    return [m for m in chosen if common is None or m.name in common]
