"""The top-level resources/ folder: what it holds, that every preset and example file
validates, and that an installed wheel carries it."""

from __future__ import annotations

import os
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from farm_gui import resources
from farm_gui.config import PRESETS, RunConfig, load_yaml, preset
from farm_gui.config.model_files import load_params_file

ROOT = Path(__file__).resolve().parents[2]
TOP = ROOT / "resources"


def test_top_level_resources_hold_svg_icons_and_yaml_presets():
    assert resources.root() == TOP
    assert list(TOP.glob("icons/**/*.svg"))
    assert sorted(p.stem for p in (TOP / "presets" / "foraging").glob("*.yaml")) == sorted(
        ["default", "1k", "10k", "100k"])


@pytest.mark.parametrize("file", sorted((TOP / "presets").glob("*/*.yaml")), ids=lambda p: p.name)
def test_every_preset_file_validates(file):
    config = load_yaml(file)  # the same check as `farm-gui run --config FILE`
    assert config == preset(file.stem)


@pytest.mark.parametrize("file", sorted((TOP / "examples").glob("*.yaml")), ids=lambda p: p.name)
def test_every_example_validates_and_has_a_title(file):
    spec, _params = load_params_file(file)  # any model's: its model: key names it
    assert spec.name in {"foraging", "wolf_sheep", "schelling", "boltzmann_wealth"}
    titles = {e.path: e for e in resources.examples()}
    assert titles[file].title and not titles[file].title.startswith("#")
    assert titles[file].description


def test_the_classic_models_examples_show_what_they_say():
    """Each classic model's example does what its description promises (run headless)."""
    def final(name: str) -> tuple[int, dict[str, float]]:
        spec, params = load_params_file(TOP / "examples" / name)
        engine = spec.create_engine(params, params.seed)
        rows = []
        while len(rows) < params.simulation_steps and not getattr(engine, "done", False):
            rows.append(dict(engine.step()))
        return len(rows), rows

    steps, rows = final("wolf-sheep-cycles.yaml")
    assert steps == 1000 and rows[-1]["wolves"] > 0 and rows[-1]["sheep"] > 0  # both still there
    wolves = [r["wolves"] for r in rows]
    assert max(wolves) > 1.3 * min(wolves[100:])  # they rise and fall
    steps, rows = final("schelling-strong-preference.yaml")
    assert steps < 200 and rows[-1]["similar_share"] > 0.95
    steps, rows = final("boltzmann-500-agents.yaml")
    gini = [r["gini"] for r in rows]
    assert gini[0] < 0.5 and 0.55 < sum(gini[-100:]) / 100 < 0.75 and rows[-1]["zero_share"] > 0.4


def test_presets_keep_their_values():
    """The YAML files hold the values the presets had in code (split in thirds, scaled world),
    and steps for a run of some tens of seconds."""
    assert list(PRESETS) == ["default", "1k", "10k", "100k"]
    assert preset("default") == RunConfig(simulation_steps=5_000)
    for name, total, side, nodes, steps in (("1k", 1_000, 600.0, 700, 5_000),
                                            ("10k", 10_000, 1_900.0, 7_000, 2_000),
                                            ("100k", 100_000, 6_000.0, 70_000, 500)):
        c = RunConfig.preset(name)
        third = total // 3
        assert (c.system_agents, c.independent_agents, c.control_agents) == (third, third, total - 2 * third)
        assert (c.width, c.height, c.initial_resources, c.max_population) == (side, side, nodes, total * 10)
        assert PRESETS[name] == {"system_agents": third, "independent_agents": third,
                                 "control_agents": total - 2 * third, "width": side, "height": side,
                                 "initial_resources": nodes, "max_population": total * 10,
                                 "simulation_steps": steps}


def test_app_icon_pngs_have_their_sizes():
    for size in resources.APP_ICON_SIZES:
        data = resources.app_icon_png(size).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        assert struct.unpack(">II", data[16:24]) == (size, size)


def test_action_icons_are_one_recolourable_set():
    names = resources.action_icon_names()
    assert {"start", "pause", "resume", "step", "stop", "new_run", "open_workspace"} <= set(names)
    for name in names:
        svg = resources.action_icon_svg(name)
        assert 'viewBox="0 0 24 24"' in svg and "currentColor" in svg, name
        assert "#" not in svg.replace("currentColor", ""), f"{name}.svg has a fixed colour"


def test_resources_override_and_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv(resources.ENV_VAR, str(tmp_path))
    resources.root.cache_clear()
    try:
        with pytest.raises(resources.ResourceError, match="not a Farm GUI resources folder"):
            resources.root()
    finally:
        monkeypatch.delenv(resources.ENV_VAR)
        resources.root.cache_clear()
    assert resources.root() == TOP


@pytest.mark.slow
def test_installed_wheel_finds_its_resources(tmp_path):
    """Build a wheel, install it into an empty folder and use it from there: the package
    must carry resources/ (as farm_gui/_resources) and find it without the source tree."""
    wheels = tmp_path / "wheels"
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q",
                            "-w", str(wheels)], capture_output=True, text=True, timeout=600)
    assert build.returncode == 0, build.stderr[-2000:]
    (wheel,) = wheels.glob("farm_gui-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "farm_gui/_resources/presets/foraging/1k.yaml" in names
    assert "farm_gui/_resources/icons/app/farm-gui.svg" in names
    assert "farm_gui/_resources/icons/app/farm-gui-512.png" in names
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target),
                    str(wheel)], check=True, capture_output=True, timeout=300)
    code = ("import farm_gui, farm_gui.resources as r; from farm_gui.config import preset, PRESETS; "
            "print(farm_gui.__file__); print(r.root()); print(list(PRESETS)); "
            "print(preset('10k').control_agents)")
    env = {**os.environ, "PYTHONPATH": str(target)}
    env.pop(resources.ENV_VAR, None)
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    package, root, names_line, control = done.stdout.splitlines()
    assert Path(package).is_relative_to(target)
    assert Path(root) == target / "farm_gui" / "_resources"
    assert names_line == "['default', '1k', '10k', '100k']"
    assert control == "3334"
