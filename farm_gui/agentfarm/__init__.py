"""Opening AgentFarm's simulation databases and configurations (no Qt).

    from farm_gui.store import open_store
    from farm_gui.agentfarm import import_agentfarm, load_agentfarm_config
    report = import_agentfarm("simulation.db", open_store("workspace.db"))
    report.run_ids                      # one Farm GUI run (model "agentfarm") per simulation
    load_agentfarm_config("config.yaml").config   # a RunConfig for the foraging model

See the README ("AgentFarm databases and configurations") for the mapping.
"""

from .config_map import (
    ConfigMapping,
    load_agentfarm_config,
    load_any_config,
    looks_like_agentfarm,
    map_config,
)
from .importer import MODEL, ImportCancelled, ImportReport, ImportResult, import_agentfarm
from .reader import AgentFarmError, AgentFarmFile, sha256_of

__all__ = [
    "MODEL",
    "AgentFarmError",
    "AgentFarmFile",
    "ConfigMapping",
    "ImportCancelled",
    "ImportReport",
    "ImportResult",
    "import_agentfarm",
    "load_agentfarm_config",
    "load_any_config",
    "looks_like_agentfarm",
    "map_config",
    "sha256_of",
]
