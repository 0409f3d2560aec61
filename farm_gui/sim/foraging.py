"""The foraging ecology (AgentFarm's default simulation with random policies).

State is a structure of NumPy arrays; one step is one call of a numba kernel
(``_kernel.step_kernel``) that releases the GIL.

Update rule (how simultaneous actions are resolved)
---------------------------------------------------
Within a step, the agents alive at the start of the step take their turns one
after another in a **fresh random order drawn each step** from the run's own
random generator (a Fisher-Yates shuffle). Each turn is complete before the
next begins (upkeep, starvation check, defence timer, choice of action, the
action itself), and every turn sees the world as the earlier turns left it: a
node drained by an earlier gatherer has less (or nothing) left, an agent killed
earlier in the step neither acts nor can be targeted, a share or an attack uses
the current resources, health and position of its target. No agent is favoured
by its index, and the same config and seed give the same order and the same
run. Children born during a step are placed at their parent's position, first
act in the next step, and cannot be the target of a share or an attack during
the step in which they are born. After all turns, nodes regrow in node order.
Ties (two nodes or agents at the same distance, two equally poor agents) go to
the one found first when the spatial grid is scanned: cells row by row, within
a cell nodes in a fixed order and agents in this step's turn order.

Spatial queries use a uniform grid with cells about one interaction range wide
(``grid.py``), rebuilt for agents once per step by a counting sort.

For tests and experiments, ``ForagingModel.from_state(config, agents, nodes)``
builds a hand-placed world and ``force_action(ids, action)`` fixes what given
agents do; ``agent_table()`` shows every per-agent column.

Randomness: initial positions come from ``numpy.random.default_rng(seed)``; the
same generator seeds a per-model SplitMix64 state used by the kernel for the
turn order, action draws, move directions, reproduction and regrowth. Models
never share random state, so models stepped interleaved or from several threads
each reproduce their own run.

Metrics: ``mean_age`` is the mean over agents alive after the step of
(steps done so far - birth_step), so an initial agent is 1 after the first step
and a child born in the step is 0. ``resources_consumed`` is the upkeep actually
taken (less than the rate when an agent had less). Means over no agents are 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from operator import itemgetter
from typing import Any

import numpy as np

from farm_gui.config import ACTIONS, AGENT_TYPES, RunConfig

from . import _layout as L
from ._kernel import step_block_kernel, step_kernel
from ._snapshot import copy_snapshot
from .grid import build_grid, grid_geometry
from .protocol import BIRTH_KEYS, DEATH_KEYS, METRIC_NAMES, SNAPSHOT_AGENT_KEYS, SNAPSHOT_NODE_KEYS, StepBlock
from .state import AgentArrays, EventLog, parameter_vector, type_weight_matrix
from .state_io import restore_foraging, save_foraging

_IN_METRIC_ORDER = itemgetter(*L.METRIC_ORDER)
_METRIC_ORDER = np.array(L.METRIC_ORDER)
_SNAPSHOT_KEYS = SNAPSHOT_AGENT_KEYS + SNAPSHOT_NODE_KEYS


class ForagingModel:
    """The foraging ecology of MODEL.md, one step per ``step()`` call."""

    def __init__(self, config: RunConfig):
        self.config = config
        self.step_index = 0
        self.done = False
        rng = np.random.default_rng(config.seed)
        counts = config.agent_counts()
        types = np.repeat(np.arange(L.N_TYPES, dtype=np.int64), [counts[t] for t in AGENT_TYPES])
        n = len(types)
        ax = rng.uniform(0.0, config.width, n)
        ay = rng.uniform(0.0, config.height, n)
        m = config.initial_resources
        nx_ = rng.uniform(0.0, config.width, m)
        ny_ = rng.uniform(0.0, config.height, m)
        self._rng_state = np.array([rng.integers(0, 2**63, dtype=np.uint64)], dtype=np.uint64)
        self._setup(
            agents={"x": ax, "y": ay, "type": types},
            nodes={"x": nx_, "y": ny_, "amount": np.full(m, config.max_resource_amount)},
            sort_nodes=True,
        )

    # ----- construction -----------------------------------------------------------
    @classmethod
    def from_state(
        cls,
        config: RunConfig,
        agents: Mapping[str, Any],
        nodes: Mapping[str, Any] | None = None,
    ) -> ForagingModel:
        """A model with hand-placed agents and nodes (for tests and experiments).

        ``agents`` needs "x" and "y"; optional per-agent "type" (names or indices,
        default system), "resources", "health", "starvation", "defend_timer",
        "generation". ``nodes`` needs "x", "y" and optionally "amount" (default
        full); omitted means no nodes. Agent ids are 0..n-1 in the given order.
        The config's agent counts and node count are ignored; its seed still
        drives every random draw.
        """
        model = cls.__new__(cls)
        model.config = config
        model.step_index = 0
        model.done = False
        rng = np.random.default_rng(config.seed)
        model._rng_state = np.array([rng.integers(0, 2**63, dtype=np.uint64)], dtype=np.uint64)
        empty: dict[str, Any] = {"x": [], "y": []}
        model._setup(agents, nodes if nodes is not None else empty)
        return model

    def _setup(self, agents: Mapping[str, Any], nodes: Mapping[str, Any], sort_nodes: bool = False) -> None:
        c = self.config
        self._params = parameter_vector(c)
        self._type_w = type_weight_matrix(c)
        self.agents = AgentArrays.from_columns(c, agents)
        m_x = np.ascontiguousarray(nodes["x"], dtype=np.float64)
        m_y = np.ascontiguousarray(nodes["y"], dtype=np.float64)
        amount = nodes.get("amount")
        m_amount = (np.full(len(m_x), c.max_resource_amount) if amount is None
                    else np.asarray(amount, dtype=np.float64))
        if not (len(m_x) == len(m_y) == len(m_amount)):
            raise ValueError("nodes: x, y and amount must have the same length")
        if np.any((m_x < 0) | (m_x > c.width) | (m_y < 0) | (m_y > c.height)):
            raise ValueError(f"nodes: every position must lie in [0, {c.width}] x [0, {c.height}]")
        # One row per node (x, y, amount): a node query touches one cache line per node.
        self._nodes = np.ascontiguousarray(np.column_stack([m_x, m_y, m_amount]).reshape(len(m_x), 3))

        query = max(c.gathering_range, c.perception_radius, c.share_range + c.move_distance,
                    c.attack_range + c.move_distance)
        n_items = max(self.agents.n_slots, len(m_x), 1)
        cell, gx, gy = grid_geometry(c.width, c.height, query, n_items)
        self._params[L.P_CELL] = cell
        self._params[L.P_NX] = gx
        self._params[L.P_NY] = gy
        self._node_start = np.zeros(gx * gy + 1, dtype=np.int64)
        self._node_items = np.zeros(max(len(m_x), 1), dtype=np.int64)
        build_grid(m_x, m_y, len(m_x), cell, gx, gy, self._node_start,
                   self._node_items, np.zeros(max(len(m_x), 1), dtype=np.int64))
        if sort_nodes:
            # Store generated nodes in grid-cell order so node queries read nearby memory.
            self._nodes = np.ascontiguousarray(self._nodes[self._node_items[: len(m_x)]])
            self._node_items[: len(m_x)] = np.arange(len(m_x))
        self._grid_start = np.zeros(gx * gy + 1, dtype=np.int64)

        self._counters = np.zeros(L.N_COUNTERS, dtype=np.int64)
        self._counters[L.C_SLOTS] = self.agents.n_slots
        self._counters[L.C_NEXT_ID] = self.agents.n_slots
        self._counters[L.C_ALIVE] = self.agents.n_slots
        self._alive = self.agents.n_slots
        self._metrics_i = np.zeros(len(L.INT_METRIC_NAMES), dtype=np.int64)
        self._metrics_f = np.zeros(len(L.FLOAT_METRIC_NAMES), dtype=np.float64)
        self._actions = np.zeros((L.N_TYPES, L.N_ACTIONS), dtype=np.int64)
        self.events = EventLog(max(16, 2 * self.agents.n_slots))
        self.events.record_initial(self.agents, self._counters)
        # Free entries left in both event buffers (a step logs at most `alive` of each kind).
        self._event_room = self.events.room(self._counters)
        self._max_pop = c.max_population
        self._steps = c.simulation_steps
        self.done = self._alive == 0 or self._steps <= 0

    # ----- the protocol -----------------------------------------------------------
    def step(self) -> dict[str, float]:
        if self.done:
            raise RuntimeError(
                f"the run is finished (step {self.step_index} of {self._steps}, {self._alive} alive)"
            )
        alive = self._alive
        ag = self.agents
        # Each agent reproduces at most once and children do not act in their
        # birth step, so a step adds at most `alive` slots and events of each kind.
        if 2 * alive > ag.capacity:
            ag.grow(2 * alive)
        ev = self.events
        if self._event_room < alive:
            self._event_room = ev.reserve(self._counters, alive)
        alive, ag.n_slots, births, deaths = step_kernel(
            ag.fstate, ag.istate, self._nodes, self._node_start, self._node_items, self._grid_start,
            ag.grid_index, ag.grid_xy, ag.scratch, ag.fscratch, self._params, self._type_w, self._rng_state,
            self._counters, self._metrics_i, self._metrics_f, self._actions, ev.births, ev.deaths)
        self._event_room -= max(births, deaths)
        self._alive = alive
        self.step_index += 1
        if alive == 0 or self.step_index >= self._steps:
            self.done = True
        values = _IN_METRIC_ORDER(self._metrics_i.tolist() + self._metrics_f.tolist())
        return dict(zip(METRIC_NAMES, values, strict=True))

    def step_block(self, max_steps: int) -> StepBlock:
        """Up to ``max_steps`` steps (fewer when the run ends first), the same steps
        ``step()`` would make one by one, in as few kernel calls as room for agents and
        events allows: the GIL is held between calls only, not for each step's Python."""
        if self.done:
            raise RuntimeError(
                f"the run is finished (step {self.step_index} of {self._steps}, {self._alive} alive)"
            )
        wanted = max(1, min(int(max_steps), self._steps - self.step_index))
        mi = np.empty((wanted, len(L.INT_METRIC_NAMES)), dtype=np.int64)
        mf = np.empty((wanted, len(L.FLOAT_METRIC_NAMES)), dtype=np.float64)
        actions = np.empty((wanted, L.N_TYPES, L.N_ACTIONS), dtype=np.int64)
        ag, ev = self.agents, self.events
        made = 0
        while made < wanted and self._alive > 0:
            alive = self._alive
            if 2 * alive > ag.capacity:
                ag.grow(2 * alive)
            if self._event_room < alive:
                self._event_room = ev.reserve(self._counters, alive)
            k, self._alive, ag.n_slots, self._event_room = step_block_kernel(
                wanted - made, ag.capacity, self._event_room, ag.fstate, ag.istate, self._nodes,
                self._node_start, self._node_items, self._grid_start, ag.grid_index, ag.grid_xy, ag.scratch,
                ag.fscratch, self._params, self._type_w, self._rng_state, self._counters, mi[made:],
                mf[made:], actions[made:], ev.births, ev.deaths)
            made += k
        self.step_index += made
        if self._alive == 0 or self.step_index >= self._steps:
            self.done = True
        if made:  # what step() leaves behind, for action_counts() and checkpoints
            self._metrics_i[:] = mi[made - 1]
            self._metrics_f[:] = mf[made - 1]
            self._actions[:] = actions[made - 1]
        table = np.concatenate([mi[:made], mf[:made]], axis=1, dtype=np.float64)[:, _METRIC_ORDER]
        return StepBlock(table, actions[:made])

    def snapshot(self) -> dict[str, np.ndarray]:
        ag = self.agents
        columns = copy_snapshot(ag.fstate, ag.istate, ag.n_slots, self._nodes)
        return dict(zip(_SNAPSHOT_KEYS, columns, strict=True))

    def action_counts(self) -> np.ndarray:
        return self._actions.copy()

    def drain_agent_events(self) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        births, deaths = self.events.drain(self._counters)
        self._event_room = self.events.room(self._counters)
        return dict(zip(BIRTH_KEYS, births, strict=True)), dict(zip(DEATH_KEYS, deaths, strict=True))

    # ----- checkpoints (state save / restore) --------------------------------------------
    def save_state(self) -> dict[str, Any]:
        """The complete engine state (arrays copied, scalars), enough for
        ``restore_state`` to continue bit for bit: see state_io.py."""
        return save_foraging(self)

    @classmethod
    def restore_state(cls, config: RunConfig, state: Mapping[str, Any]) -> ForagingModel:
        """A model continuing from ``save_state()``'s output. ``config`` may differ from
        the run's (a fork): its parameters apply from the next step on."""
        return restore_foraging(cls, config, state)

    # ----- helpers for tests and tools ----------------------------------------------
    @property
    def alive_count(self) -> int:
        return self._alive

    def agent_table(self) -> dict[str, np.ndarray]:
        """Every per-agent column (including starvation counter, defence timer,
        birth step, parent id) for the slots the engine holds; copies."""
        return self.agents.table()

    def force_action(self, agent_ids: int | Iterable[int], action: str | None) -> None:
        """Make the given agents take ``action`` every step from now on (None: draw
        at random again). Forced agents draw no random number for their choice."""
        if action is not None and action not in ACTIONS:
            raise ValueError(f"unknown action {action!r}; expected one of {', '.join(ACTIONS)}")
        code = -1 if action is None else ACTIONS.index(action)
        ids = np.atleast_1d(np.asarray(agent_ids, dtype=np.int64))
        self.agents.set_forced(ids, code)
