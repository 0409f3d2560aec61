"""Boltzmann wealth: the rules on hand-built worlds, determinism, the declaration, and
the Gini coefficient at default parameters against Mesa 3.3.1's example (20 seeds)."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest

from farm_gui.core.model import Engine, check_layers, check_metrics
from farm_gui.core.registry import get_model
from farm_gui.models.boltzmann_wealth import SPEC, BoltzmannEngine


def world(width: int, height: int, col, row, wealth, seed: int = 1) -> BoltzmannEngine:
    params = SPEC.parameters(n=len(col), width=width, height=height, seed=seed)
    engine = BoltzmannEngine(params)
    engine.place_agents(col, row, wealth)
    return engine


def mesa_gini(wealth: np.ndarray) -> float:
    """The example's compute_gini, as written there."""
    x = sorted(int(v) for v in wealth)
    n = len(x)
    b = sum(xi * (n - i) for i, xi in enumerate(x)) / (n * sum(x))
    return 1 + (1 / n) - 2 * b


# ----- the declaration -------------------------------------------------------------------
def test_the_declaration_is_valid_and_found_through_its_entry_point():
    assert SPEC.problems() == []
    assert get_model("boltzmann_wealth") is SPEC
    assert set(SPEC.preset_names) >= {"default", "large"}
    assert {"gini", "max_wealth", "zero_share"} <= set(SPEC.metric_names)


def test_default_parameters_are_mesas_and_the_large_preset_has_100k_agents():
    p = SPEC.preset("default")
    assert (p.n, p.width, p.height) == (100, 10, 10)
    large = SPEC.preset("large")
    assert large.n >= 100_000
    engine = SPEC.create_engine(large, 1)
    check_metrics(SPEC, engine.step())
    check_layers(SPEC, large, engine.layers())


def test_real_output_passes_the_checks_and_points_sit_in_their_cells():
    params = SPEC.preset("default")
    engine = SPEC.create_engine(params, 3)
    assert isinstance(engine, Engine)
    check_metrics(SPEC, engine.step())
    layers = engine.layers()
    check_layers(SPEC, params, layers)
    col, row = engine.positions
    agents = layers["agents"]
    # drawn inside their own cell, apart from cellmates, and carrying their wealth
    assert (np.floor(agents["x"]) == col).all() and (np.floor(agents["y"]) == row).all()
    assert len(set(zip(agents["x"], agents["y"], strict=True))) == params.n
    assert (agents["value"] == engine.wealth).all()
    assert layers["cell_wealth"]["values"].sum() == params.n
    agents["value"][:] = -1  # a copy
    assert (engine.layers()["agents"]["value"] >= 0).all()


# ----- rules on hand-built worlds -----------------------------------------------------------
def test_wealth_is_conserved_and_never_negative():
    for engine in (SPEC.create_engine(SPEC.preset("default"), 9),
                   world(2, 2, [0] * 30, [0] * 30, [0] * 10 + [3] * 20)):  # a crowded world
        total = int(engine.wealth.sum())
        for _ in range(50):
            metrics = engine.step()
            assert int(engine.wealth.sum()) == total
            assert engine.wealth.min() >= 0
            assert metrics["transfers"] <= engine.n_agents


def test_an_agent_with_nothing_gives_nothing():
    # one cell, so nobody moves and the two always share it
    engine = world(1, 1, [0, 0], [0, 0], [0, 0])
    for _ in range(10):
        assert engine.step()["transfers"] == 0
    assert engine.wealth.tolist() == [0, 0]


def test_an_agent_never_gives_to_itself():
    alone = world(1, 1, [0], [0], [5])
    for _ in range(10):
        assert alone.step()["transfers"] == 0
    assert alone.wealth.tolist() == [5]
    # two agents on one cell, [5, 0]: if agent 0 acts first it gives to agent 1, which gives
    # it back ([5, 0], 2 transfers); if agent 1 acts first it has nothing and agent 0 gives
    # ([4, 1], 1 transfer). A gift to oneself would show as [5, 0] after 1 transfer.
    outcomes = Counter()
    for seed in range(100):
        pair = world(1, 1, [0, 0], [0, 0], [5, 0], seed=seed)
        transfers = pair.step()["transfers"]
        outcomes[(tuple(pair.wealth.tolist()), transfers)] += 1
    assert set(outcomes) == {((5, 0), 2), ((4, 1), 1)}


def test_on_a_shared_cell_the_giver_hands_one_unit_to_the_other():
    # 2 x 1 grid: each agent's only neighbour cell is the other one. Agents on different
    # cells swap cells; the first to move lands on the other's cell and gives to it,
    # the second then lands alone. So every step exactly one unit changes hands.
    giver_counts = Counter()
    for seed in range(200):
        engine = world(2, 1, [0, 1], [0, 0], [3, 3], seed=seed)
        metrics = engine.step()
        assert metrics["transfers"] == 1
        assert sorted(engine.wealth.tolist()) == [2, 4]
        giver_counts[int(np.argmin(engine.wealth))] += 1
        col, _ = engine.positions
        assert col.tolist() == [1, 0]
    # either agent may act first (a fresh random order each step)
    assert min(giver_counts.values()) > 60


def test_an_agent_moves_to_a_uniformly_random_moore_neighbour_inside_the_grid():
    seen = Counter()
    for seed in range(900):
        engine = world(10, 10, [0], [0], [1], seed=seed)  # in the corner: 3 neighbours
        engine.step()
        col, row = engine.positions
        seen[(int(col[0]), int(row[0]))] += 1
    assert set(seen) == {(1, 0), (0, 1), (1, 1)}
    assert min(seen.values()) > 240
    engine = SPEC.create_engine(SPEC.preset("default"), 2)
    for _ in range(20):
        c0, r0 = engine.positions
        engine.step()
        c1, r1 = engine.positions
        assert (np.maximum(abs(c1 - c0), abs(r1 - r0)) == 1).all()
        assert (c1 >= 0).all() and (c1 < 10).all() and (r1 >= 0).all() and (r1 < 10).all()


def test_the_metrics_are_the_examples_definitions():
    engine = SPEC.create_engine(SPEC.preset("default"), 6)
    for _ in range(30):
        m = engine.step()
    w = engine.wealth
    assert m["gini"] == pytest.approx(mesa_gini(w), abs=1e-12)
    assert m["max_wealth"] == w.max()
    assert m["zero_share"] == pytest.approx((w == 0).mean())
    assert 0.0 <= m["gini"] <= 1.0


# ----- determinism and resume ----------------------------------------------------------------
def test_a_seed_gives_the_same_run_and_another_seed_another():
    def run(seed):
        engine = SPEC.create_engine(SPEC.preset("default"), seed)
        return [engine.step() for _ in range(20)], engine.wealth.copy()

    rows1, w1 = run(7)
    rows2, w2 = run(7)
    assert rows1 == rows2 and (w1 == w2).all()
    assert run(8)[0] != rows1


def test_a_saved_state_continues_bit_identically():
    params = SPEC.preset("default")
    engine = SPEC.create_engine(params, 4)
    for _ in range(7):
        engine.step()
    restored = SPEC.restore_engine(params, engine.save_state())
    assert restored.step_index == 7
    for _ in range(20):
        assert engine.step() == restored.step()
    assert (engine.wealth == restored.wealth).all()
    assert all((a == b).all() for a, b in zip(engine.positions, restored.positions, strict=True))


# ----- behaviour against Mesa 3.3.1 ----------------------------------------------------------
# Reference: Mesa 3.3.1's examples/basic/boltzmann_wealth_model, unmodified, constructor
# defaults (100 agents, 10 x 10), seeds 0..19, 100 steps, the example's own compute_gini,
# by bench/mesa_reference/ref_stats.py on 2026-12-04 (docs/mesa_reference.md):
# mean, sample std over the 20 seeds.
REF_GINI_STEP100 = (0.6645, 0.03034, 20)  # range 0.5874..0.7258
REF_ZERO_SHARE_STEP100 = (0.498, 0.02687, 20)  # range 0.43..0.53
# The same with seeds 20..99 (bench/mesa_reference/ref_more_seeds.py -> ref_more_seeds.out,
# 2026-12-04): the 20-seed mean above lies on the high side. (This engine over seeds
# 0..399: Gini 0.6476, share with nothing 0.4821.)
REF_GINI_STEP100_80 = (0.6484, 0.0330, 80)
REF_ZERO_SHARE_STEP100_80 = (0.4840, 0.0359, 80)
SEEDS = 20


def within(values: list[float], ref: tuple[float, float, int]) -> bool:
    """Our 20-seed mean within 3 standard errors of its difference from the reference mean."""
    mean, std, n_ref = ref
    return abs(float(np.mean(values)) - mean) <= 3 * std * math.sqrt(1 / SEEDS + 1 / n_ref)


def test_gini_after_100_steps_matches_mesas_reference_over_20_seeds():
    params = SPEC.preset("default")
    gini, zero = [], []
    for seed in range(SEEDS):
        engine = SPEC.create_engine(params, seed)
        for _ in range(100):
            m = engine.step()
        gini.append(m["gini"])
        zero.append(m["zero_share"])
    assert within(gini, REF_GINI_STEP100), np.mean(gini)
    assert within(zero, REF_ZERO_SHARE_STEP100), np.mean(zero)
    assert within(gini, REF_GINI_STEP100_80), np.mean(gini)
    assert within(zero, REF_ZERO_SHARE_STEP100_80), np.mean(zero)
    # each seed inside the reference's range, widened by one reference std
    lo, hi = 0.5874 - 0.03034, 0.7258 + 0.03034
    assert all(lo <= g <= hi for g in gini), gini


def test_parameters_round_trip_through_json_and_bad_values_are_named():
    params = SPEC.preset("large")
    assert SPEC.parameters.model_validate_json(params.model_dump_json()) == params
    with pytest.raises(ValueError, match="n"):
        SPEC.parameters(n=0)
    with pytest.raises(ValueError, match="cells"):
        SPEC.parameters(width=5000, height=4000)
