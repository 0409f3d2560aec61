"""Analysis modules: pure functions over stored runs (pandas/NumPy/SciPy, no Qt).

    from farm_gui.analysis import run_analysis, StoreRunSource
    result = run_analysis("survival", [StoreRunSource(store, 3)])
    result.tables["kaplan_meier"]; result.series["survival/system"]; result.summary
"""

from farm_gui.core.jobs import Stopped

from .base import (
    AnalysisError,
    AnalysisModule,
    AnalysisResult,
    Control,
    ModuleParams,
    NullControl,
    ScaledControl,
)
from .runner import (
    analyse_stored_runs,
    applicable_modules,
    available_modules,
    check_models,
    get_module,
    load_result,
    run_analysis,
    save_result,
    store_sources,
)
from .serialize import (
    result_from_json,
    result_to_json,
    write_result_files,
    write_result_json,
    write_table_csv,
)
from .source import FrameRunSource, RunSource, StoreRunSource

__all__ = [
    "AnalysisError",
    "AnalysisModule",
    "AnalysisResult",
    "Control",
    "FrameRunSource",
    "ModuleParams",
    "NullControl",
    "RunSource",
    "ScaledControl",
    "Stopped",
    "StoreRunSource",
    "analyse_stored_runs",
    "applicable_modules",
    "available_modules",
    "check_models",
    "get_module",
    "load_result",
    "result_from_json",
    "result_to_json",
    "run_analysis",
    "save_result",
    "store_sources",
    "write_result_files",
    "write_result_json",
    "write_table_csv",
]
