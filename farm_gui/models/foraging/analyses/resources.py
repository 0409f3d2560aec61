"""Resources: gathering efficiency (gathered per agent-step), depletion periods,
node utilisation, and totals of gathering, sharing and consumption.

An agent-step is one agent acting in one step; every living agent takes exactly
one action per step, so a step's agent-steps are the sum of its action counts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pydantic import Field

from farm_gui.analysis.base import AnalysisModule, AnalysisResult, Control, ModuleParams, ScaledControl
from farm_gui.analysis.per_run import per_run
from farm_gui.analysis.source import RunSource, downsample, load_metrics, pick_evenly
from farm_gui.analysis.stats import periods_below, safe_div
from farm_gui.config import ACTIONS


class ResourcesParams(ModuleParams):
    depletion_threshold: float = Field(0.1, ge=0, le=1, description=(
        "Node level (share of total capacity) below which a step counts as depleted"))
    efficiency_window: int = Field(50, ge=1, le=1_000_000,
                                   description="Steps in the rolling efficiency curve")
    max_snapshots: int = Field(200, ge=1, le=100_000, description="Most stored snapshots read for node use")
    max_points: int = Field(2000, ge=10, le=1_000_000, description="Most points per plotted curve")


def agent_steps(metrics: pd.DataFrame) -> np.ndarray:
    cols = [f"action_{a}" for a in ACTIONS if f"action_{a}" in metrics]
    return metrics[cols].to_numpy(dtype=float).sum(axis=1) if cols else np.zeros(len(metrics))


def _ratio(a: float, b: float) -> float:
    return float(a) / float(b) if b else float("nan")


def node_utilisation(source: RunSource, capacity_per_node: float, most: int, ctl: Control) -> pd.DataFrame:
    rows = []
    steps = pick_evenly(source.snapshot_steps(), most)
    for i, step in enumerate(steps):
        amount = np.asarray(source.world_state(int(step))["node_amount"], dtype=float)
        rows.append({
            "step": int(step),
            "nodes": len(amount),
            "empty_nodes": int((amount <= 0).sum()),
            "empty_share": _ratio((amount <= 0).sum(), len(amount)),
            "mean_fill": float((amount / capacity_per_node).mean()) if len(amount) else float("nan"),
        })
        ctl.checkpoint((i + 1) / len(steps), "reading node snapshots")
    return pd.DataFrame(rows, columns=["step", "nodes", "empty_nodes", "empty_share", "mean_fill"])


def compute_one(source: RunSource, params: ResourcesParams, ctl: Control) -> AnalysisResult:
    config = source.config()
    metrics = load_metrics(source, ScaledControl(ctl, 0.0, 0.6))
    steps = metrics["step"].to_numpy(dtype=np.int64)
    acting = agent_steps(metrics)
    gathered = metrics["resources_gathered"].to_numpy(dtype=float)
    shared = metrics["resources_shared"].to_numpy(dtype=float)
    consumed = metrics["resources_consumed"].to_numpy(dtype=float)
    capacity = config.initial_resources * config.max_resource_amount
    level = safe_div(metrics["resources_in_nodes"].to_numpy(dtype=float), capacity)

    total_acting = float(acting.sum())
    gathers = float(metrics["action_gather"].sum()) if "action_gather" in metrics else float("nan")
    totals = pd.DataFrame([
        {"quantity": name, "total": float(v.sum()), "per_agent_step": _ratio(v.sum(), total_acting),
         "per_step": _ratio(v.sum(), len(steps))}
        for name, v in (("gathered", gathered), ("shared", shared), ("consumed", consumed))
    ])
    depletion = periods_below(steps, level, params.depletion_threshold)
    ctl.checkpoint(0.7, "depletion periods")
    nodes = node_utilisation(source, config.max_resource_amount, params.max_snapshots,
                             ScaledControl(ctl, 0.7, 0.95))

    window = params.efficiency_window
    rolling_gathered = pd.Series(gathered).rolling(window, min_periods=1).sum().to_numpy()
    rolling_acting = pd.Series(acting).rolling(window, min_periods=1).sum().to_numpy()
    efficiency = safe_div(rolling_gathered, rolling_acting)
    series = {}
    for name, y in (("node level/share of capacity", level), ("gathering efficiency/rolling", efficiency),
                    ("flows/gathered", gathered), ("flows/shared", shared), ("flows/consumed", consumed)):
        x, yy = downsample(steps, y, max_points=params.max_points)
        series[name] = {"x": x.astype(float), "y": yy}

    summary: dict[str, str | float] = {
        "gathering_efficiency": _ratio(gathered.sum(), total_acting),
        "gathered_per_gather_action": _ratio(gathered.sum(), gathers),
        "shared_share_of_gathered": _ratio(shared.sum(), gathered.sum()),
        "total_gathered": float(gathered.sum()),
        "total_shared": float(shared.sum()),
        "total_consumed": float(consumed.sum()),
        "agent_steps": total_acting,
        "depletion_periods": float(len(depletion)),
        "depleted_steps": float(depletion["length"].sum()) if len(depletion) else 0.0,
        "mean_node_level": float(level.mean()) if len(level) else float("nan"),
    }
    if len(nodes):
        summary["mean_empty_node_share"] = float(nodes["empty_share"].mean())
    ctl.checkpoint(1.0, "resources done")
    return AnalysisResult(
        module="resources",
        tables={"totals": totals, "depletion_periods": depletion, "node_utilisation": nodes},
        series=series,
        summary=summary,
    )


MODULE = AnalysisModule(
    name="resources",
    title="Resources",
    description="Gathering efficiency per agent-step, depletion periods, node utilisation, "
                "totals gathered, shared and consumed.",
    params_model=ResourcesParams,
    compute=per_run("resources", compute_one),
)
