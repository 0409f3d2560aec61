"""The foraging ecology's own analyses (its actions and its resource nodes), declared in
its ModelSpec (``analyses``) and offered only for its runs. The generic modules in
``farm_gui.analysis`` (population, survival, spatial, dominance, comparison, ...) work on
its runs through its declaration like on any other model's."""

from .actions import MODULE as ACTIONS_MODULE
from .resources import MODULE as RESOURCES_MODULE

MODULES = (RESOURCES_MODULE, ACTIONS_MODULE)

__all__ = ["ACTIONS_MODULE", "MODULES", "RESOURCES_MODULE"]
