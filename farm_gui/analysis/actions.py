"""Actions: how often each type takes each action, over time in windows of
steps, and the balance of sharing against attacking
(balance = (share - attack) / (share + attack), from -1 all attack to +1 all share)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from pydantic import Field

from farm_gui.config import ACTIONS

from .base import AnalysisModule, AnalysisResult, Control, ModuleParams, ScaledControl, register
from .per_run import per_run
from .source import RunSource, iter_action_chunks, load_metrics
from .stats import safe_div

KEY = ["window", "agent_type", "action"]


class ActionsParams(ModuleParams):
    window: int = Field(0, ge=0, le=100_000_000, description="Steps per time window (0: about 100 windows)")


def balance(share: np.ndarray | float, attack: np.ndarray | float):
    share = np.asarray(share, dtype=float)
    attack = np.asarray(attack, dtype=float)
    return safe_div(share - attack, share + attack)


def windowed_counts(source: RunSource, window: int, ctl: Control) -> pd.DataFrame:
    """Counts summed per (window, agent_type, action), read chunk by chunk."""
    parts = []
    for chunk in iter_action_chunks(source, ScaledControl(ctl, 0.0, 0.8)):
        if len(chunk):
            chunk = chunk.assign(window=chunk["step"].to_numpy(dtype=np.int64) // window,
                                 agent_type=chunk["agent_type"].astype(str),
                                 action=chunk["action"].astype(str))
            parts.append(chunk.groupby(KEY, as_index=False)["count"].sum())
    if parts:
        return pd.concat(parts, ignore_index=True).groupby(KEY, as_index=False)["count"].sum()
    # No per-type counts stored: fall back to the all-type totals in the metrics.
    metrics = load_metrics(source, ScaledControl(ctl, 0.8, 0.9))
    cols = [f"action_{a}" for a in ACTIONS if f"action_{a}" in metrics]
    long = metrics.melt(id_vars=["step"], value_vars=cols, var_name="action", value_name="count")
    long["action"] = long["action"].str.removeprefix("action_")
    long = long.assign(window=long["step"].to_numpy(dtype=np.int64) // window, agent_type="all")
    return long.groupby(KEY, as_index=False)["count"].sum()


def with_shares(frame: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    totals = frame.groupby(by)["count"].transform("sum").to_numpy(dtype=float)
    return frame.assign(share=safe_div(frame["count"], totals))


def compute_one(source: RunSource, params: ActionsParams, ctl: Control) -> AnalysisResult:
    n_steps = source.steps_done()
    window = params.window or max(1, int(np.ceil(n_steps / 100)))
    counts = windowed_counts(source, window, ctl)
    counts["count"] = counts["count"].astype(np.int64)

    over_time = counts.assign(window_start=counts["window"] * window,
                              window_end=np.minimum((counts["window"] + 1) * window, n_steps) - 1)
    over_time = with_shares(over_time, ["window", "agent_type"])
    over_time = over_time[["window_start", "window_end", "agent_type", "action", "count", "share"]]
    totals = counts.groupby(["agent_type", "action"], as_index=False)["count"].sum()
    totals = with_shares(totals, ["agent_type"])

    pivot = totals.pivot_table(index="agent_type", columns="action", values="count", aggfunc="sum",
                               fill_value=0)
    share_n = pivot["share"] if "share" in pivot else pd.Series(0, index=pivot.index)
    attack_n = pivot["attack"] if "attack" in pivot else pd.Series(0, index=pivot.index)
    balance_table = pd.DataFrame({"agent_type": list(pivot.index), "share": share_n.astype(int).tolist(),
                                  "attack": attack_n.astype(int).tolist()})
    if list(pivot.index) != ["all"]:
        balance_table.loc[len(balance_table)] = ["all", int(share_n.sum()), int(attack_n.sum())]
    balance_table["balance"] = balance(balance_table["share"], balance_table["attack"])
    ctl.checkpoint(0.9, "balance of sharing and attacking")

    series = {}
    wide = counts.pivot_table(index=["window", "agent_type"], columns="action", values="count",
                              aggfunc="sum", fill_value=0)
    for agent_type in wide.index.get_level_values("agent_type").unique():
        part = wide.xs(agent_type, level="agent_type")
        x = (part.index.to_numpy(dtype=float) * window)
        s = part["share"].to_numpy(dtype=float) if "share" in part else np.zeros(len(part))
        a = part["attack"].to_numpy(dtype=float) if "attack" in part else np.zeros(len(part))
        series[f"share-attack balance/{agent_type}"] = {"x": x, "y": balance(s, a)}
        row_totals = part.to_numpy(dtype=float).sum(axis=1)
        for action in part.columns:
            y = safe_div(part[action].to_numpy(dtype=float), row_totals)
            series[f"actions of {agent_type}/{action}"] = {"x": x, "y": y}

    summary: dict[str, str | float] = {"window_steps": float(window),
                                       "actions_taken": float(totals["count"].sum())}
    for agent_type, part in totals.groupby("agent_type"):
        summary[f"most_common_{agent_type}"] = str(part.loc[part["count"].idxmax(), "action"])
    summary["share_attack_balance"] = float(balance_table.iloc[-1]["balance"])
    ctl.checkpoint(1.0, "actions done")
    return AnalysisResult(
        module="actions",
        tables={"totals": totals, "over_time": over_time.reset_index(drop=True),
                "share_attack": balance_table},
        series=series,
        summary=summary,
    )


MODULE = register(AnalysisModule(
    name="actions",
    title="Actions",
    description="Action frequencies per type over time; the balance of sharing and attacking.",
    params_model=ActionsParams,
    compute=per_run("actions", compute_one),
))
