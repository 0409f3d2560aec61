"""``save_result`` for the foraging ecology (storage "foraging_v1"): its metrics go into
the first release's step_metrics table and metric chunks, like a run the RunWriter
recorded. (A RunResult has no action counts; its world snapshots are stored as layers.)"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from farm_gui.sim.protocol import METRIC_NAMES


def write_legacy_metrics(conn, engine, run_id: int, table: np.ndarray, names: Sequence[str]) -> int | None:
    """Insert the rows of `table` ("step" then `names`, one row per step); returns the
    last step's "alive" (None without steps)."""
    from .writer import _metric_rows, _statements_for

    if not len(table):
        return None
    index = {name: i for i, name in enumerate(("step", *names))}
    ordered = np.column_stack([table[:, index[name]] for name in METRIC_NAMES])
    rows = _metric_rows(int(run_id), ordered.astype(np.float64, copy=False))
    sql = _statements_for(engine)
    sql.insert_metrics(conn, rows)
    sql.insert_chunk(conn, [(int(run_id), int(ordered[0, 0]), len(rows), ",".join(METRIC_NAMES),
                             np.ascontiguousarray(ordered.T, dtype="<f8").tobytes())])
    return int(ordered[-1, METRIC_NAMES.index("alive")]) if "alive" in METRIC_NAMES else None
