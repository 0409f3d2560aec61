import math

import pytest
import yaml

from farm_gui.config import (
    AGENT_TYPES,
    ConfigError,
    RunConfig,
    config_from_dict,
    config_to_dict,
    load_yaml,
    preset,
    save_yaml,
)


def test_defaults_match_model_spec():
    c = RunConfig()
    assert (c.width, c.height) == (100, 100)
    assert c.agent_counts() == {"system": 10, "independent": 10, "control": 10, "order": 0, "chaos": 0}
    assert c.initial_resources == 20 and c.max_resource_amount == 30
    assert c.resource_regen_rate == 0.1 and c.resource_regen_amount == 2
    assert c.seed == 1234567890 and c.simulation_steps == 100
    assert c.starvation_threshold == 10 and c.base_consumption_rate == 0.15
    assert c.type_weights("system").share_weight == 0.3
    assert c.type_weights("independent").attack_weight == 0.25
    # Unconfigured types behave like control.
    assert c.type_weights("chaos") == c.type_weights("control")


@pytest.mark.parametrize(
    "name,total,side,nodes",
    [("1k", 1_000, 600, 700), ("10k", 10_000, 1_900, 7_000), ("100k", 100_000, 6_000, 70_000)],
)
def test_scaling_presets(name, total, side, nodes):
    c = RunConfig.preset(name)
    assert c.total_agents == total
    assert c.width == c.height == side
    assert c.initial_resources == nodes
    assert c.max_population == 10 * total


def test_unknown_preset_names_choices():
    with pytest.raises(ConfigError, match="unknown preset 'huge'.*default"):
        preset("huge")


def test_yaml_round_trip(tmp_path):
    c = RunConfig.preset("1k").model_copy(update={"seed": 7})
    p = tmp_path / "run.yaml"
    save_yaml(c, p)
    assert load_yaml(p) == c
    assert RunConfig.from_yaml(p) == c
    assert yaml.safe_load(p.read_text())["action_weights"]["pass"] == 0.05


def test_agentfarm_style_yaml_loads(tmp_path):
    p = tmp_path / "farm.yaml"
    p.write_text(
        "width: 50\nheight: 60\nsystem_agents: 4\nindependent_agents: 3\ncontrol_agents: 2\n"
        "agent_parameters:\n  SystemAgent:\n    share_weight: 0.4\n    attack_weight: 0.01\n"
    )
    c = load_yaml(p)
    assert (c.width, c.height, c.total_agents) == (50, 60, 9)
    assert c.type_weights("system").share_weight == 0.4


def _error_for(tmp_path, text: str | bytes) -> ConfigError:
    p = tmp_path / "bad.yaml"
    p.write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(ConfigError) as info:
        load_yaml(p)
    assert str(p) in str(info.value)
    return info.value


@pytest.mark.parametrize(
    "text,field,fragment",
    [
        ("widht: 10\n", "widht", "unknown key"),
        ("seed: abc\n", "seed", "integer"),
        ("width: -5\n", "width", "greater than 0"),
        ("resource_regen_rate: 2\n", "resource_regen_rate", "less than or equal to 1"),
        ("width: .nan\n", "width", "finite"),
        ("height: .inf\n", "height", "finite"),
        ("system_agents: 100000000000000000000000\n", "system_agents", "less than or equal"),
        ("agent_parameters:\n  RobotAgent: {share_weight: 1}\n", "agent_parameters", "RobotAgent"),
        ("action_weights:\n  move: -1\n", "action_weights.move", "greater than or equal"),
    ],
)
def test_bad_fields_name_file_and_field(tmp_path, text, field, fragment):
    err = _error_for(tmp_path, text)
    assert any(path.startswith(field) for path, _ in err.problems), err.problems
    assert fragment in str(err)


@pytest.mark.parametrize(
    "content,fragment",
    [
        ("", "empty"),
        ("- 1\n- 2\n", "not a mapping"),
        ("width: [1, 2\n", "not valid YAML at line"),
        (b"\x00\x01\x02binary", "binary"),
        (b"\xff\xfe\xfa", "UTF-8"),
    ],
)
def test_bad_files(tmp_path, content, fragment):
    assert fragment in str(_error_for(tmp_path, content))


def test_yaml_tags_never_build_python_objects(tmp_path):
    marker = tmp_path / "pwned"
    err = _error_for(tmp_path, f'width: !!python/object/apply:os.system ["touch {marker}"]\n')
    assert "constructor" in str(err)
    assert not marker.exists()


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="file not found"):
        load_yaml(tmp_path / "nope.yaml")


def test_every_field_is_described_and_grouped():
    for name, info in RunConfig.model_fields.items():
        assert info.description, name
        if name not in ("action_weights", "agent_parameters"):
            assert info.json_schema_extra and info.json_schema_extra.get("group"), name


def test_dict_round_trip_and_types():
    d = config_to_dict(RunConfig())
    assert all(f"{t}_agents" in d for t in AGENT_TYPES)
    assert config_from_dict(d) == RunConfig()
    assert not any(isinstance(v, float) and not math.isfinite(v) for v in d.values())


def test_assignment_is_validated():
    c = RunConfig()
    with pytest.raises(ValueError):
        c.width = -1


def test_presets_set_steps_for_their_size():
    steps = {name: RunConfig.preset(name).simulation_steps for name in ("default", "1k", "10k", "100k")}
    assert steps["default"] >= steps["1k"] > steps["10k"] > steps["100k"] >= 300
    assert RunConfig.preset("default").simulation_steps > RunConfig().simulation_steps
    # agent-steps per run grow with the size, but far less than the agents do
    work = {name: steps[name] * RunConfig.preset(name).total_agents for name in steps}
    assert work["default"] < work["1k"] < work["10k"] < work["100k"] < 1000 * work["1k"]
