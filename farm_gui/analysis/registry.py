"""Imports the generic modules so that each registers itself (a model's own modules are
found through its declaration: ``ModelSpec.analyses``, see runner.available_modules)."""

from . import comparison, dominance, population, sensitivity, spatial, survival, wealth

BUILTIN_MODULES = (population, survival, spatial, dominance, comparison, wealth, sensitivity)
ORDER = tuple(m.MODULE.name for m in BUILTIN_MODULES)  # how lists show them
