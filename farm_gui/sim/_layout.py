"""Index constants shared by the foraging model and its numba kernel.

Agent state is a structure of arrays held in two 2-D arrays whose *rows* are
the fields (each row is one contiguous array over agent slots): ``fstate``
(float64) and ``istate`` (int64). Parameters travel to the kernel as one
float64 vector, counters as one int64 vector, so a step is a single call.
"""

from __future__ import annotations

from farm_gui.config import ACTIONS, AGENT_TYPES

from .protocol import METRIC_NAMES

N_TYPES = len(AGENT_TYPES)
N_ACTIONS = len(ACTIONS)
_NAMES = ("move", "gather", "defend", "share", "reproduce", "attack", "communicate", "pass")
A_MOVE, A_GATHER, A_DEFEND, A_SHARE, A_REPRODUCE, A_ATTACK, A_COMMUNICATE, A_PASS = (
    ACTIONS.index(a) for a in _NAMES
)

# Rows of fstate.
F_X, F_Y, F_RES, F_HEALTH = range(4)
N_FLOAT_FIELDS = 4

# Rows of istate. I_FORCED holds an action index that replaces the random draw
# (tests use it), or -1 for the normal weighted draw.
I_ID, I_TYPE, I_STARVE, I_DEFEND, I_GEN, I_BIRTH, I_PARENT, I_ALIVE, I_FORCED = range(9)
N_INT_FIELDS = 9

# Positions in the parameter vector.
(
    P_WIDTH,
    P_HEIGHT,
    P_CONSUMPTION,
    P_STARVE_THRESHOLD,
    P_PERCEPTION,
    P_MAX_RESOURCE,
    P_REGEN_RATE,
    P_REGEN_AMOUNT,
    P_GATHER_RANGE,
    P_MAX_GATHER,
    P_SHARE_RANGE,
    P_SHARE_AMOUNT,
    P_MIN_SHARE,
    P_ATTACK_RANGE,
    P_ATTACK_STRENGTH,
    P_DEFENSE_DURATION,
    P_DEFENSE_HEAL,
    P_MOVE_DISTANCE,
    P_MIN_REPRO,
    P_OFFSPRING_COST,
    P_OFFSPRING_RES,
    P_REPRO_CHANCE,
    P_STARTING_HEALTH,
    P_MAX_POP,
    P_MOVE_MULT_NO_RES,
    P_GATHER_MULT_LOW,
    P_SHARE_MULT_WEALTHY,
    P_SHARE_MULT_POOR,
    P_ATTACK_STARVE_FRAC,
    P_ATTACK_MULT_DESPERATE,
    P_ATTACK_MULT_STABLE,
    P_REPRO_MULT_WEALTHY,
    P_REPRO_MULT_POOR,
    P_CELL,
    P_NX,
    P_NY,
) = range(36)
N_PARAMS = 36

# Positions in the counter vector.
C_SLOTS, C_NEXT_ID, C_STEP, C_N_BIRTH_EVENTS, C_N_DEATH_EVENTS, C_ALIVE = range(6)
N_COUNTERS = 6

# Rows of the event buffers (see protocol.BIRTH_KEYS / DEATH_KEYS).
B_ID, B_TYPE, B_STEP, B_PARENT, B_GEN = range(5)
D_ID, D_STEP, D_CAUSE = range(3)
CAUSE_STARVATION, CAUSE_COMBAT = 0, 1

# Positions in the metric vector, which is written in METRIC_NAMES order.
M = {name: i for i, name in enumerate(METRIC_NAMES)}
M_STEP = M["step"]
M_ALIVE = M["alive"]
M_ALIVE_TYPE0 = M[f"alive_{AGENT_TYPES[0]}"]
M_BIRTHS = M["births"]
M_DEATHS = M["deaths"]
M_DEATHS_STARVATION = M["deaths_starvation"]
M_DEATHS_COMBAT = M["deaths_combat"]
M_NODE_RESOURCES = M["resources_in_nodes"]
M_MEAN_RESOURCES = M["mean_agent_resources"]
M_MEAN_HEALTH = M["mean_health"]
M_MEAN_AGE = M["mean_age"]
M_MAX_GEN = M["max_generation"]
M_ACTION0 = M[f"action_{ACTIONS[0]}"]
M_GATHERED = M["resources_gathered"]
M_SHARED = M["resources_shared"]
M_CONSUMED = M["resources_consumed"]
N_METRICS = len(METRIC_NAMES)

# Metrics that are whole numbers (returned as int by step()).
INT_METRICS = tuple(
    i
    for i, name in enumerate(METRIC_NAMES)
    if name in ("step", "alive", "births", "deaths", "deaths_starvation", "deaths_combat", "max_generation")
    or name.startswith(("alive_", "action_"))
)

# Fixed thresholds of the state factors (MODEL.md); the factors themselves
# come from the config. resource_ratio = resources / RESOURCE_RATIO_SCALE.
RESOURCE_RATIO_SCALE = 100.0
GATHER_LOW_RATIO = 0.5
WEALTHY_RATIO = 0.7
POOR_RATIO = 0.3
STABLE_HEALTH_FRACTION = 0.7
