"""Run configuration: validated schema, YAML load/save, presets. No Qt."""

from .io import PRESETS, ConfigError, config_from_dict, config_to_dict, load_yaml, preset, save_yaml
from .schema import ACTIONS, AGENT_CLASS_NAMES, AGENT_TYPES, ActionWeights, RunConfig, TypeParameters

RunConfig.preset = staticmethod(preset)  # type: ignore[attr-defined]
RunConfig.from_yaml = staticmethod(load_yaml)  # type: ignore[attr-defined]
RunConfig.to_yaml = save_yaml  # type: ignore[attr-defined]

__all__ = [
    "ACTIONS",
    "AGENT_CLASS_NAMES",
    "AGENT_TYPES",
    "PRESETS",
    "ActionWeights",
    "ConfigError",
    "RunConfig",
    "TypeParameters",
    "config_from_dict",
    "config_to_dict",
    "load_yaml",
    "preset",
    "save_yaml",
]
