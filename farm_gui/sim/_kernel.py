"""The numba kernel that performs one step of the foraging ecology.

Everything a step does happens in ``step_kernel``: drawing the turn order
(and putting the living agents into that order, which also drops the dead),
bucketing them into the uniform grid, every agent's turn, regrowth and the
step's metrics. The model's random numbers
come from its own SplitMix64 state (a one-element uint64 array), never from
numba's thread-local ``np.random``, so models stepping in one thread or in
several threads each stay reproducible. The kernel releases the GIL.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ._layout import (
    A_ATTACK,
    A_DEFEND,
    A_GATHER,
    A_MOVE,
    A_PASS,
    A_REPRODUCE,
    A_SHARE,
    B_GEN,
    B_ID,
    B_PARENT,
    B_STEP,
    B_TYPE,
    C_ALIVE,
    C_N_BIRTH_EVENTS,
    C_N_DEATH_EVENTS,
    C_NEXT_ID,
    C_SLOTS,
    C_STEP,
    CAUSE_COMBAT,
    CAUSE_STARVATION,
    D_CAUSE,
    D_ID,
    D_STEP,
    F_HEALTH,
    F_RES,
    F_X,
    F_Y,
    GATHER_LOW_RATIO,
    I_ALIVE,
    I_BIRTH,
    I_DEFEND,
    I_FORCED,
    I_GEN,
    I_ID,
    I_PARENT,
    I_STARVE,
    I_TYPE,
    M_ACTION0,
    M_ALIVE,
    M_ALIVE_TYPE0,
    M_BIRTHS,
    M_CONSUMED,
    M_DEATHS,
    M_DEATHS_COMBAT,
    M_DEATHS_STARVATION,
    M_GATHERED,
    M_MAX_GEN,
    M_MEAN_AGE,
    M_MEAN_HEALTH,
    M_MEAN_RESOURCES,
    M_NODE_RESOURCES,
    M_SHARED,
    M_STEP,
    N_ACTIONS,
    N_FLOAT_FIELDS,
    N_INT_FIELDS,
    N_TYPES,
    P_ATTACK_MULT_DESPERATE,
    P_ATTACK_MULT_STABLE,
    P_ATTACK_RANGE,
    P_ATTACK_STARVE_FRAC,
    P_ATTACK_STRENGTH,
    P_CELL,
    P_CONSUMPTION,
    P_DEFENSE_DURATION,
    P_DEFENSE_HEAL,
    P_GATHER_MULT_LOW,
    P_GATHER_RANGE,
    P_HEIGHT,
    P_MAX_GATHER,
    P_MAX_POP,
    P_MAX_RESOURCE,
    P_MIN_REPRO,
    P_MIN_SHARE,
    P_MOVE_DISTANCE,
    P_MOVE_MULT_NO_RES,
    P_NX,
    P_NY,
    P_OFFSPRING_COST,
    P_OFFSPRING_RES,
    P_PERCEPTION,
    P_REGEN_AMOUNT,
    P_REGEN_RATE,
    P_REPRO_CHANCE,
    P_REPRO_MULT_POOR,
    P_REPRO_MULT_WEALTHY,
    P_SHARE_AMOUNT,
    P_SHARE_MULT_POOR,
    P_SHARE_MULT_WEALTHY,
    P_SHARE_RANGE,
    P_STARTING_HEALTH,
    P_STARVE_THRESHOLD,
    P_WIDTH,
    POOR_RATIO,
    RESOURCE_RATIO_SCALE,
    STABLE_HEALTH_FRACTION,
    WEALTHY_RATIO,
)
from .grid import (
    any_node_within,
    build_agent_grid,
    nearest_agent_within,
    nearest_node_within,
    poorest_agent_within,
)

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_INV_2_53 = 1.0 / 9007199254740992.0
# Resources below this after upkeep count as zero (guards against 0.3 - 0.15 - 0.15 > 0).
_ZERO_EPS = 1e-9


@njit(cache=True, nogil=True, inline="always")
def next_uniform(rng):
    """SplitMix64: a uniform float in [0, 1) from the model's own state."""
    s = rng[0] + _GOLDEN
    rng[0] = s
    z = (s ^ (s >> _S30)) * _MIX1
    z = (z ^ (z >> _S27)) * _MIX2
    z = z ^ (z >> _S31)
    return np.float64(z >> _S11) * _INV_2_53


@njit(cache=True, nogil=True)
def _kill(ist, i, step, cause, death_ev, cnt):
    ist[I_ALIVE, i] = 0
    k = cnt[C_N_DEATH_EVENTS]
    if k >= death_ev.shape[1]:
        return  # only when a caller ignored the room contract; the death still counts
    death_ev[D_ID, k] = ist[I_ID, i]
    death_ev[D_STEP, k] = step
    death_ev[D_CAUSE, k] = cause
    cnt[C_N_DEATH_EVENTS] = k + 1


@njit(cache=True, nogil=True)
def _spawn_child(fs, ist, parent, c, step, p, cnt, birth_ev):
    """Write a child of ``parent`` into slot c and log its birth (it acts from step + 1)."""
    fs[F_X, c] = fs[F_X, parent]
    fs[F_Y, c] = fs[F_Y, parent]
    fs[F_RES, c] = p[P_OFFSPRING_RES]
    fs[F_HEALTH, c] = p[P_STARTING_HEALTH]
    new_id = cnt[C_NEXT_ID]
    cnt[C_NEXT_ID] = new_id + 1
    ist[I_ID, c] = new_id
    ist[I_TYPE, c] = ist[I_TYPE, parent]
    ist[I_STARVE, c] = 0
    ist[I_DEFEND, c] = 0
    ist[I_GEN, c] = ist[I_GEN, parent] + 1
    ist[I_BIRTH, c] = step + 1
    ist[I_PARENT, c] = ist[I_ID, parent]
    ist[I_ALIVE, c] = 1
    ist[I_FORCED, c] = -1
    e = cnt[C_N_BIRTH_EVENTS]
    birth_ev[B_ID, e] = new_id
    birth_ev[B_TYPE, e] = ist[I_TYPE, c]
    birth_ev[B_STEP, e] = step + 1
    birth_ev[B_PARENT, e] = ist[I_ID, parent]
    birth_ev[B_GEN, e] = ist[I_GEN, c]
    cnt[C_N_BIRTH_EVENTS] = e + 1


@njit(cache=True, nogil=True)
def _shuffle_living(fs, ist, n_slots, iscratch, fscratch, rng):
    """Drop dead agents and put the living into a fresh random order (Fisher-Yates
    on the list of living slots, then each state row gathered in that order).

    Slot order is the turn order, so a step reads each agent's own state
    sequentially; returns the number of living agents."""
    order = iscratch[0]
    n = 0
    for i in range(n_slots):
        if ist[I_ALIVE, i] != 0:
            order[n] = i
            n += 1
    for k in range(n - 1, 0, -1):
        j = np.int64(next_uniform(rng) * (k + 1))
        if j > k:
            j = k
        order[k], order[j] = order[j], order[k]
    for r in range(N_FLOAT_FIELDS):
        for k in range(n):
            fscratch[k] = fs[r, order[k]]
        for k in range(n):
            fs[r, k] = fscratch[k]
    tmp = iscratch[1]
    for r in range(N_INT_FIELDS):
        for k in range(n):
            tmp[k] = ist[r, order[k]]
        for k in range(n):
            ist[r, k] = tmp[k]
    return n


@njit(cache=True, nogil=True)
def _choose_action(fs, ist, i, p, type_w, w, nodes, node_start, node_items, rng):
    forced = ist[I_FORCED, i]
    if forced >= 0:
        return forced
    t = ist[I_TYPE, i]
    for a in range(N_ACTIONS):
        w[a] = type_w[t, a]
    ratio = fs[F_RES, i] / RESOURCE_RATIO_SCALE
    if w[A_MOVE] > 0.0 and p[P_MOVE_MULT_NO_RES] != 1.0:
        cell = p[P_CELL]
        nx = np.int64(p[P_NX])
        ny = np.int64(p[P_NY])
        if not any_node_within(fs[F_X, i], fs[F_Y, i], p[P_PERCEPTION], nodes, node_start, node_items,
                               cell, nx, ny):
            w[A_MOVE] *= p[P_MOVE_MULT_NO_RES]
    if ratio < GATHER_LOW_RATIO:
        w[A_GATHER] *= p[P_GATHER_MULT_LOW]
    if ratio >= WEALTHY_RATIO:
        w[A_SHARE] *= p[P_SHARE_MULT_WEALTHY]
        w[A_REPRODUCE] *= p[P_REPRO_MULT_WEALTHY]
    else:
        w[A_REPRODUCE] *= p[P_REPRO_MULT_POOR]
        if ratio < POOR_RATIO:
            w[A_SHARE] *= p[P_SHARE_MULT_POOR]
    if ist[I_STARVE, i] / p[P_STARVE_THRESHOLD] >= p[P_ATTACK_STARVE_FRAC]:
        w[A_ATTACK] *= p[P_ATTACK_MULT_DESPERATE]
    if fs[F_HEALTH, i] >= STABLE_HEALTH_FRACTION * p[P_STARTING_HEALTH]:
        w[A_ATTACK] *= p[P_ATTACK_MULT_STABLE]
    total = 0.0
    for a in range(N_ACTIONS):
        total += w[a]
    if total <= 0.0:
        return A_PASS
    u = next_uniform(rng) * total
    acc = 0.0
    last = A_PASS
    for a in range(N_ACTIONS):
        if w[a] > 0.0:
            acc += w[a]
            last = a
            if u < acc:
                return a
    return last


@njit(cache=True, nogil=True)
def step_kernel(fs, ist, nodes, node_start, node_items, grid_start, grid_index, grid_xy, scratch, fscratch,
                p, type_w, rng, cnt, metrics_i, metrics_f, actions, birth_ev, death_ev):
    """One step; returns (alive, slots in use, births, deaths).

    The caller guarantees room: agent arrays for 2 x alive slots, event buffers
    for `alive` more births and deaths. The checks below only keep a broken
    caller from writing out of bounds (reproduction then fails)."""
    step = cnt[C_STEP]
    n = _shuffle_living(fs, ist, cnt[C_SLOTS], scratch, fscratch, rng)
    cell = p[P_CELL]
    nx = np.int64(p[P_NX])
    ny = np.int64(p[P_NY])
    build_agent_grid(fs[F_X], fs[F_Y], n, cell, nx, ny, grid_start, grid_index, grid_xy, scratch[1])

    w = np.empty(N_ACTIONS)
    actions[:, :] = 0
    width = p[P_WIDTH]
    height = p[P_HEIGHT]
    start_health = p[P_STARTING_HEALTH]
    move_d = p[P_MOVE_DISTANCE]
    alive = n
    slots = n
    births = 0
    d_starve = 0
    d_combat = 0
    gathered = 0.0
    shared = 0.0
    consumed = 0.0

    for i in range(n):  # slot order is this step's turn order
        if ist[I_ALIVE, i] == 0:
            continue  # killed earlier in this step
        # Upkeep and starvation.
        res = fs[F_RES, i]
        take = min(res, p[P_CONSUMPTION])
        res -= take
        consumed += take
        if res < _ZERO_EPS:
            res = 0.0
            ist[I_STARVE, i] += 1
        else:
            ist[I_STARVE, i] = 0
        fs[F_RES, i] = res
        if ist[I_STARVE, i] >= p[P_STARVE_THRESHOLD]:
            _kill(ist, i, step, CAUSE_STARVATION, death_ev, cnt)
            alive -= 1
            d_starve += 1
            continue
        if ist[I_DEFEND, i] > 0:
            ist[I_DEFEND, i] -= 1

        a = _choose_action(fs, ist, i, p, type_w, w, nodes, node_start, node_items, rng)
        actions[ist[I_TYPE, i], a] += 1
        x = fs[F_X, i]
        y = fs[F_Y, i]

        if a == A_MOVE:
            direction = np.int64(next_uniform(rng) * 4.0)
            nxp, nyp = x, y
            if direction == 0:
                nxp = x + move_d
            elif direction == 1:
                nxp = x - move_d
            elif direction == 2:
                nyp = y + move_d
            else:
                nyp = y - move_d
            if 0.0 <= nxp <= width and 0.0 <= nyp <= height:
                fs[F_X, i] = nxp
                fs[F_Y, i] = nyp
                q = grid_index[1, i]
                grid_xy[q, 0] = nxp
                grid_xy[q, 1] = nyp
        elif a == A_GATHER:
            j = nearest_node_within(x, y, p[P_GATHER_RANGE], nodes, node_start, node_items, cell, nx, ny)
            if j >= 0:
                got = min(p[P_MAX_GATHER], nodes[j, 2])
                nodes[j, 2] -= got
                fs[F_RES, i] += got
                gathered += got
        elif a == A_DEFEND:
            ist[I_DEFEND, i] = np.int64(p[P_DEFENSE_DURATION])
            fs[F_HEALTH, i] = min(start_health, fs[F_HEALTH, i] + p[P_DEFENSE_HEAL])
        elif a == A_SHARE:
            if res >= p[P_MIN_SHARE]:
                j = poorest_agent_within(i, x, y, p[P_SHARE_RANGE], move_d, fs, ist, grid_start, grid_index,
                                         grid_xy, cell, nx, ny)
                if j >= 0:
                    give = min(p[P_SHARE_AMOUNT], res)
                    fs[F_RES, i] -= give
                    fs[F_RES, j] += give
                    shared += give
        elif a == A_ATTACK:
            j = nearest_agent_within(i, x, y, p[P_ATTACK_RANGE], move_d, ist, grid_start, grid_index,
                                     grid_xy, cell, nx, ny)
            if j >= 0:
                ratio = fs[F_HEALTH, i] / start_health
                damage = p[P_ATTACK_STRENGTH] * ratio * ratio
                if ist[I_DEFEND, j] > 0:
                    damage *= 0.5
                fs[F_HEALTH, j] -= damage
                if fs[F_HEALTH, j] <= 0.0:
                    _kill(ist, j, step, CAUSE_COMBAT, death_ev, cnt)
                    alive -= 1
                    d_combat += 1
        elif a == A_REPRODUCE:
            cost = p[P_OFFSPRING_COST]
            room = slots < fs.shape[1] and cnt[C_N_BIRTH_EVENTS] < birth_ev.shape[1]
            if (alive < p[P_MAX_POP] and res >= p[P_MIN_REPRO] + cost and room
                    and next_uniform(rng) < p[P_REPRO_CHANCE]):
                fs[F_RES, i] = res - cost
                _spawn_child(fs, ist, i, slots, step, p, cnt, birth_ev)
                slots += 1
                alive += 1
                births += 1
        # communicate and pass change nothing.

    # Regrowth: each node independently, in node order.
    cap = p[P_MAX_RESOURCE]
    regen = p[P_REGEN_AMOUNT]
    rate = p[P_REGEN_RATE]
    node_total = 0.0
    for j in range(nodes.shape[0]):
        if next_uniform(rng) < rate:
            nodes[j, 2] = min(cap, nodes[j, 2] + regen)
        node_total += nodes[j, 2]

    # Metrics of the state after the step.
    cnt[C_SLOTS] = slots
    cnt[C_ALIVE] = alive
    cnt[C_STEP] = step + 1
    for t in range(N_TYPES):
        metrics_i[M_ALIVE_TYPE0 + t] = 0
    sum_res = 0.0
    sum_health = 0.0
    sum_age = 0.0
    max_gen = 0
    for i in range(slots):
        if ist[I_ALIVE, i] != 0:
            metrics_i[M_ALIVE_TYPE0 + ist[I_TYPE, i]] += 1
            sum_res += fs[F_RES, i]
            sum_health += fs[F_HEALTH, i]
            sum_age += step + 1 - ist[I_BIRTH, i]
            if ist[I_GEN, i] > max_gen:
                max_gen = ist[I_GEN, i]
    denom = max(alive, 1)
    metrics_i[M_STEP] = step
    metrics_i[M_ALIVE] = alive
    metrics_i[M_BIRTHS] = births
    metrics_i[M_DEATHS] = d_starve + d_combat
    metrics_i[M_DEATHS_STARVATION] = d_starve
    metrics_i[M_DEATHS_COMBAT] = d_combat
    metrics_i[M_MAX_GEN] = max_gen
    for a in range(N_ACTIONS):
        s = 0
        for t in range(N_TYPES):
            s += actions[t, a]
        metrics_i[M_ACTION0 + a] = s
    metrics_f[M_NODE_RESOURCES] = node_total
    metrics_f[M_MEAN_RESOURCES] = sum_res / denom
    metrics_f[M_MEAN_HEALTH] = sum_health / denom
    metrics_f[M_MEAN_AGE] = sum_age / denom
    metrics_f[M_GATHERED] = gathered
    metrics_f[M_SHARED] = shared
    metrics_f[M_CONSUMED] = consumed
    return alive, slots, births, d_starve + d_combat


@njit(cache=True, nogil=True)
def step_block_kernel(max_steps, capacity, event_room, fs, ist, nodes, node_start, node_items, grid_start,
                      grid_index, grid_xy, scratch, fscratch, p, type_w, rng, cnt, metrics_i, metrics_f,
                      actions, birth_ev, death_ev):
    """Up to ``max_steps`` steps in one call (the GIL stays released throughout): step k's
    metrics and action counts go to row k of ``metrics_i``, ``metrics_f`` and ``actions``.
    Stops early when no agent is left, or before a step for which the caller must first
    make room (``capacity`` agent slots below 2 x alive, or ``event_room`` below alive).
    Returns (steps made, alive, slots in use, event room left)."""
    made = 0
    alive = cnt[C_ALIVE]
    slots = cnt[C_SLOTS]
    while made < max_steps and alive > 0 and 2 * alive <= capacity and event_room >= alive:
        alive, slots, births, deaths = step_kernel(
            fs, ist, nodes, node_start, node_items, grid_start, grid_index, grid_xy, scratch, fscratch, p,
            type_w, rng, cnt, metrics_i[made], metrics_f[made], actions[made], birth_ev, death_ev)
        event_room -= max(births, deaths)
        made += 1
    return made, alive, slots, event_room
