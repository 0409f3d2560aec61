"""The numba kernel that performs one step of the wolf-sheep predation model.

The animals live in one slot table (``ai`` int64 [N_AI, capacity] and ``energy``
float64 [capacity]); slots ``0 .. cnt[C_N]`` are in use and compacted (the dead
dropped) at the end of every step, so the table holds only the living between steps.
Children are written after the last slot in use and first act in the next step.

One step (``step_kernel``), Mesa 3.3's ``WolfSheep.step`` rule by rule:
1. every sheep alive at the start of the step, in a fresh random order: move (to a
   von Neumann neighbour without a wolf, preferring grown grass; stay when all four have
   a wolf), energy - 1 (grass on), eat the grass of its cell if grown (+ gain, the patch
   regrows R steps later), die if energy < 0, else reproduce with its probability
   (energy halved, a child with the same energy on the same cell);
2. the sheep are bucketed by cell (a counting sort), then every wolf alive at the
   start of the wolf phase, in a fresh random order: move (to a neighbour holding a
   sheep, else any neighbour), energy - 1, eat one sheep of its cell chosen uniformly
   (+ gain), die if energy < 0, else reproduce;
3. the dead are dropped and the step's metrics written.

Grass: ``regrow_at[cell]`` is the step number (1-based: the n-th step performed) from
whose start the patch is grown again; grown during step t iff ``regrow_at <= t``. A patch
eaten in step t gets ``t + R + 1``: it is missing from the rows of steps t .. t+R and
edible again in step t+R+1, exactly as in Mesa (whose regrowth events run after the
data collection of tick t+R).

Random numbers come from the model's own SplitMix64 state (a one-element uint64 array),
so a seed gives the same run in any thread. The kernel releases the GIL.
"""

from __future__ import annotations

import numpy as np
from numba import njit

# ----- layout ---------------------------------------------------------------------------
# int fields of an animal slot
A_X, A_Y, A_KIND, A_ID, A_GEN, A_ALIVE = range(6)
N_AI = 6
SHEEP, WOLF = 0, 1

# counters
C_N, C_STEP, C_NEXT_ID, C_NB, C_ND, C_SHEEP, C_WOLVES = range(7)
N_CNT = 7

# parameters (float64)
P_W, P_H, P_SHEEP_REPRO, P_WOLF_REPRO, P_SHEEP_GAIN, P_WOLF_GAIN, P_GRASS, P_REGROW, P_EVENTS = range(9)
N_P = 9

# metrics written by the kernel, in this order
METRIC_NAMES = ("wolves", "sheep", "grass", "sheep_births", "wolf_births",
                "sheep_deaths", "wolf_deaths", "sheep_eaten")
M_WOLVES, M_SHEEP, M_GRASS, M_SHEEP_BIRTHS, M_WOLF_BIRTHS, M_SHEEP_DEATHS, M_WOLF_DEATHS, M_EATEN = range(8)
N_M = 8

# event buffers: births int64 [5, room] (BIRTH_KEYS order), deaths int64 [3, room]
B_ID, B_TYPE, B_STEP, B_PARENT, B_GEN = range(5)
D_ID, D_STEP, D_CAUSE = range(3)
CAUSE_STARVATION, CAUSE_EATEN = 0, 1
DEATH_CAUSES = ("starvation", "eaten")

# ----- random numbers --------------------------------------------------------------------
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_INV_2_53 = 1.0 / 9007199254740992.0


@njit(cache=True, nogil=True, inline="always")
def _uniform(rng):
    """SplitMix64: a uniform float in [0, 1) from the model's own state."""
    s = rng[0] + _GOLDEN
    rng[0] = s
    z = (s ^ (s >> _S30)) * _MIX1
    z = (z ^ (z >> _S27)) * _MIX2
    z = z ^ (z >> _S31)
    return np.float64(z >> _S11) * _INV_2_53


@njit(cache=True, nogil=True, inline="always")
def _below(rng, n):
    """A uniform integer in [0, n)."""
    k = np.int64(_uniform(rng) * n)
    return k if k < n else n - 1


@njit(cache=True, nogil=True, inline="always")
def _neighbour(x, y, d, w, h):
    """Cell index of the von Neumann neighbour d (0 north, 1 east, 2 south, 3 west) on the torus."""
    if d == 0:
        y = y + 1 if y + 1 < h else 0
    elif d == 1:
        x = x + 1 if x + 1 < w else 0
    elif d == 2:
        y = y - 1 if y > 0 else h - 1
    else:
        x = x - 1 if x > 0 else w - 1
    return y * w + x


@njit(cache=True, nogil=True)
def _shuffled(ai, n, kind, order, rng):
    """The living slots of one kind, in a fresh random order (Fisher-Yates); returns their count."""
    m = 0
    for i in range(n):
        if ai[A_ALIVE, i] != 0 and ai[A_KIND, i] == kind:
            order[m] = i
            m += 1
    for k in range(m - 1, 0, -1):
        j = _below(rng, k + 1)
        t = order[k]
        order[k] = order[j]
        order[j] = t
    return m


@njit(cache=True, nogil=True)
def _die(ai, i, step, cause, cnt, dev, events):
    ai[A_ALIVE, i] = 0
    if ai[A_KIND, i] == SHEEP:
        cnt[C_SHEEP] -= 1
    else:
        cnt[C_WOLVES] -= 1
    if events:
        k = cnt[C_ND]
        dev[D_ID, k] = ai[A_ID, i]
        dev[D_STEP, k] = step
        dev[D_CAUSE, k] = cause
        cnt[C_ND] = k + 1


@njit(cache=True, nogil=True)
def _spawn(ai, energy, parent, cnt, bev, events):
    """A child of ``parent`` on its cell with its (already halved) energy; returns its slot."""
    c = cnt[C_N]
    cnt[C_N] = c + 1
    ai[A_X, c] = ai[A_X, parent]
    ai[A_Y, c] = ai[A_Y, parent]
    kind = ai[A_KIND, parent]
    ai[A_KIND, c] = kind
    new_id = cnt[C_NEXT_ID]
    cnt[C_NEXT_ID] = new_id + 1
    ai[A_ID, c] = new_id
    ai[A_GEN, c] = ai[A_GEN, parent] + 1
    ai[A_ALIVE, c] = 1
    energy[c] = energy[parent]
    if kind == SHEEP:
        cnt[C_SHEEP] += 1
    else:
        cnt[C_WOLVES] += 1
    if events:
        e = cnt[C_NB]
        bev[B_ID, e] = new_id
        bev[B_TYPE, e] = kind
        bev[B_STEP, e] = cnt[C_STEP] + 1  # the first step it acts in
        bev[B_PARENT, e] = ai[A_ID, parent]
        bev[B_GEN, e] = ai[A_GEN, c]
        cnt[C_NB] = e + 1
    return c


@njit(cache=True, nogil=True)
def count_wolves(ai, n, wolf_cnt, w):
    """Wolves per cell, from scratch (after building or restoring a world)."""
    wolf_cnt[:] = 0
    for i in range(n):
        if ai[A_ALIVE, i] != 0 and ai[A_KIND, i] == WOLF:
            wolf_cnt[ai[A_Y, i] * w + ai[A_X, i]] += 1


@njit(cache=True, nogil=True)
def step_kernel(ai, energy, cnt, rng, p, regrow_at, wolf_cnt, ccount, cstart, cmembers, order,
                bev, dev, out):
    """One step (see the module docstring). The caller guarantees room: ``ai`` has at least
    2 x living slots, ``bev`` room for as many births as animals alive, ``dev`` for twice that."""
    w = np.int64(p[P_W])
    h = np.int64(p[P_H])
    grass = p[P_GRASS] != 0.0
    regrow = np.int64(p[P_REGROW])
    events = p[P_EVENTS] != 0.0
    t = cnt[C_STEP] + 1  # the step being performed, 1-based
    row = t - 1  # its row number (death_step)
    sheep_births = 0
    wolf_births = 0
    sheep_starved = 0
    eaten = 0
    wolf_deaths = 0
    cand = np.empty(4, np.int64)
    pref = np.empty(4, np.int64)

    # ----- 1. sheep ------------------------------------------------------------------------
    m = _shuffled(ai, cnt[C_N], SHEEP, order, rng)
    p_repro = p[P_SHEEP_REPRO]
    gain = p[P_SHEEP_GAIN]
    for k in range(m):
        i = order[k]
        x = ai[A_X, i]
        y = ai[A_Y, i]
        n_safe = 0
        n_grass = 0
        for d in range(4):
            c = _neighbour(x, y, d, w, h)
            if wolf_cnt[c] == 0:
                cand[n_safe] = c
                n_safe += 1
                if grass and regrow_at[c] <= t:
                    pref[n_grass] = c
                    n_grass += 1
        if n_safe > 0:
            if n_grass > 0:
                c = pref[_below(rng, n_grass)]
            else:
                c = cand[_below(rng, n_safe)]
            x = c % w
            y = c // w
            ai[A_X, i] = x
            ai[A_Y, i] = y
        cell = y * w + x
        if grass:
            energy[i] -= 1.0
            if regrow_at[cell] <= t:
                energy[i] += gain
                regrow_at[cell] = t + regrow + 1
        if energy[i] < 0.0:
            _die(ai, i, row, CAUSE_STARVATION, cnt, dev, events)
            sheep_starved += 1
        elif _uniform(rng) < p_repro:
            energy[i] *= 0.5
            _spawn(ai, energy, i, cnt, bev, events)
            sheep_births += 1

    # ----- 2. the sheep by cell ----------------------------------------------------------
    n = cnt[C_N]
    ccount[:] = 0
    for i in range(n):
        if ai[A_ALIVE, i] != 0 and ai[A_KIND, i] == SHEEP:
            ccount[ai[A_Y, i] * w + ai[A_X, i]] += 1
    total = 0
    for c in range(w * h):
        cstart[c] = total
        total += ccount[c]
    for i in range(n):
        if ai[A_ALIVE, i] != 0 and ai[A_KIND, i] == SHEEP:
            c = ai[A_Y, i] * w + ai[A_X, i]
            cmembers[cstart[c]] = i
            cstart[c] += 1
    for c in range(w * h):
        cstart[c] -= ccount[c]

    # ----- 3. wolves -----------------------------------------------------------------------
    m = _shuffled(ai, n, WOLF, order, rng)
    p_repro = p[P_WOLF_REPRO]
    gain = p[P_WOLF_GAIN]
    for k in range(m):
        i = order[k]
        x = ai[A_X, i]
        y = ai[A_Y, i]
        n_prey = 0
        for d in range(4):
            c = _neighbour(x, y, d, w, h)
            cand[d] = c
            if ccount[c] > 0:
                pref[n_prey] = c
                n_prey += 1
        if n_prey > 0:
            c = pref[_below(rng, n_prey)]
        else:
            c = cand[_below(rng, 4)]
        wolf_cnt[y * w + x] -= 1
        wolf_cnt[c] += 1
        ai[A_X, i] = c % w
        ai[A_Y, i] = c // w
        energy[i] -= 1.0
        here = ccount[c]
        if here > 0:
            j = cstart[c] + _below(rng, here)
            prey = cmembers[j]
            cmembers[j] = cmembers[cstart[c] + here - 1]
            ccount[c] = here - 1
            _die(ai, prey, row, CAUSE_EATEN, cnt, dev, events)
            eaten += 1
            energy[i] += gain
        if energy[i] < 0.0:
            _die(ai, i, row, CAUSE_STARVATION, cnt, dev, events)
            wolf_cnt[c] -= 1
            wolf_deaths += 1
        elif _uniform(rng) < p_repro:
            energy[i] *= 0.5
            _spawn(ai, energy, i, cnt, bev, events)
            wolf_cnt[c] += 1
            wolf_births += 1

    # ----- 4. drop the dead, metrics --------------------------------------------------------
    n = cnt[C_N]
    kept = 0
    for i in range(n):
        if ai[A_ALIVE, i] != 0:
            if kept != i:
                for f in range(N_AI):
                    ai[f, kept] = ai[f, i]
                energy[kept] = energy[i]
            kept += 1
    cnt[C_N] = kept
    cnt[C_STEP] = t
    grown = 0
    if grass:
        for c in range(w * h):
            if regrow_at[c] <= t:
                grown += 1
    out[M_WOLVES] = cnt[C_WOLVES]
    out[M_SHEEP] = cnt[C_SHEEP]
    out[M_GRASS] = grown
    out[M_SHEEP_BIRTHS] = sheep_births
    out[M_WOLF_BIRTHS] = wolf_births
    out[M_SHEEP_DEATHS] = sheep_starved + eaten
    out[M_WOLF_DEATHS] = wolf_deaths
    out[M_EATEN] = eaten
