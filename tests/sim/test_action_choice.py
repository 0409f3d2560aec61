"""The weighted action draw: base weights, per-type replacements and state
factors, checked statistically against independently computed probabilities.

Each test builds two groups of identical agents that differ in one state
(group A has type "order", group B type "chaos"; both use control weights),
runs one step and compares the action counts per group with the expected
distribution. Side effects that could change an agent's state before its turn
are switched off (no upkeep, no damage, no sharing, no births, no gathering)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from farm_gui.config import ACTIONS, AGENT_TYPES, RunConfig
from farm_gui.sim.foraging import ForagingModel

N = 3000
ORDER, CHAOS = AGENT_TYPES.index("order"), AGENT_TYPES.index("chaos")


def inert_config(**overrides) -> RunConfig:
    base = dict(base_consumption_rate=0.0, resource_regen_rate=0.0, base_attack_strength=0.0,
                share_amount=0.0, reproduction_chance=0.0, max_gather_amount=0.0, seed=2024)
    return RunConfig(**(base | overrides))


def expected(cfg: RunConfig, type_name: str, resources: float, starvation: int, health: float,
             node_in_sight: bool) -> np.ndarray:
    weights = dict(zip(ACTIONS, cfg.action_weights.as_array_order(), strict=True))
    weights["share"] = cfg.type_weights(type_name).share_weight
    weights["attack"] = cfg.type_weights(type_name).attack_weight
    ratio = resources / 100.0
    if not node_in_sight:
        weights["move"] *= cfg.move_mult_no_resources
    if ratio < 0.5:
        weights["gather"] *= cfg.gather_mult_low_resources
    if ratio >= 0.7:
        weights["share"] *= cfg.share_mult_wealthy
    elif ratio < 0.3:
        weights["share"] *= cfg.share_mult_poor
    if starvation / cfg.starvation_threshold >= cfg.attack_starvation_threshold:
        weights["attack"] *= cfg.attack_mult_desperate
    if health >= 0.7 * cfg.starting_health:
        weights["attack"] *= cfg.attack_mult_stable
    weights["reproduce"] *= cfg.reproduce_mult_wealthy if ratio >= 0.7 else cfg.reproduce_mult_poor
    w = np.array([weights[a] for a in ACTIONS])
    return w / w.sum()


def run_groups(cfg: RunConfig, a: dict, b: dict) -> tuple[np.ndarray, np.ndarray]:
    """One step with N agents in state a (type order) and N in state b (type chaos)."""
    cols: dict[str, list] = {k: [] for k in ("x", "y", "type", "resources", "starvation", "health")}
    for group, type_code in ((a, ORDER), (b, CHAOS)):
        near = group.get("node_in_sight", False)
        # Near: all within 2 of the node at (50, 50). Far: along the bottom edge, 45+ away.
        xs = np.linspace(48.5, 51.5, N) if near else np.linspace(1.0, 99.0, N)
        ys = np.full(N, 50.0) if near else np.full(N, 2.0)
        cols["x"] += list(xs)
        cols["y"] += list(ys)
        cols["type"] += [type_code] * N
        cols["resources"] += [group.get("resources", 40.0)] * N
        cols["starvation"] += [group.get("starvation", 0)] * N
        cols["health"] += [group.get("health", 100.0)] * N
    model = ForagingModel.from_state(cfg, cols, {"x": [50.0], "y": [50.0]})
    model.step()
    counts = model.action_counts()
    return counts[ORDER], counts[CHAOS]


def assert_matches(counts: np.ndarray, probs: np.ndarray) -> None:
    assert counts.sum() == N
    for a, (c, p) in enumerate(zip(counts, probs, strict=True)):
        sigma = math.sqrt(N * p * (1 - p)) + 1e-9
        assert abs(c - N * p) < 5 * sigma + 1, f"{ACTIONS[a]}: {c} vs expected {N * p:.1f}"


def share(counts: np.ndarray, action: str) -> float:
    return counts[ACTIONS.index(action)] / counts.sum()


CASES = {
    # name: (state A, state B, action whose frequency must be higher in A)
    "gather_when_poor": ({"resources": 10.0}, {"resources": 60.0}, "gather"),
    "share_when_wealthy": ({"resources": 80.0}, {"resources": 50.0}, "share"),
    "share_less_when_poor": ({"resources": 50.0}, {"resources": 20.0}, "share"),
    "reproduce_when_wealthy": ({"resources": 75.0}, {"resources": 65.0}, "reproduce"),
    # At zero resources upkeep raises the counter before the draw: 5 -> 6 (desperate), 3 -> 4 (not).
    "attack_when_desperate": ({"resources": 0.0, "starvation": 5, "health": 50.0},
                              {"resources": 0.0, "starvation": 3, "health": 50.0}, "attack"),
    "attack_less_when_healthy": ({"health": 69.0}, {"health": 70.0}, "attack"),
    "move_when_no_node_in_sight": ({"node_in_sight": False}, {"node_in_sight": True}, "move"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_state_factor_changes_action_distribution(name):
    a, b, action = CASES[name]
    cfg = inert_config()
    counts_a, counts_b = run_groups(cfg, a, b)

    def probs(state: dict) -> np.ndarray:
        resources = state.get("resources", 40.0)
        # Upkeep (free here) runs before the draw: the counter rises at zero, resets otherwise.
        starvation = state.get("starvation", 0) + 1 if resources <= 0 else 0
        return expected(cfg, "control", resources, starvation,
                        state.get("health", 100.0), state.get("node_in_sight", False))

    assert_matches(counts_a, probs(a))
    assert_matches(counts_b, probs(b))
    assert share(counts_a, action) > share(counts_b, action)


def test_type_weights_replace_share_and_attack():
    cfg = inert_config()
    n_each = N
    cols = {"x": list(np.linspace(1.0, 99.0, 2 * n_each)), "y": [2.0] * (2 * n_each),
            "type": ["system"] * n_each + ["independent"] * n_each, "resources": [40.0] * (2 * n_each)}
    model = ForagingModel.from_state(cfg, cols, {"x": [50.0], "y": [50.0]})
    model.step()
    counts = model.action_counts()
    for name in ("system", "independent"):
        assert_matches(counts[AGENT_TYPES.index(name)], expected(cfg, name, 40.0, 0, 100.0, False))
    sys_c, ind_c = counts[AGENT_TYPES.index("system")], counts[AGENT_TYPES.index("independent")]
    assert share(sys_c, "share") > share(ind_c, "share")
    assert share(ind_c, "attack") > share(sys_c, "attack")


def test_zero_weight_actions_are_never_chosen():
    weights = {a: 0.0 for a in ACTIONS if a != "pass"} | {"pass": 0.0, "defend": 1.0}
    cfg = inert_config(action_weights=weights,
                       agent_parameters={"ControlAgent": {"share_weight": 0.0, "attack_weight": 0.0}})
    counts_a, counts_b = run_groups(cfg, {}, {"resources": 90.0})
    assert counts_a[ACTIONS.index("defend")] == N and counts_b[ACTIONS.index("defend")] == N
