"""The run configuration: every parameter of the foraging ecology with its
default, bounds and a one-line description.

Parameter names are the AgentFarm platform's, so an AgentFarm-style YAML file
using those keys loads unchanged. Each field carries a ``group`` (used by the
GUI to lay out the generated form) in its JSON-schema extras.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from farm_gui.core.model import RunParameters

AGENT_TYPES: tuple[str, ...] = ("system", "independent", "control", "order", "chaos")
ACTIONS: tuple[str, ...] = (
    "move",
    "gather",
    "defend",
    "share",
    "reproduce",
    "attack",
    "communicate",
    "pass",
)

# AgentFarm names its per-type parameter blocks after the agent classes.
AGENT_CLASS_NAMES: dict[str, str] = {t: f"{t.capitalize()}Agent" for t in AGENT_TYPES}


class FieldsError(ValueError):
    """A problem of several fields together; ``fields`` maps each field to what is wrong
    with it (ConfigError lists one problem per field, so that a form marks each)."""

    def __init__(self, message: str, fields: dict[str, str]):
        super().__init__(message)
        self.fields = fields


def _field(default: Any, description: str, group: str, **bounds: Any) -> Any:
    return Field(default, description=description, json_schema_extra={"group": group}, **bounds)


class _Strict(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        validate_assignment=True,
        allow_inf_nan=False,
        strict=False,
    )


class ActionWeights(_Strict):
    """Base weight of each action before type overrides and state factors."""

    move: float = _field(0.4, "Base weight of moving one unit", "Actions", ge=0, le=100)
    gather: float = _field(0.3, "Base weight of gathering from a node", "Actions", ge=0, le=100)
    defend: float = _field(0.25, "Base weight of defending", "Actions", ge=0, le=100)
    share: float = _field(0.2, "Base weight of sharing (replaced per type)", "Actions", ge=0, le=100)
    reproduce: float = _field(0.15, "Base weight of reproducing", "Actions", ge=0, le=100)
    attack: float = _field(0.1, "Base weight of attacking (replaced per type)", "Actions", ge=0, le=100)
    communicate: float = _field(0.1, "Base weight of communicating (no effect)", "Actions", ge=0, le=100)
    pass_: float = Field(
        0.05,
        alias="pass",
        description="Base weight of doing nothing",
        json_schema_extra={"group": "Actions"},
        ge=0,
        le=100,
    )

    model_config = ConfigDict(populate_by_name=True, extra="forbid", allow_inf_nan=False,
                              validate_assignment=True)

    def as_array_order(self) -> list[float]:
        """Weights in the order of ``ACTIONS``."""
        return [getattr(self, "pass_" if a == "pass" else a) for a in ACTIONS]


class TypeParameters(_Strict):
    """Per-type replacements of the share and attack weights."""

    share_weight: float = _field(0.15, "Weight of sharing for this type", "Agent types", ge=0, le=100)
    attack_weight: float = _field(0.15, "Weight of attacking for this type", "Agent types", ge=0, le=100)


def _default_type_parameters() -> dict[str, TypeParameters]:
    return {
        "SystemAgent": TypeParameters(share_weight=0.3, attack_weight=0.05),
        "IndependentAgent": TypeParameters(share_weight=0.05, attack_weight=0.25),
        "ControlAgent": TypeParameters(share_weight=0.15, attack_weight=0.15),
        "OrderAgent": TypeParameters(share_weight=0.15, attack_weight=0.15),
        "ChaosAgent": TypeParameters(share_weight=0.15, attack_weight=0.15),
    }


class RunConfig(_Strict, RunParameters):
    """Everything that determines a run of the foraging ecology."""

    # Run
    simulation_steps: int = _field(100, "Number of steps to simulate", "Run", ge=1, le=100_000_000)
    seed: int = _field(1234567890, "Random seed; the same seed and config give the same run", "Run",
                       ge=0, le=2**63 - 1)
    snapshot_every: int = _field(10, "Store per-agent state every N steps (0 = never)", "Run",
                                 ge=0, le=1_000_000)
    checkpoint_every: int = _field(1000, "Save the engine's complete state every N steps, to resume or "
                                   "fork the run from (0 = only at pause, stop and end)", "Run",
                                   ge=0, le=100_000_000)

    # World
    width: float = _field(100.0, "Width of the world", "World", gt=0, le=1_000_000)
    height: float = _field(100.0, "Height of the world", "World", gt=0, le=1_000_000)

    # Agents
    system_agents: int = _field(10, "Initial number of system (cooperative) agents", "Agents",
                                ge=0, le=10_000_000)
    independent_agents: int = _field(10, "Initial number of independent (selfish) agents", "Agents",
                                     ge=0, le=10_000_000)
    control_agents: int = _field(10, "Initial number of control agents", "Agents", ge=0, le=10_000_000)
    order_agents: int = _field(0, "Initial number of order agents", "Agents", ge=0, le=10_000_000)
    chaos_agents: int = _field(0, "Initial number of chaos agents", "Agents", ge=0, le=10_000_000)
    max_population: int = _field(300, "Population cap; reproduction fails at the cap", "Agents",
                                 ge=1, le=100_000_000)
    initial_resource_level: float = _field(5.0, "Resources each initial agent starts with", "Agents",
                                           ge=0, le=1e9)
    starting_health: float = _field(100.0, "Health of a new agent (also the maximum)", "Agents",
                                    gt=0, le=1e9)
    base_consumption_rate: float = _field(0.15, "Resources consumed by each agent every step",
                                          "Agents", ge=0, le=1e6)
    starvation_threshold: int = _field(10, "Steps at zero resources before an agent dies", "Agents",
                                       ge=1, le=1_000_000)
    perception_radius: float = _field(5.0, "Radius within which an agent sees resource nodes",
                                      "Agents", ge=0, le=1e6)

    # Resources
    initial_resources: int = _field(20, "Number of resource nodes", "Resources", ge=0, le=100_000_000)
    max_resource_amount: float = _field(30.0, "Capacity of a node (nodes start full)", "Resources",
                                        gt=0, le=1e9)
    resource_regen_rate: float = _field(0.1, "Probability a node regrows in a step", "Resources",
                                        ge=0, le=1)
    resource_regen_amount: float = _field(2.0, "Amount a node regrows by", "Resources", ge=0, le=1e9)

    # Interactions
    gathering_range: float = _field(30.0, "Range within which an agent can gather", "Interactions",
                                    ge=0, le=1e6)
    max_gather_amount: float = _field(10.0, "Most an agent takes from a node in one gather",
                                      "Interactions", ge=0, le=1e9)
    share_range: float = _field(30.0, "Range within which an agent can share", "Interactions",
                                ge=0, le=1e6)
    share_amount: float = _field(2.0, "Resources given in one share", "Interactions", ge=0, le=1e9)
    min_share_resources: float = _field(7.0, "Resources an agent needs before it can share",
                                        "Interactions", ge=0, le=1e9)
    attack_range: float = _field(20.0, "Range within which an agent can attack", "Interactions",
                                 ge=0, le=1e6)
    base_attack_strength: float = _field(2.0, "Damage of an attack at full health", "Interactions",
                                         ge=0, le=1e9)
    defense_duration: int = _field(3, "Steps an agent keeps defending", "Interactions", ge=0, le=1_000_000)
    defense_heal: float = _field(1.0, "Health regained when defending", "Interactions", ge=0, le=1e9)
    move_distance: float = _field(1.0, "Distance of one move", "Interactions", ge=0, le=1e6)

    # Reproduction
    min_reproduction_resources: float = _field(8.0, "Resources needed (beyond the cost) to reproduce",
                                               "Reproduction", ge=0, le=1e9)
    offspring_cost: float = _field(3.0, "Resources the parent pays for a child", "Reproduction",
                                   ge=0, le=1e9)
    offspring_initial_resources: float = _field(5.0, "Resources a child starts with", "Reproduction",
                                                ge=0, le=1e9)
    reproduction_chance: float = _field(0.5, "Probability an eligible reproduction succeeds",
                                        "Reproduction", ge=0, le=1)

    # State factors on action weights
    move_mult_no_resources: float = _field(1.5, "Move weight factor when no node is in sight",
                                           "Behaviour", ge=0, le=100)
    gather_mult_low_resources: float = _field(1.5, "Gather weight factor when resource ratio < 0.5",
                                              "Behaviour", ge=0, le=100)
    share_mult_wealthy: float = _field(1.3, "Share weight factor when resource ratio >= 0.7",
                                       "Behaviour", ge=0, le=100)
    share_mult_poor: float = _field(0.5, "Share weight factor when resource ratio < 0.3", "Behaviour",
                                    ge=0, le=100)
    attack_starvation_threshold: float = _field(0.5, "Starvation fraction at which agents get desperate",
                                                "Behaviour", ge=0, le=1)
    attack_mult_desperate: float = _field(1.4, "Attack weight factor when desperate", "Behaviour",
                                          ge=0, le=100)
    attack_mult_stable: float = _field(0.6, "Attack weight factor when health >= 70% of starting",
                                       "Behaviour", ge=0, le=100)
    reproduce_mult_wealthy: float = _field(1.4, "Reproduce weight factor when resource ratio >= 0.7",
                                           "Behaviour", ge=0, le=100)
    reproduce_mult_poor: float = _field(0.3, "Reproduce weight factor otherwise", "Behaviour",
                                        ge=0, le=100)

    action_weights: ActionWeights = Field(default_factory=ActionWeights,
                                          description="Base action weights")
    agent_parameters: dict[str, TypeParameters] = Field(
        default_factory=_default_type_parameters,
        description="Per-type share and attack weights, keyed by AgentFarm class name",
    )

    @field_validator("agent_parameters")
    @classmethod
    def _check_type_keys(cls, value: dict[str, TypeParameters]) -> dict[str, TypeParameters]:
        known = set(AGENT_CLASS_NAMES.values())
        unknown = sorted(set(value) - known)
        if unknown:
            raise ValueError(f"unknown agent class {unknown[0]!r}; expected one of {sorted(known)}")
        # Types not configured behave like control (MODEL.md).
        control = value.get("ControlAgent", TypeParameters())
        return {name: value.get(name, control).model_copy() for name in AGENT_CLASS_NAMES.values()}

    @model_validator(mode="after")
    def _check_population_cap(self) -> RunConfig:
        total, cap = self.total_agents, self.max_population
        if total > cap:
            message = (f"the initial agents ({total:,} in all) exceed the population cap "
                       f"(max population {cap:,}); lower them or raise the cap")
            fields = {f"{t}_agents": message for t, n in self.agent_counts().items() if n > 0}
            fields["max_population"] = f"is below the initial agents ({total:,} in all)"
            raise FieldsError(message, fields)
        return self

    # ----- derived values -----------------------------------------------------------
    def agent_counts(self) -> dict[str, int]:
        """Initial agent count per type, in the order of ``AGENT_TYPES``."""
        return {t: getattr(self, f"{t}_agents") for t in AGENT_TYPES}

    @property
    def total_agents(self) -> int:
        return sum(self.agent_counts().values())

    def type_weights(self, agent_type: str) -> TypeParameters:
        return self.agent_parameters[AGENT_CLASS_NAMES[agent_type]]
