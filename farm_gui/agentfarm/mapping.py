"""Turning one AgentFarm simulation (reader.SimulationData) into what a Farm GUI run
stores: per-step metrics under the foraging model's names, extra metrics under
AgentFarm's, action counts per (step, type), agent lives, and the world per step.

Steps: an AgentFarm row for step s (metrics, agent and resource states) describes the
world at the END of step s. Farm GUI's metric row s is step s performed, and its snapshot
k the world after k steps, so AgentFarm's states of step s become snapshot s + 1; snapshot
0 (the initial world) is built from the ``agents`` table (initial positions, resources and
health) and the nodes' first stored positions and amounts. A child born during step t
(AgentFarm ``birth_time`` t) first acts in step t + 1, Farm GUI's ``birth_step``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from farm_gui.config import ACTIONS, AGENT_TYPES
from farm_gui.sim.protocol import BIRTH_KEYS, DEATH_CAUSES, DEATH_KEYS, METRIC_NAMES

from .reader import SimulationData

# AgentFarm simulation_steps column -> Farm GUI metric.
DIRECT_METRICS: dict[str, str] = {
    "total_agents": "alive",
    "births": "births",
    "deaths": "deaths",
    "total_resources": "resources_in_nodes",
    "average_agent_resources": "mean_agent_resources",
    "average_agent_health": "mean_health",
    "average_agent_age": "mean_age",
    "current_max_generation": "max_generation",
    "resources_consumed": "resources_consumed",
}
_TYPE_CODE = {t: i for i, t in enumerate(AGENT_TYPES)}
_ACTION_CODE = {a: i for i, a in enumerate(ACTIONS)}
_STARVATION, _COMBAT = DEATH_CAUSES.index("starvation"), DEATH_CAUSES.index("combat")


@dataclass
class MappedRun:
    steps: np.ndarray  # int64 metric steps (AgentFarm's step numbers)
    metrics: dict[str, np.ndarray]  # METRIC_NAMES, float64, finite
    extras: dict[str, np.ndarray]  # AgentFarm metrics without a Farm GUI column (NaN allowed)
    action_counts: np.ndarray  # int64 (steps, types, actions)
    births: dict[str, np.ndarray]  # BIRTH_KEYS
    deaths: dict[str, np.ndarray]  # DEATH_KEYS
    agent_ids: list[str]  # AgentFarm id of Farm GUI agent i
    data: SimulationData
    type_of_agent: np.ndarray  # int8 code per agent row (-1: a type Farm GUI lacks)
    generation: np.ndarray  # int32 per agent row
    notes: list[str] = field(default_factory=list)
    derived: list[str] = field(default_factory=list)  # metrics computed from other tables

    # ----- the world ---------------------------------------------------------------------
    def initial_world(self) -> dict[str, np.ndarray] | None:
        """The world before the first step, from the agents table (None without positions)."""
        a = self.data.agents
        if not len(a) or a["position_x"].isna().all() or not len(self.steps):
            return None
        first = self.steps[0]
        initial = (a["birth_time"].fillna(first).to_numpy() <= first) & ~self.births["_child"]
        rows = np.flatnonzero(initial & (self.type_of_agent >= 0) & a["position_x"].notna().to_numpy())
        nodes = self._nodes_at(first)
        return {
            "agent_id": rows.astype(np.int64), "agent_type": self.type_of_agent[rows],
            "agent_x": a["position_x"].to_numpy(np.float64)[rows],
            "agent_y": a["position_y"].to_numpy(np.float64)[rows],
            "agent_resources": np.nan_to_num(a["initial_resources"].to_numpy(np.float64)[rows]),
            "agent_health": np.nan_to_num(a["starting_health"].to_numpy(np.float64)[rows]),
            "agent_generation": self.generation[rows], "agent_alive": np.ones(len(rows), bool), **nodes,
        }

    def world_after(self, index: int) -> dict[str, np.ndarray] | None:
        """The world at the end of AgentFarm step steps[index] (Farm GUI snapshot step + 1)."""
        s = self.data.states
        step = int(self.steps[index])
        if s is None:
            return None
        lo, hi = np.searchsorted(s["step"], [step, step + 1])
        agent = s["agent"][lo:hi]
        keep = agent >= 0
        keep[keep] = self.type_of_agent[agent[keep]] >= 0
        keep &= np.isfinite(s["x"][lo:hi]) & np.isfinite(s["y"][lo:hi])
        agent = agent[keep]
        return {
            "agent_id": agent.astype(np.int64), "agent_type": self.type_of_agent[agent],
            "agent_x": s["x"][lo:hi][keep], "agent_y": s["y"][lo:hi][keep],
            "agent_resources": np.nan_to_num(s["resources"][lo:hi][keep]),
            "agent_health": np.nan_to_num(s["health"][lo:hi][keep]),
            "agent_generation": self.generation[agent], "agent_alive": np.ones(len(agent), bool),
            **self._nodes_at(step),
        }

    def _nodes_at(self, step: int) -> dict[str, np.ndarray]:
        """Nodes stored for `step`, or the latest stored before it (none: no nodes)."""
        r = self.data.resources
        empty = {k: np.zeros(0, np.float64) for k in ("node_x", "node_y", "node_amount")}
        if r is None or not len(r["step"]):
            return empty
        hi = np.searchsorted(r["step"], step, side="right")
        if hi == 0:
            hi = np.searchsorted(r["step"], r["step"][0], side="right")  # before the first: the first
        at = r["step"][hi - 1]
        lo = np.searchsorted(r["step"], at)
        sl = slice(lo, hi)
        ok = np.isfinite(r["x"][sl]) & np.isfinite(r["y"][sl])
        return {"node_x": r["x"][sl][ok], "node_y": r["y"][sl][ok],
                "node_amount": np.nan_to_num(r["amount"][sl][ok])}


def map_simulation(data: SimulationData) -> MappedRun:
    steps = np.asarray(data.steps, dtype=np.int64)
    n = len(steps)
    notes = list(data.notes)
    derived: list[str] = []
    agents = data.agents
    type_names = agents["agent_type"].to_numpy(dtype=object)
    type_of_agent = np.array([_TYPE_CODE.get(t, -1) for t in type_names], dtype=np.int8)
    unknown = sorted({t for t in type_names if t not in _TYPE_CODE})
    if unknown:
        notes.append(f"agent types without a Farm GUI counterpart (counted in alive and kept as extra "
                     f"metrics, left out of the world and the agents table): {', '.join(unknown)}")
    generation = np.nan_to_num(agents["generation"].to_numpy(np.float64)).astype(np.int32)
    births = _agent_births(data, type_of_agent, generation, steps)
    deaths = _agent_deaths(data, type_of_agent)

    metrics: dict[str, np.ndarray] = {name: np.full(n, np.nan) for name in METRIC_NAMES}
    metrics["step"] = steps.astype(np.float64)
    extras: dict[str, np.ndarray] = {}
    for column, values in data.step_columns.items():
        if column in DIRECT_METRICS:
            metrics[DIRECT_METRICS[column]] = values.astype(np.float64)
        else:
            extras[column if column not in METRIC_NAMES else f"agentfarm_{column}"] = values

    per_type = _type_counts(data, type_of_agent, steps, derived)
    for t, counts in per_type.items():
        if t in _TYPE_CODE:
            metrics[f"alive_{t}"] = counts
        else:
            extras[f"alive_{t}"] = counts
    for t in AGENT_TYPES:
        if np.isnan(metrics[f"alive_{t}"]).all():
            metrics[f"alive_{t}"] = np.zeros(n)
    if np.isnan(metrics["alive"]).all() and per_type:
        metrics["alive"] = np.sum(list(per_type.values()), axis=0)
        derived.append("alive")

    _fill_from_agents(metrics, births, deaths, data, type_of_agent, steps, derived)
    _fill_from_states(metrics, data, steps, derived)
    counts, action_extras = _action_counts(data, steps, metrics, notes)
    extras.update(action_extras)

    unavailable = [name for name in METRIC_NAMES if np.isnan(metrics[name]).all() and n]
    if unavailable:
        notes.append("not in the file, stored as 0: " + ", ".join(unavailable))
    for name in METRIC_NAMES:
        metrics[name] = np.nan_to_num(metrics[name], nan=0.0, posinf=0.0, neginf=0.0)
    if derived:
        notes.append("computed from the per-agent tables: " + ", ".join(dict.fromkeys(derived)))
    return MappedRun(steps, metrics, extras, counts, births, deaths, list(agents["agent_id"]), data,
                     type_of_agent, generation, notes, derived)


def _per_step(steps: np.ndarray, at: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Sum of `weights` (or count) of events at each of `steps` (events elsewhere ignored)."""
    idx = np.searchsorted(steps, at)
    ok = (idx < len(steps)) & (steps[np.minimum(idx, len(steps) - 1)] == at) if len(steps) else \
        np.zeros(len(at), bool)
    w = np.ones(len(at)) if weights is None else weights
    return np.bincount(idx[ok], weights=w[ok], minlength=len(steps)).astype(np.float64)


def _agent_births(data: SimulationData, type_of_agent, generation, steps) -> dict[str, np.ndarray]:
    a = data.agents
    index = {agent_id: i for i, agent_id in enumerate(a["agent_id"])}
    parents = np.array([index.get(str(g).split(":", 1)[0], -1) if isinstance(g, str) else -1
                        for g in a["genome_id"]], dtype=np.int64)
    first = steps[0] if len(steps) else 0
    born = a["birth_time"].fillna(first).to_numpy(np.float64)
    child = (parents >= 0) | (born > first)
    birth_step = (born + child).astype(np.int64)
    keep = type_of_agent >= 0
    rows = np.arange(len(a), dtype=np.int64)
    out = dict(zip(BIRTH_KEYS, (rows, type_of_agent.astype(np.int64), birth_step, parents,
                                generation.astype(np.int64)), strict=True))
    out["_keep"] = keep
    out["_child"] = child
    return out


def _agent_deaths(data: SimulationData, type_of_agent) -> dict[str, np.ndarray]:
    a = data.agents
    died = a["death_time"].notna().to_numpy() & (type_of_agent >= 0)
    rows = np.flatnonzero(died)
    cause = np.full(len(rows), _STARVATION, np.int64)
    s = data.states
    if s is not None and len(rows):
        # The cause is not stored: an agent whose last recorded health is 0 was killed.
        order = np.lexsort((s["step"], s["agent"]))
        agent_sorted = s["agent"][order]
        last = np.searchsorted(agent_sorted, rows, side="right") - 1
        found = (last >= 0) & (agent_sorted[np.maximum(last, 0)] == rows)
        health = s["health"][order][np.maximum(last, 0)]
        cause[found & (health <= 0)] = _COMBAT
    return dict(zip(DEATH_KEYS, (rows.astype(np.int64),
                                 a["death_time"].to_numpy(np.float64)[rows].astype(np.int64), cause),
                    strict=True))


def _type_counts(data, type_of_agent, steps, derived) -> dict[str, np.ndarray]:
    if data.type_counts is not None:
        return {t: v.astype(np.float64) for t, v in data.type_counts.items()}
    s = data.states
    if s is None or not len(data.agents):
        return {}
    derived.append("alive per type")
    names = data.agents["agent_type"].to_numpy(dtype=object)
    ok = s["agent"] >= 0
    out = {}
    for t in sorted(set(names)):
        of_type = ok.copy()
        of_type[ok] = names[s["agent"][ok]] == t
        out[t] = _per_step(steps, s["step"][of_type])
    return out


def _fill_from_agents(metrics, births, deaths, data, type_of_agent, steps, derived) -> None:
    if not len(data.agents):
        return
    is_child = births["_child"]
    if np.isnan(metrics["births"]).all():
        metrics["births"] = _per_step(steps, births["birth_step"][is_child] - 1)
        derived.append("births")
    if np.isnan(metrics["deaths"]).all():
        metrics["deaths"] = _per_step(steps, deaths["death_step"])
        derived.append("deaths")
    combat = deaths["cause"] == _COMBAT
    metrics["deaths_combat"] = _per_step(steps, deaths["death_step"][combat])
    metrics["deaths_starvation"] = _per_step(steps, deaths["death_step"][~combat])
    if np.isnan(metrics["max_generation"]).all() and data.states is not None:
        s = data.states
        gen = np.nan_to_num(data.agents["generation"].to_numpy(np.float64))
        ok = s["agent"] >= 0
        if ok.any():
            frame = pd.DataFrame({"step": s["step"][ok], "g": gen[s["agent"][ok]]})
            top = frame.groupby("step")["g"].max()
            metrics["max_generation"] = top.reindex(steps).to_numpy(np.float64)
            derived.append("max_generation")


def _fill_from_states(metrics, data, steps, derived) -> None:
    s, r = data.states, data.resources
    if s is not None and len(s["step"]):
        frame = pd.DataFrame({"step": s["step"], "resources": s["resources"], "health": s["health"]})
        means = frame.groupby("step").mean().reindex(steps)
        for column, name in (("resources", "mean_agent_resources"), ("health", "mean_health")):
            if np.isnan(metrics[name]).all():
                metrics[name] = means[column].to_numpy(np.float64)
                derived.append(name)
        if np.isnan(metrics["mean_age"]).all() and len(data.agents):
            born = data.agents["birth_time"].to_numpy(np.float64)
            ok = s["agent"] >= 0
            age = pd.Series(s["step"][ok] - born[s["agent"][ok]]).groupby(s["step"][ok]).mean()
            metrics["mean_age"] = age.reindex(steps).to_numpy(np.float64)
            derived.append("mean_age")
    if r is not None and len(r["step"]) and np.isnan(metrics["resources_in_nodes"]).all():
        metrics["resources_in_nodes"] = _per_step(steps, r["step"], np.nan_to_num(r["amount"]))
        derived.append("resources_in_nodes")


def _action_counts(data, steps, metrics, notes) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    n = len(steps)
    counts = np.zeros((n, len(AGENT_TYPES), len(ACTIONS)), np.int64)
    extras: dict[str, np.ndarray] = {}
    f = data.actions
    if f is None:
        return counts, extras
    step = f["step"].to_numpy(np.int64)
    idx = np.searchsorted(steps, step)
    on_step = (idx < n) & (steps[np.minimum(idx, max(n - 1, 0))] == step) if n else np.zeros(len(f), bool)
    t = np.array([_TYPE_CODE.get(x, -1) for x in f["agent_type"]], np.int64)
    a = np.array([_ACTION_CODE.get(x, -1) for x in f["action"]], np.int64)
    c = f["count"].to_numpy(np.int64)
    ok = on_step & (t >= 0) & (a >= 0)
    np.add.at(counts, (idx[ok], t[ok], a[ok]), c[ok])
    for i, action in enumerate(ACTIONS):
        metrics[f"action_{action}"] = counts[:, :, i].sum(axis=1).astype(np.float64)
    for other in sorted(set(f["action"][on_step & (a < 0)])):
        rows = on_step & (f["action"].to_numpy() == other)
        extras[f"action_{other}"] = _per_step(steps, step[rows], c[rows].astype(np.float64))
        notes.append(f"action {other!r} has no Farm GUI counterpart: kept as extra metric action_{other}")
    metrics["resources_gathered"] = _per_step(steps, step, f["gathered"].to_numpy(np.float64))
    metrics["resources_shared"] = _per_step(steps, step, f["shared"].to_numpy(np.float64))
    return counts, extras
