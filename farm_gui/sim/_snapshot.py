"""Copying the world out of the engine's arrays for a snapshot, in one GIL-free call.

Copying the eleven columns with NumPy would release and retake the GIL once per
column (NumPy lets go of it for arrays over 500 elements); each time, another thread
(the store's writer, the window) may take it and keep the simulation waiting.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from . import _layout as L


@njit(cache=True, nogil=True)
def copy_snapshot(fstate, istate, n, nodes):
    """The columns of protocol.SNAPSHOT_AGENT_KEYS (first n agent slots) followed by
    those of SNAPSHOT_NODE_KEYS (nodes: one row of x, y, amount per node)."""
    agent_id = np.empty(n, np.int64)
    agent_type = np.empty(n, np.int8)
    x = np.empty(n, np.float64)
    y = np.empty(n, np.float64)
    resources = np.empty(n, np.float64)
    health = np.empty(n, np.float64)
    generation = np.empty(n, np.int32)
    alive = np.empty(n, np.bool_)
    for k in range(n):
        agent_id[k] = istate[L.I_ID, k]
        agent_type[k] = istate[L.I_TYPE, k]
        x[k] = fstate[L.F_X, k]
        y[k] = fstate[L.F_Y, k]
        resources[k] = fstate[L.F_RES, k]
        health[k] = fstate[L.F_HEALTH, k]
        generation[k] = istate[L.I_GEN, k]
        alive[k] = istate[L.I_ALIVE, k] != 0
    m = nodes.shape[0]
    node_x = np.empty(m, np.float64)
    node_y = np.empty(m, np.float64)
    node_amount = np.empty(m, np.float64)
    for j in range(m):
        node_x[j] = nodes[j, 0]
        node_y[j] = nodes[j, 1]
        node_amount[j] = nodes[j, 2]
    return agent_id, agent_type, x, y, resources, health, generation, alive, node_x, node_y, node_amount
