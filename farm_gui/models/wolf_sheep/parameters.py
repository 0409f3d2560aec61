"""The wolf-sheep model's parameters: Mesa 3.3's example (``WolfSheep.__init__``)
defaults, names and meaning, plus the run fields every model has."""

from __future__ import annotations

from farm_gui.core.model import RunParameters, group_field


class WolfSheepParameters(RunParameters):
    """Mesa's constructor defaults (not the Solara app's slider defaults)."""

    simulation_steps: int = group_field(500, "Number of steps to simulate (the run also ends once "
                                        "wolves and sheep are both extinct)", "Run", ge=1, le=100_000_000)

    width: int = group_field(20, "Grid width in cells (a torus)", "World", ge=3, le=4096)
    height: int = group_field(20, "Grid height in cells (a torus)", "World", ge=3, le=4096)
    grass: bool = group_field(True, "Sheep eat grass and lose 1 energy a step; off: sheep need "
                              "no food (NetLogo's sheep-wolves version)", "World")
    grass_regrowth_time: int = group_field(30, "Steps an eaten grass patch takes to grow back",
                                           "World", ge=1, le=1_000_000)

    initial_sheep: int = group_field(100, "Sheep at the start", "Sheep", ge=0, le=10_000_000)
    sheep_reproduce: float = group_field(0.04, "Chance that a sheep reproduces in a step",
                                         "Sheep", ge=0, le=1)
    sheep_gain_from_food: float = group_field(4.0, "Energy a sheep gains from a grown grass patch "
                                              "(initial energy: uniform in [0, 2 x this))",
                                              "Sheep", ge=0, le=1e6)

    initial_wolves: int = group_field(50, "Wolves at the start", "Wolves", ge=0, le=10_000_000)
    wolf_reproduce: float = group_field(0.05, "Chance that a wolf reproduces in a step",
                                        "Wolves", ge=0, le=1)
    wolf_gain_from_food: float = group_field(20.0, "Energy a wolf gains from eating a sheep "
                                             "(initial energy: uniform in [0, 2 x this))",
                                             "Wolves", ge=0, le=1e6)

    max_animals: int = group_field(2_000_000, "The run ends when more animals than this are "
                                   "alive (sheep multiply without limit when grass is off and "
                                   "the wolves are gone)", "Run", ge=1, le=100_000_000)


# 150 animals on 400 cells at the default; "large" keeps that density (and the 2:1 ratio)
# with 10,000 animals: 163 x 163 = 26,569 cells ~ 10,000 / 150 x 400.
PRESETS: dict[str, dict] = {
    "default": {},
    "large": {"width": 163, "height": 163, "initial_sheep": 6667, "initial_wolves": 3333},
}
