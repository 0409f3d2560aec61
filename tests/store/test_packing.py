"""The snapshot blob built in one numba pass is byte for byte the documented layout
(checked against the NumPy construction) and unpacks to the living agents."""

from __future__ import annotations

import numpy as np
import pytest

from farm_gui.store.packing import AGENT_BYTES, pack_agents, pack_agents_numpy, unpack_agents


def _snapshot(n: int, dead: list[int], rng: np.random.Generator) -> dict[str, np.ndarray]:
    alive = np.ones(n, dtype=bool)
    alive[dead] = False
    return {
        "agent_id": rng.permutation(10 * n + 1)[:n].astype(np.int64),
        "agent_type": rng.integers(0, 3, n).astype(np.int8),
        "agent_x": rng.uniform(0, 100, n),
        "agent_y": rng.uniform(0, 100, n),
        "agent_resources": rng.uniform(0, 30, n),
        "agent_health": rng.uniform(0, 100, n),
        "agent_generation": rng.integers(0, 50, n).astype(np.int32),
        "agent_alive": alive,
    }


@pytest.mark.parametrize(("n", "dead"), [(0, []), (1, []), (7, [0, 3, 6]), (1500, [5, 700, 1499])])
@pytest.mark.parametrize("codec", ["raw1", "zstd1"])
def test_blob_matches_the_numpy_layout_and_unpacks_to_the_living_agents(n, dead, codec):
    snapshot = _snapshot(n, dead, np.random.default_rng(n))
    count, blob = pack_agents(snapshot, codec)
    assert (count, blob) == pack_agents_numpy(snapshot, snapshot["agent_alive"], codec)
    assert isinstance(blob, bytes)
    assert count == n - len(dead)
    state = unpack_agents(count, blob, codec)
    alive = snapshot["agent_alive"]
    for key, value in snapshot.items():
        if key != "agent_alive":
            np.testing.assert_array_equal(state[key], value[alive], err_msg=key)


def test_other_input_dtypes_are_converted_like_the_layout_says():
    snapshot = _snapshot(20, [2], np.random.default_rng(1))
    wide = {key: (value.astype(np.int64) if value.dtype.kind in "iu" else value)
            for key, value in snapshot.items()}
    count, blob = pack_agents(wide, "raw1")
    assert (count, blob) == pack_agents(snapshot, "raw1")
    assert len(blob) == count * AGENT_BYTES
