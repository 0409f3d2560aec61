"""Mapping AgentFarm configurations (its saved JSON, nested YAML, old flat files)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from farm_gui.agentfarm import load_agentfarm_config, load_any_config, looks_like_agentfarm, map_config
from farm_gui.config import ConfigError, RunConfig, config_to_dict, save_yaml

SAMPLE_CONFIG = Path(__file__).parents[1] / "fixtures" / "agentfarm" / "config.json"


def nest(flat: dict) -> dict:
    """The saved JSON's dotted keys as AgentFarm's nested YAML sections."""
    out: dict = {}
    for key, value in flat.items():
        node = out
        *sections, leaf = key.split(".")
        for section in sections:
            node = node.setdefault(section, {})
        node[leaf] = value
    return out


def test_saved_json_maps_world_population_and_types():
    mapping = load_agentfarm_config(SAMPLE_CONFIG)
    c = mapping.config
    assert (c.width, c.height, c.seed, c.simulation_steps) == (50.0, 50.0, 1234567890, 50)
    assert (c.system_agents, c.independent_agents, c.control_agents, c.max_population) == (10, 10, 10, 50)
    assert (c.initial_resources, c.max_resource_amount, c.resource_regen_amount) == (20, 30.0, 2.0)
    assert (c.perception_radius, c.max_gather_amount, c.gathering_range, c.share_range) == \
        (2.0, 3.0, 30.0, 30.0)
    assert c.agent_parameters["IndependentAgent"].attack_weight == 0.25
    assert c.agent_parameters["SystemAgent"].share_weight == 0.3
    assert mapping.mapped["width"] == "environment.width"
    assert mapping.mapped["starting_health"] == "combat.starting_health"


def test_everything_not_mapped_is_listed():
    mapping = load_agentfarm_config(SAMPLE_CONFIG)
    raw = json.loads(SAMPLE_CONFIG.read_text())
    unmapped = dict(mapping.unmapped)
    for key in ("max_steps", "learning.gamma", "database.use_in_memory_db", "agent_behavior.max_movement",
                "agent_parameters.SystemAgent.learning_rate", "visualization.canvas_size",
                "environment.spatial_index", "redis.host"):
        assert key in unmapped, key
    assert "null" in dict(map_config({"environment.width": None}).unmapped)["environment.width"]
    assert unmapped["modules.attack_range"] == "attack_range is taken from combat.attack_range (same value)"
    # every top-level key of the file is either used or listed
    used_or_listed = set(mapping.mapped.values()) | set(unmapped)
    for key in raw:
        assert any(k == key or k.startswith(key + ".") for k in used_or_listed), key
    text = mapping.message(limit=None)
    assert f"{len(mapping.unmapped)} keys have no counterpart" in text and "learning.gamma" in text


def test_nested_yaml_and_flat_files_map_the_same(tmp_path):
    raw = json.loads(SAMPLE_CONFIG.read_text())
    nested = tmp_path / "config.yaml"
    nested.write_text(yaml.safe_dump(nest(raw)))
    assert load_agentfarm_config(nested).config == load_agentfarm_config(SAMPLE_CONFIG).config
    old = map_config({"width": 80, "height": 60, "system_agents": 4, "max_steps": 10, "seed": 3,
                      "learning_rate": 0.1})
    assert (old.config.width, old.config.height, old.config.system_agents) == (80.0, 60.0, 4)
    assert dict(old.unmapped).keys() == {"max_steps", "learning_rate"}


def test_rejected_values_fall_back_and_are_listed():
    mapping = map_config({"environment.width": -5, "population.system_agents": 3,
                          "resources.resource_regen_rate": 7})
    assert mapping.config.width == RunConfig().width and mapping.config.system_agents == 3
    assert mapping.config.resource_regen_rate == RunConfig().resource_regen_rate
    reasons = dict(mapping.unmapped)
    assert "rejected for width" in reasons["environment.width"]
    assert "rejected for resource_regen_rate" in reasons["resources.resource_regen_rate"]


def test_conflicting_sections_take_the_first_and_say_so():
    mapping = map_config({"combat.attack_range": 20, "modules.attack_range": 12})
    assert mapping.config.attack_range == 20.0
    assert "taken from combat.attack_range = 20; this value is ignored" in \
        dict(mapping.unmapped)["modules.attack_range"]


def test_farm_gui_files_are_not_taken_for_agentfarm(tmp_path):
    path = tmp_path / "mine.yaml"
    save_yaml(RunConfig(width=70), path)
    config, mapping = load_any_config(path)
    assert mapping is None and config.width == 70
    assert not looks_like_agentfarm(config_to_dict(RunConfig()))
    typo = tmp_path / "typo.yaml"
    typo.write_text("widht: 3\n")
    with pytest.raises(ConfigError, match="widht"):
        load_any_config(typo)
    config, mapping = load_any_config(SAMPLE_CONFIG)
    assert mapping is not None and config.width == 50


@pytest.mark.parametrize("content", [b"", b"\x00\x01", b"[1, 2]", b"{not: [valid"])
def test_bad_files_are_config_errors(tmp_path, content):
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    with pytest.raises(ConfigError, match="bad.json"):
        load_agentfarm_config(path)
