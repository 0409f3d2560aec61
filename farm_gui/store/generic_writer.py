"""Recording a run of a model-generic model (``spec.storage == "generic"``): the same
batching, writer thread, back-pressure, checkpoints and failure handling as the foraging
ecology's RunWriter (writer.py); the rows go to the per-model metrics table, the metric
chunks, layer_snapshots and agents (model_tables.py, generic_rows.py)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from farm_gui.core.model import ModelSpec

from .checkpoint_format import FORMAT_VERSION, encode_state
from .generic_rows import (
    layer_rows,
    metric_matrix,
    population_total,
    write_births,
    write_deaths,
    write_metrics,
)
from .model_tables import statements_for
from .records import utcnow
from .writer import RunWriter


class GenericRunWriter(RunWriter):
    """Records one run of `spec`. ``add_step(metrics, layers)``: `metrics` holds "step"
    and every declared metric; `layers` (optional) the world after that step."""

    def __init__(self, store, run_id: int, spec: ModelSpec, **options):
        super().__init__(store, run_id, **options)
        self.spec = spec
        self._gsql = statements_for(store.engine, spec)

    def add_step(self, metrics: Mapping[str, float],  # type: ignore[override]
                 layers: Mapping[str, Mapping[str, np.ndarray]] | None = None) -> None:
        super().add_step(metrics, None, None, None, layers)

    # ----- writer-thread side -------------------------------------------------------
    def _pack_snapshots(self, part) -> None:
        for step, layers in part.snapshots:
            part.layer_rows.extend(layer_rows(self.run_id, [(step, layers)], self.codec))
        part.snapshots = []
        for step, state in part.states:
            blob = encode_state(state)
            part.checkpoint_rows.append((self.run_id, step, FORMAT_VERSION, str(state.get("engine", "")),
                                         len(blob), blob, utcnow()))
        part.states = []

    def _write_batch(self, conn, batch) -> None:
        rid, sql = self.run_id, self._gsql
        write_births(conn, sql, rid, batch.births)
        progress = None
        if batch.metrics:
            table = metric_matrix(self.spec.metric_names, batch.metrics)
            write_metrics(conn, sql, rid, table)
            progress = (int(table[-1, 0]) + 1, population_total(self.spec, table))
        write_deaths(conn, sql, rid, batch.deaths)
        sql.insert_layers(conn, batch.layer_rows)
        if batch.checkpoint_rows:
            self._sql.insert_checkpoints(conn, batch.checkpoint_rows)
        if progress is None:
            self._sql.update_heartbeat(conn, [(utcnow(), rid)])
        else:
            self._sql.update_progress(conn, [(utcnow(), *progress, rid)])
