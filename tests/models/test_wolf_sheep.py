"""The wolf-sheep predation model: its rules on small hand-built worlds, determinism,
its declaration, and agreement with Mesa 3.3's example over 20 seeds."""

from __future__ import annotations

import numpy as np
import pytest

from farm_gui.core import registry
from farm_gui.core.model import BIRTH_KEYS, DEATH_KEYS, check_layers, check_metrics
from farm_gui.models.wolf_sheep import SPEC, WolfSheepParameters
from farm_gui.models.wolf_sheep import _kernel as K
from farm_gui.models.wolf_sheep.engine import WolfSheepEngine, restore_engine

NEVER = np.iinfo(np.int64).max


def world(animals, *, width=5, height=5, regrow_at=None, seed=7, **params):
    """An engine on a hand-built world: ``animals`` = [(kind, x, y, energy)], kind "sheep" or
    "wolf"; ``regrow_at`` per cell (default: every patch grown). No reproduction unless asked."""
    params = {"sheep_reproduce": 0.0, "wolf_reproduce": 0.0, **params}
    p = WolfSheepParameters(width=width, height=height, initial_sheep=0, initial_wolves=0, seed=seed,
                            **params)
    n = len(animals)
    ai = np.zeros((K.N_AI, n), np.int64)
    for i, (kind, x, y, _e) in enumerate(animals):
        ai[:, i] = 0
        ai[K.A_X, i], ai[K.A_Y, i] = x, y
        ai[K.A_KIND, i] = K.SHEEP if kind == "sheep" else K.WOLF
        ai[K.A_ID, i] = i
        ai[K.A_ALIVE, i] = 1
    cnt = np.zeros(K.N_CNT, np.int64)
    cnt[K.C_N] = cnt[K.C_NEXT_ID] = n
    cnt[K.C_SHEEP] = sum(a[0] == "sheep" for a in animals)
    cnt[K.C_WOLVES] = n - cnt[K.C_SHEEP]
    if regrow_at is None:
        regrow_at = np.zeros(width * height, np.int64) if p.grass else np.full(width * height, NEVER)
    state = {"version": 1, "ai": ai, "energy": np.array([a[3] for a in animals], float), "cnt": cnt,
             "rng": np.array([seed], np.uint64), "regrow_at": np.asarray(regrow_at, np.int64),
             "births": np.zeros((len(BIRTH_KEYS), 0), np.int64),
             "deaths": np.zeros((len(DEATH_KEYS), 0), np.int64), "last_metrics": np.zeros(K.N_M)}
    return restore_engine(p, state)


def test_a_sheep_eats_the_grass_of_its_cell_gains_energy_and_the_countdown_restarts():
    e = world([("sheep", 2, 2, 3.0)], grass_regrowth_time=30)
    m = e.step()
    a = e.animals()
    x, y = int(a["x"][0]), int(a["y"][0])
    assert abs(x - 2) + abs(y - 2) == 1  # moved to a von Neumann neighbour
    assert a["energy"][0] == pytest.approx(3.0 - 1 + 4)
    grown = e.grass_grown()
    assert not grown[y, x] and grown.sum() == 24
    assert m["grass"] == 24
    assert e.grass_countdown()[y, x] == 31  # missing from rows 1..31, as in Mesa
    assert e.layers()["grass"]["values"][y, x] == 1  # "eaten"


def test_eaten_grass_grows_back_after_the_regrowth_time_with_mesas_timing():
    # a patch eaten in step 1 (regrow_at = 1 + R + 1): not counted in rows 1..R+1, grown from R+2
    regrow = np.zeros(9, np.int64)
    regrow[4] = 1 + 3 + 1
    e = world([], width=3, height=3, regrow_at=regrow, grass_regrowth_time=3)
    assert [e.step()["grass"] for _ in range(5)] == [8, 8, 8, 8, 9]


def test_a_sheep_prefers_grown_grass_and_avoids_wolves():
    # only the west neighbour (1, 2) has grass; the east one (3, 2) holds a wolf
    regrow = np.full(25, 10**6, np.int64)
    regrow[2 * 5 + 1] = 0
    regrow[2 * 5 + 3] = 0
    for seed in range(10):
        e = world([("sheep", 2, 2, 5.0), ("wolf", 3, 2, 30.0)], regrow_at=regrow, seed=seed)
        before = e.animals()
        e.step()
        # the sheep moved west and ate (wolves move afterwards and may catch it: check its events)
        births, deaths = e.drain_events()
        a = e.animals()
        if 0 in a["id"]:
            i = int(np.flatnonzero(a["id"] == 0)[0])
            assert (a["x"][i], a["y"][i]) == (1, 2)
            assert a["energy"][i] == pytest.approx(5.0 - 1 + 4)
        else:
            assert deaths["cause"].tolist() == [1]  # eaten
        assert before["x"].tolist() == [2, 3]
        assert not e.grass_grown()[2, 1]


def test_a_sheep_surrounded_by_wolves_stays_and_a_wolf_eats_a_sheep_on_its_cell():
    wolves = [("wolf", 2, 3, 10.0), ("wolf", 3, 2, 10.0), ("wolf", 2, 1, 10.0), ("wolf", 1, 2, 10.0)]
    e = world([("sheep", 2, 2, 5.0), *wolves], grass=False)
    m = e.step()
    assert m["sheep"] == 0 and m["sheep_eaten"] == 1 and m["sheep_deaths"] == 1 and m["wolves"] == 4
    a = e.animals()
    # the first wolf to act moved onto the sheep's cell (its only neighbour with a sheep) and
    # ate it; the others then found no sheep around and moved at random
    assert sorted(a["energy"].tolist()) == [9.0, 9.0, 9.0, 29.0]
    fed = int(np.argmax(a["energy"]))
    assert (a["x"][fed], a["y"][fed]) == (2, 2)
    births, deaths = e.drain_events()
    assert deaths["agent_id"].tolist() == [0] and deaths["death_step"].tolist() == [0]
    assert SPEC.death_causes[deaths["cause"][0]] == "eaten"


def test_a_wolf_without_energy_starves():
    e = world([("wolf", 0, 0, 0.5), ("wolf", 4, 4, 1.0)], grass=False)
    m = e.step()
    assert m["wolves"] == 1 and m["wolf_deaths"] == 1
    a = e.animals()
    assert a["id"].tolist() == [1] and a["energy"].tolist() == [0.0]  # energy 0 is not < 0
    _, deaths = e.drain_events()
    assert deaths["agent_id"].tolist() == [0]
    assert SPEC.death_causes[deaths["cause"][0]] == "starvation"
    assert e.step()["wolves"] == 0 and e.done


def test_reproduction_splits_the_energy_between_parent_and_child():
    e = world([("sheep", 1, 1, 6.0)], grass=False, sheep_reproduce=1.0)
    m = e.step()
    assert m["sheep"] == 2 and m["sheep_births"] == 1
    a = e.animals()
    assert a["energy"].tolist() == [3.0, 3.0]  # grass off: sheep spend no energy
    assert a["x"][0] == a["x"][1] and a["y"][0] == a["y"][1]
    births, _ = e.drain_events()
    assert births["agent_id"].tolist() == [1] and births["parent_id"].tolist() == [0]
    assert births["birth_step"].tolist() == [1] and births["generation"].tolist() == [1]
    # the child acts from the next step: both reproduce then
    assert e.step()["sheep_births"] == 2


def test_the_grid_is_a_torus():
    # wolves on three sides of a sheep at the corner: its only safe neighbour is across the edge
    wolves = [("wolf", 1, 0, 10.0), ("wolf", 0, 1, 10.0), ("wolf", 0, 4, 10.0)]
    e = world([("sheep", 0, 0, 5.0), *wolves], grass=False)
    e.step()
    a = e.animals()
    assert (a["x"][0], a["y"][0]) == (4, 0)
    assert ((a["x"][1:] >= 0) & (a["x"][1:] < 5) & (a["y"][1:] >= 0) & (a["y"][1:] < 5)).all()


def run(seed, steps, params=None):
    e = SPEC.create_engine(params or SPEC.preset("default"), seed)
    return e, [e.step() for _ in range(steps)]


def test_a_seed_gives_the_same_run_and_save_restore_continues_it_bit_identically():
    e1, rows1 = run(5, 30)
    _, rows2 = run(5, 30)
    _, rows3 = run(6, 30)
    assert rows1 == rows2 and rows1 != rows3
    saved = e1.save_state()
    cont1 = [e1.step() for _ in range(20)]
    e2 = SPEC.restore_engine(SPEC.preset("default"), saved)
    assert e2.step_index == 30
    cont2 = [e2.step() for _ in range(20)]
    assert cont1 == cont2
    for name, layer in e1.layers()["animals"].items():
        assert np.array_equal(layer, e2.layers()["animals"][name]), name


def test_the_declaration_is_valid_and_the_engine_output_matches_it():
    assert SPEC.problems() == []
    assert registry.get_model("wolf_sheep") is not None
    assert {"default", "large"} <= set(SPEC.preset_names)
    for name in ("wolves", "sheep", "grass"):
        assert SPEC.metric(name).integer
    large = SPEC.preset("large")
    assert large.initial_sheep + large.initial_wolves >= 10_000
    default = SPEC.preset("default")
    density = (default.initial_sheep + default.initial_wolves) / (default.width * default.height)
    assert (large.initial_sheep + large.initial_wolves) / (large.width * large.height) == \
        pytest.approx(density, rel=0.01)
    for params in (default, large.model_copy(update={"width": 60, "height": 40, "initial_sheep": 1000,
                                                      "initial_wolves": 500})):
        e = SPEC.create_engine(params, 3)
        check_layers(SPEC, params, e.layers())
        births, deaths = e.drain_events()
        assert len(births["agent_id"]) == params.initial_sheep + params.initial_wolves
        assert (births["parent_id"] == -1).all() and (births["birth_step"] == 0).all()
        alive = set(births["agent_id"].tolist())
        for _ in range(15):
            m = e.step()
            check_metrics(SPEC, m)
            b, d = e.drain_events()
            assert set(b["parent_id"].tolist()) <= alive | set(b["agent_id"].tolist())
            alive |= set(b["agent_id"].tolist())
            alive -= set(d["agent_id"].tolist())
            assert len(alive) == m["wolves"] + m["sheep"] == e.alive_count
        layers = e.layers()
        check_layers(SPEC, params, layers)
        assert layers["grass"]["values"].shape == (params.height, params.width)
        assert int((layers["grass"]["values"] == 0).sum()) == m["grass"]
        cats = layers["animals"]["category"]
        assert int((cats == 0).sum()) == m["sheep"] and int((cats == 1).sum()) == m["wolves"]
        assert set(layers["animals"]["id"].tolist()) == alive
        x, y = layers["animals"]["x"], layers["animals"]["y"]
        assert ((x > 0) & (x < params.width) & (y > 0) & (y < params.height)).all()
        layers["animals"]["x"][:] = -1  # a copy: the engine's state is untouched
        assert (e.layers()["animals"]["x"] > 0).all()


def test_the_run_is_done_when_both_populations_are_extinct():
    e = world([("wolf", 0, 0, 2.5)], grass=False)
    steps = 0
    while not e.done:
        e.step()
        steps += 1
    assert steps == 3 and e.alive_count == 0  # energy 1.5, 0.5, -0.5


# ----- agreement with Mesa 3.3.1's example --------------------------------------------------
# Reference: Mesa 3.3.1, mesa/examples/advanced/wolf_sheep run unmodified with its constructor
# defaults (20 x 20, 100 sheep, 50 wolves, grass on, regrowth 30), seeds 0..19, driven by
# ABMSimulator.run_for(1) per step; figures from bench/mesa_reference/ref_stats.py
# (docs/mesa_reference.md, "Wolf-sheep", measured 2026-12-04): mean, sample std, p5, p95.
MESA = {  # step: {metric: (mean, std, p5, p95)}
    5: {"wolves": (61.3, 3.3, 56.0, 66.0),
        "sheep": (34.0, 7.3, 24.0, 41.7),
        "grass": (58.9, 5.0, 50.9, 65.0)},
    10: {"wolves": (75.7, 5.283, 65.0, 83.0), "sheep": (13.9, 4.352, 7.9, 21.05),
         "grass": (62.1, 9.808, 47.0, 74.65)},
    15: {"wolves": (83.2, 9.1, 70.0, 97.2),
        "sheep": (4.2, 2.9, 1.0, 10.1),
        "grass": (86.2, 12.8, 64.7, 100.8)},
    20: {"wolves": (82.8, 11.4, 67.9, 99.3),
        "sheep": (1.8, 2.0, 0.0, 6.0),
        "grass": (115.5, 13.0, 98.3, 130.0)},
    25: {"wolves": (76.05, 7.857, 65.0, 91.05), "sheep": (0.9, 1.483, 0.0, 2.2),
         "grass": (144.6, 14.73, 121.8, 161.9)},
}
# over steps 0..100: at step 100 sheep extinct in 18 of 20 seeds, wolves in 17 of 20; the peak
# wolf count 91.3 (p5 76.9, p95 105.2); the first step without sheep median 23.5 (p5 16.95);
# the first step without wolves median 84 (p5 71.7)


def test_populations_match_mesas_example_over_20_seeds():
    runs = [run(seed, 100)[1] for seed in range(20)]
    for step, ref in MESA.items():
        for metric, (mean, std, p5, p95) in ref.items():
            ours = np.array([r[step - 1][metric] for r in runs])
            # the 20-seed mean lies inside Mesa's 5-95 % spread, and is not further from
            # Mesa's mean than 3.5 standard errors of the difference of two 20-seed means
            assert p5 <= ours.mean() <= p95, (step, metric, ours.mean())
            se = np.sqrt((std**2 + ours.std(ddof=1) ** 2) / 20)
            assert abs(ours.mean() - mean) <= 3.5 * se, (step, metric, ours.mean(), mean, se)
    last = [r[-1] for r in runs]
    assert sum(m["sheep"] == 0 for m in last) >= 14  # Mesa: 18 of 20
    assert sum(m["wolves"] == 0 for m in last) >= 13  # Mesa: 17 of 20
    peak = np.mean([max(m["wolves"] for m in r) for r in runs])
    assert 76.9 <= peak <= 105.2
    no_sheep = [next((k + 1 for k, m in enumerate(r) if m["sheep"] == 0), 101) for r in runs]
    no_wolves = [next((k + 1 for k, m in enumerate(r) if m["wolves"] == 0), 101) for r in runs]
    assert 16.95 <= np.median(no_sheep) <= 40
    assert 71.7 <= np.median(no_wolves) <= 101


def test_the_engine_class_is_what_the_spec_builds():
    assert isinstance(SPEC.create_engine(SPEC.preset("default"), 1), WolfSheepEngine)
