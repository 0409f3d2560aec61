"""Index constants shared by the foraging model and its numba kernel.

Agent state is a structure of arrays held in two 2-D arrays whose *rows* are
the fields (each row is one contiguous array over agent slots): ``fstate``
(float64) and ``istate`` (int64). Parameters travel to the kernel as one
float64 vector, counters as one int64 vector, so a step is a single call.
"""

from __future__ import annotations

from farm_gui.config import ACTIONS, AGENT_TYPES

from .protocol import INTEGER_METRICS, METRIC_NAMES

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

# The kernel writes whole-number metrics into an int64 vector and the rest into
# a float64 vector, each in METRIC_NAMES order; METRIC_ORDER picks the values
# of (ints + floats) back into METRIC_NAMES order.
INT_METRIC_NAMES = tuple(n for n in METRIC_NAMES if n in INTEGER_METRICS)
FLOAT_METRIC_NAMES = tuple(n for n in METRIC_NAMES if n not in INT_METRIC_NAMES)
METRIC_ORDER = tuple((INT_METRIC_NAMES + FLOAT_METRIC_NAMES).index(n) for n in METRIC_NAMES)
_MI = {name: i for i, name in enumerate(INT_METRIC_NAMES)}
_MF = {name: i for i, name in enumerate(FLOAT_METRIC_NAMES)}
M_STEP = _MI["step"]
M_ALIVE = _MI["alive"]
M_ALIVE_TYPE0 = _MI[f"alive_{AGENT_TYPES[0]}"]  # one per type, consecutive
M_BIRTHS = _MI["births"]
M_DEATHS = _MI["deaths"]
M_DEATHS_STARVATION = _MI["deaths_starvation"]
M_DEATHS_COMBAT = _MI["deaths_combat"]
M_MAX_GEN = _MI["max_generation"]
M_ACTION0 = _MI[f"action_{ACTIONS[0]}"]  # one per action, consecutive
M_NODE_RESOURCES = _MF["resources_in_nodes"]
M_MEAN_RESOURCES = _MF["mean_agent_resources"]
M_MEAN_HEALTH = _MF["mean_health"]
M_MEAN_AGE = _MF["mean_age"]
M_GATHERED = _MF["resources_gathered"]
M_SHARED = _MF["resources_shared"]
M_CONSUMED = _MF["resources_consumed"]

# Fixed thresholds of the state factors (MODEL.md); the factors themselves
# come from the config. resource_ratio = resources / RESOURCE_RATIO_SCALE.
RESOURCE_RATIO_SCALE = 100.0
GATHER_LOW_RATIO = 0.5
WEALTHY_RATIO = 0.7
POOR_RATIO = 0.3
STABLE_HEALTH_FRACTION = 0.7
