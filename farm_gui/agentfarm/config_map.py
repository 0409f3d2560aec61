"""Mapping an AgentFarm configuration onto the foraging model's parameters.

AgentFarm writes its configuration in three shapes: nested YAML sections
(``environment: {width: 100}``), the flat dotted keys of the JSON it saves with a run
(``"environment.width": 100``), and older flat files (``width: 100``). All three are
flattened to dotted keys; a key maps onto the RunConfig field of the same name (the
schema uses AgentFarm's names) when it sits at the top level or in one of the sections
that describe the simulated world (MODEL_SECTIONS, earlier ones win when a name occurs in
several). ``agent_parameters.<Class>.share_weight`` / ``attack_weight`` map onto the
per-type weights. Everything else (learning, database, visualisation, analysis settings,
per-type learning rates, ...) has no counterpart and is listed, never silently dropped.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from farm_gui.config import ConfigError, RunConfig, config_from_dict, config_to_dict
from farm_gui.config.io import parse_yaml, read_config_text
from farm_gui.config.schema import AGENT_CLASS_NAMES, ActionWeights, TypeParameters

MODEL_SECTIONS: tuple[str, ...] = ("", "environment", "population", "resources", "agent_behavior",
                                   "combat", "modules")
# Sections only AgentFarm has: their keys are reported as a group, not one by one.
AGENTFARM_SECTIONS: frozenset[str] = frozenset({
    "environment", "population", "resources", "agent_behavior", "combat", "learning", "database",
    "device", "memmap", "curriculum", "logging", "versioning", "performance", "action_rewards",
    "modules", "visualization", "redis", "initial_diversity", "spatial_analysis", "genesis_analysis",
    "agent_analysis", "population_analysis", "learning_analysis", "analysis_global", "observation",
})
# Top-level AgentFarm keys that are not Farm GUI fields but certainly AgentFarm's.
AGENTFARM_TOP_KEYS: frozenset[str] = frozenset({"max_steps", "agent_type_ratios", "use_in_memory_db"})
_FIELDS = frozenset(n for n in RunConfig.model_fields if n not in ("action_weights", "agent_parameters"))
_WHY = {
    "max_steps": "AgentFarm's step cap; Farm GUI runs simulation_steps steps",
}


@dataclass
class ConfigMapping:
    """The RunConfig built from an AgentFarm configuration, and what was not used."""

    config: RunConfig
    mapped: dict[str, str] = field(default_factory=dict)  # RunConfig path -> AgentFarm key
    unmapped: list[tuple[str, str]] = field(default_factory=list)  # (AgentFarm key, why)
    source: str | None = None

    def message(self, limit: int | None = 40) -> str:
        """A summary for the user: how many keys were used, and every key that was not."""
        head = (f"{self.source + ': ' if self.source else ''}AgentFarm configuration: "
                f"{len(self.mapped)} keys mapped onto Farm GUI parameters")
        if not self.unmapped:
            return head + "; every key was used."
        lines = [f"{head}; {len(self.unmapped)} keys have no counterpart and were not used:"]
        shown = self.unmapped if limit is None else self.unmapped[:limit]
        lines += [f"  {key}" + (f" ({why})" if why else "") for key, why in shown]
        if limit is not None and len(self.unmapped) > limit:
            lines.append(f"  ... and {len(self.unmapped) - limit} more")
        return "\n".join(lines)


def flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested sections -> dotted keys; agent_parameters and action_weights blocks are kept whole."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        leaf = path.rsplit(".", 1)[-1]
        if isinstance(value, Mapping) and leaf not in ("agent_parameters", "action_weights") and value:
            out.update(flatten(value, path))
        else:
            out[path] = value
    return out


def looks_like_agentfarm(data: Any) -> bool:
    """True for a mapping in one of AgentFarm's configuration shapes (not a Farm GUI config)."""
    if not isinstance(data, Mapping):
        return False
    keys = [str(k) for k in data]
    if any("." in k and k.split(".", 1)[0] in AGENTFARM_SECTIONS for k in keys):
        return True
    if any(k in AGENTFARM_SECTIONS or k in AGENTFARM_TOP_KEYS for k in keys):
        return True
    blocks = data.get("agent_parameters")
    if isinstance(blocks, Mapping):
        allowed = set(TypeParameters.model_fields)
        return any(isinstance(b, Mapping) and set(map(str, b)) - allowed for b in blocks.values())
    return False


def _section_rank(path: str) -> int | None:
    section = path.rsplit(".", 1)[0] if "." in path else ""
    return MODEL_SECTIONS.index(section) if section in MODEL_SECTIONS else None


def map_config(data: Mapping[str, Any], source: str | None = None,
               base: RunConfig | None = None) -> ConfigMapping:
    """Build a RunConfig from an AgentFarm configuration (any of its shapes). Values that
    fail Farm GUI's validation keep the default and are listed with the reason."""
    flat = flatten(data)
    values: dict[str, Any] = config_to_dict(base or RunConfig())
    mapped: dict[str, str] = {}
    unmapped: list[tuple[str, str]] = []
    candidates: dict[str, list[tuple[int, str]]] = {}
    for path, value in flat.items():
        leaf = path.rsplit(".", 1)[-1]
        rank = _section_rank(path)
        if leaf == "agent_parameters" and isinstance(value, Mapping):
            _map_type_blocks(path, value, values, mapped, unmapped)
        elif leaf == "action_weights" and isinstance(value, Mapping) and rank is not None:
            for name, weight in value.items():
                key = f"{path}.{name}"
                if str(name) in ActionWeights.model_fields or name == "pass":
                    values["action_weights"][str(name)] = weight
                    mapped[f"action_weights.{name}"] = key
                else:
                    unmapped.append((key, "no such action in Farm GUI"))
        elif leaf in _FIELDS and rank is not None:
            if value is None:
                unmapped.append((path, "null in the file; Farm GUI's default is used"))
            else:
                candidates.setdefault(leaf, []).append((rank, path))
        else:
            unmapped.append((path, _WHY.get(leaf, "no counterpart in Farm GUI")))
    for leaf, found in candidates.items():
        found.sort()
        values[leaf] = flat[found[0][1]]
        mapped[leaf] = found[0][1]
        first = found[0][1]
        unmapped += [(p, f"{leaf} is taken from {first}" + (" (same value)" if flat[p] == flat[first] else
                                                             f" = {flat[first]!r}; this value is ignored"))
                     for _, p in found[1:]]
    config = _validated(values, mapped, unmapped, source)
    unmapped.sort()
    return ConfigMapping(config, mapped, unmapped, source)


def _map_type_blocks(path: str, blocks: Mapping[str, Any], values: dict[str, Any],
                     mapped: dict[str, str], unmapped: list[tuple[str, str]]) -> None:
    classes = {name.lower(): name for name in AGENT_CLASS_NAMES.values()}
    classes.update({t: name for t, name in AGENT_CLASS_NAMES.items()})
    for cls, block in blocks.items():
        target = classes.get(str(cls).lower())
        if target is None or not isinstance(block, Mapping):
            unmapped.append((f"{path}.{cls}", "no such agent type in Farm GUI"))
            continue
        for name, value in block.items():
            key = f"{path}.{cls}.{name}"
            if name in TypeParameters.model_fields and value is not None:
                values["agent_parameters"].setdefault(target, {})[name] = value
                mapped[f"agent_parameters.{target}.{name}"] = key
            else:
                unmapped.append((key, "no counterpart in Farm GUI"))


def _validated(values: dict[str, Any], mapped: dict[str, str], unmapped: list[tuple[str, str]],
               source: str | None) -> RunConfig:
    """Validate; a mapped value Farm GUI rejects falls back to the default (and is listed)."""
    defaults = config_to_dict(RunConfig())
    for _ in range(len(mapped) + 1):
        try:
            return config_from_dict(values, source)
        except ConfigError as err:
            bad = [p for p, _m in err.problems if p in mapped or p.split(".")[0] in mapped]
            if not bad:
                raise
            for path, msg in err.problems:
                target = path if path in mapped else path.split(".")[0]
                if target not in mapped:
                    continue
                unmapped.append((mapped.pop(target), f"rejected for {target}: {msg}"))
                node, default = values, defaults
                parts = target.split(".")
                for part in parts[:-1]:
                    node, default = node[part], default[part]
                node[parts[-1]] = default[parts[-1]]
    return config_from_dict(values, source)


def read_config_file(path: str | os.PathLike[str]) -> Any:
    """The raw content of a YAML or JSON configuration file (bounded, safe loader)."""
    src, text = read_config_text(path, "YAML or JSON")
    if text.lstrip().startswith("{"):
        try:
            return json.loads(text, parse_constant=lambda c: math.nan)
        except ValueError:
            pass  # YAML flow mappings start with "{" too
    return parse_yaml(text, src)


def load_agentfarm_config(path: str | os.PathLike[str]) -> ConfigMapping:
    """Read an AgentFarm configuration file (YAML or its saved JSON) and map it."""
    data = read_config_file(path)
    if not isinstance(data, Mapping):
        kind = "empty" if data is None else f"a {type(data).__name__}, not a mapping of parameters"
        raise ConfigError(str(path), [("", f"the configuration is {kind}")])
    return map_config(data, source=str(path))


def load_any_config(path: str | os.PathLike[str]) -> tuple[RunConfig, ConfigMapping | None]:
    """A Farm GUI configuration file as it is, or an AgentFarm one mapped (with its mapping)."""
    data = read_config_file(path)
    if looks_like_agentfarm(data):
        mapping = map_config(data, source=str(path))
        return mapping.config, mapping
    return config_from_dict(data, str(path)), None
