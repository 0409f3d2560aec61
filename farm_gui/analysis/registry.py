"""Imports the built-in modules so that each registers itself."""

from . import actions, comparison, dominance, population, resources, spatial, survival

BUILTIN_MODULES = (population, survival, resources, actions, spatial, dominance, comparison)
