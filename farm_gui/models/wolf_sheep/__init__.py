"""Wolf-sheep predation (Mesa 3.3's ``examples/advanced/wolf_sheep``, after Wilensky's
NetLogo model) as a plug-in: sheep graze a toroidal grid of regrowing grass, wolves eat
sheep, both spend energy, starve and reproduce asexually.

The rules, the defaults and where this engine differs from Mesa: ``_kernel.py`` and the
README's *Wolf-sheep predation* section. Statistical agreement with Mesa's example is
tested in ``tests/models/test_wolf_sheep.py``.
"""

from __future__ import annotations

from farm_gui.core.model import Category, Chart, Metric, ModelSpec, PointLayer, RasterLayer

from ._kernel import DEATH_CAUSES
from .engine import WolfSheepEngine, create_engine, restore_engine
from .parameters import PRESETS, WolfSheepParameters

SHEEP_COLOR = "#17becf"
WOLF_COLOR = "#d62728"

CATEGORIES = (Category("sheep", SHEEP_COLOR), Category("wolf", WOLF_COLOR, "Wolves"))
GRASS_CATEGORIES = (Category("grown", "#a1d99b", "Grass grown"),
                    Category("eaten", "#e8dcc0", "Grass eaten (regrowing)"))


def _spec() -> ModelSpec:
    from farm_gui import __version__

    metrics = (
        Metric("wolves", "Wolves", "animals", integer=True, chart="population", category="wolf"),
        Metric("sheep", "Sheep", "animals", integer=True, chart="population", category="sheep"),
        Metric("grass", "Grown grass patches", "patches", integer=True, chart="grass", color="#2ca02c"),
        Metric("sheep_births", "sheep births", "per step", integer=True, chart="births_deaths",
               color="#17becf"),
        Metric("wolf_births", "wolf births", "per step", integer=True, chart="births_deaths",
               color="#ff9896"),
        Metric("sheep_deaths", "sheep deaths", "per step", integer=True, chart="births_deaths",
               color="#1f77b4"),
        Metric("wolf_deaths", "wolf deaths", "per step", integer=True, chart="births_deaths",
               color="#8c1c13"),
        Metric("sheep_eaten", "sheep eaten by wolves", "per step", integer=True),
    )
    return ModelSpec(
        name="wolf_sheep",
        title="Wolf-sheep predation",
        version=__version__,
        description="Mesa's wolf-sheep example: sheep graze regrowing grass on a toroidal grid, "
                    "wolves hunt sheep; both spend energy each step, starve and reproduce.",
        parameters=WolfSheepParameters,
        create_engine=create_engine,
        kernel_modules=("farm_gui.models.wolf_sheep._kernel",),
        restore_engine=restore_engine,
        metrics=metrics,
        charts=(Chart("population", "Animals alive", "animals"),
                Chart("grass", "Grown grass", "patches"),
                Chart("births_deaths", "Births and deaths", "per step")),
        layers=(RasterLayer("grass", "Grass", mode="category", categories=GRASS_CATEGORIES),
                PointLayer("animals", "Wolves and sheep", fields=("category", "value", "id"),
                           categories=CATEGORIES, size_means="energy")),
        presets=PRESETS,
        world_size=lambda p: (p.width, p.height),
        categories=CATEGORIES,
        events=True,
        death_causes=DEATH_CAUSES,
    )


SPEC = _spec()

__all__ = ["SPEC", "WolfSheepEngine", "WolfSheepParameters"]
