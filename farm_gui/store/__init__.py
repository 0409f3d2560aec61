"""Run storage: SQLAlchemy 2 over SQLite (or any SQLAlchemy URL), batched recording of
runs, queries and exports. No Qt: usable from a notebook.

    from farm_gui.store import open_store
    store = open_store("runs.db")
    for run in store.list_runs():
        frame = store.metrics_frame(run.id)
"""

from .backend import default_db_path
from .checkpoints import CheckpointError
from .export import FORMATS, ExportError, export_runs
from .queries import ActionCountArrays
from .records import STATUSES, AnalysisInfo, RunInfo, StoreError
from .store import Store, attach_store, open_store
from .writer import RunWriter

__all__ = [
    "STATUSES",
    "FORMATS",
    "ActionCountArrays",
    "CheckpointError",
    "AnalysisInfo",
    "ExportError",
    "RunInfo",
    "RunWriter",
    "Store",
    "StoreError",
    "default_db_path",
    "export_runs",
    "attach_store",
    "open_store",
]
