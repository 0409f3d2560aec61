"""Actions: how often each type takes each action, over time in windows of
steps, and the balance of sharing against attacking
(balance = (share - attack) / (share + attack), from -1 all attack to +1 all share).

Counts are summed into windows by the source (for a stored run: by the database,
chunk by chunk) and then into a dense (window, type, action) array, so memory and
per-chunk time stay flat however long the run is."""

from __future__ import annotations

import numpy as np
import pandas as pd
from pydantic import Field

from farm_gui.analysis.base import AnalysisModule, AnalysisResult, Control, ModuleParams, ScaledControl
from farm_gui.analysis.per_run import per_run
from farm_gui.analysis.source import RunSource, load_metrics
from farm_gui.analysis.stats import safe_div
from farm_gui.config import ACTIONS, AGENT_TYPES

from .action_counts import iter_action_sums

ALL = "all"
TYPE_NAMES = (*AGENT_TYPES, ALL)  # "all": runs without per-type counts (metric totals only)
MAX_WINDOWS = 1_000_000


class ActionsParams(ModuleParams):
    window: int = Field(0, ge=0, le=100_000_000, description="Steps per time window (0: about 100 windows)")


def balance(share, attack) -> np.ndarray:
    share = np.asarray(share, dtype=float)
    attack = np.asarray(attack, dtype=float)
    return safe_div(share - attack, share + attack)


def windowed_counts(source: RunSource, window: int, n_windows: int, ctl: Control) -> np.ndarray:
    """Counts summed into a (window, TYPE_NAMES, ACTIONS) array, read chunk by chunk
    (the source sums each chunk's steps into windows; the last window takes any overflow)."""
    dense = np.zeros((n_windows, len(TYPE_NAMES), len(ACTIONS)), dtype=np.int64)
    seen = False
    for chunk in iter_action_sums(source, window, ScaledControl(ctl, 0.0, 0.8)):
        if not len(chunk.step):
            continue
        seen = True
        w = np.minimum(chunk.step // window, n_windows - 1)
        np.add.at(dense, (w, chunk.agent_type), chunk.counts)
    if not seen:
        # No per-type counts stored: fall back to the all-type totals in the metrics.
        metrics = load_metrics(source, ScaledControl(ctl, 0.8, 0.9))
        w = np.minimum(metrics["step"].to_numpy(dtype=np.int64) // window, n_windows - 1)
        for j, action in enumerate(ACTIONS):
            if f"action_{action}" in metrics:
                counts = metrics[f"action_{action}"].to_numpy(dtype=np.int64)
                np.add.at(dense[:, len(AGENT_TYPES), j], w, counts)
    return dense


def compute_one(source: RunSource, params: ActionsParams, ctl: Control) -> AnalysisResult:
    n_steps = source.steps_done()
    window = params.window or max(1, int(np.ceil(n_steps / 100)))
    n_windows = min(max(1, int(np.ceil(n_steps / window))), MAX_WINDOWS)
    dense = windowed_counts(source, window, n_windows, ctl)
    present = [i for i in range(len(TYPE_NAMES)) if dense[:, i, :].any()]
    names = [TYPE_NAMES[i] for i in present]

    per_type = dense.sum(axis=0)  # (types, actions)
    totals_rows = []
    for i, name in zip(present, names, strict=True):
        shares = safe_div(per_type[i], per_type[i].sum())
        totals_rows += [{"agent_type": name, "action": a, "count": int(per_type[i, j]), "share": shares[j]}
                        for j, a in enumerate(ACTIONS) if per_type[i, j] > 0]
    totals = pd.DataFrame(totals_rows, columns=["agent_type", "action", "count", "share"])

    w_idx, t_idx, a_idx = np.nonzero(dense)
    window_totals = dense.sum(axis=2)
    over_time = pd.DataFrame({
        "window_start": w_idx * window,
        "window_end": np.minimum((w_idx + 1) * window, n_steps) - 1,
        "agent_type": np.array(TYPE_NAMES, dtype=object)[t_idx],
        "action": np.array(ACTIONS, dtype=object)[a_idx],
        "count": dense[w_idx, t_idx, a_idx],
        "share": safe_div(dense[w_idx, t_idx, a_idx], window_totals[w_idx, t_idx]),
    })
    ctl.checkpoint(0.92, "action frequencies")

    share_j, attack_j = ACTIONS.index("share"), ACTIONS.index("attack")
    types = list(names)
    shares = [int(v) for v in per_type[present, share_j]]
    attacks = [int(v) for v in per_type[present, attack_j]]
    if names != [ALL]:  # a row for all types together (built in one go: no dtype changes)
        types.append(ALL)
        shares.append(int(per_type[:, share_j].sum()))
        attacks.append(int(per_type[:, attack_j].sum()))
    balance_table = pd.DataFrame({"agent_type": types, "share": np.array(shares, dtype=np.int64),
                                  "attack": np.array(attacks, dtype=np.int64)})
    balance_table["balance"] = balance(balance_table["share"], balance_table["attack"])

    series = {}
    x = np.arange(n_windows, dtype=float) * window
    for i, name in zip(present, names, strict=True):
        active = window_totals[:, i] > 0
        series[f"share-attack balance/{name}"] = {
            "x": x[active], "y": balance(dense[active, i, share_j], dense[active, i, attack_j])}
        for j, action in enumerate(ACTIONS):
            if per_type[i, j] > 0:
                series[f"actions of {name}/{action}"] = {
                    "x": x[active], "y": safe_div(dense[active, i, j], window_totals[active, i])}

    summary: dict[str, str | float] = {"window_steps": float(window), "actions_taken": float(per_type.sum())}
    for i, name in zip(present, names, strict=True):
        summary[f"most_common_{name}"] = ACTIONS[int(np.argmax(per_type[i]))]
    summary["share_attack_balance"] = float(balance_table.iloc[-1]["balance"]) if len(balance_table) else (
        float("nan"))
    ctl.checkpoint(1.0, "actions done")
    return AnalysisResult(
        module="actions",
        tables={"totals": totals, "over_time": over_time, "share_attack": balance_table},
        series=series,
        summary=summary,
    )


MODULE = AnalysisModule(
    name="actions",
    title="Actions",
    description="Action frequencies per type over time; the balance of sharing and attacking.",
    params_model=ActionsParams,
    compute=per_run("actions", compute_one),
)
