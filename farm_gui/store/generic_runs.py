"""Runs of any model: parameters as the model's own pydantic object, a finished run's
results written in one go (``save_result``), and reading a model-generic run's metrics
and world layers. Mixed into Store."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import numpy as np
from pydantic import BaseModel, ValidationError
from sqlalchemy import bindparam, select, update

from farm_gui.core.model import ModelSpec, RunParameters
from farm_gui.core.registry import models as available_models

from . import backend
from .array_packing import unpack_arrays
from .generic_rows import (
    layer_rows,
    matrix_from_arrays,
    population_total,
    write_lives,
    write_metrics,
)
from .model_tables import LEGACY, LEGACY_MODELS, ensure_metrics_table, find_spec, statements_for, storage_of
from .packing import CODEC, unpack_metric_chunk
from .records import StoreError, utcnow
from .schema import layer_snapshots, metric_chunks, runs


def params_to_dict(params: BaseModel) -> dict[str, Any]:
    """Plain, JSON-ready parameters (the foraging ecology's AgentFarm key names)."""
    return params.model_dump(mode="json", by_alias=True)


def model_of_params(spec: ModelSpec | None, model: str, params: Any) -> RunParameters:
    """`params` as an instance of the model's parameter class (a mapping is validated)."""
    if spec is None:
        if model in LEGACY_MODELS and isinstance(params, BaseModel):
            return params  # an imported AgentFarm run: the foraging ecology's parameters
        names = ", ".join(available_models()) or "none"
        raise StoreError(f"unknown model {model!r}; available: {names}")
    if isinstance(params, spec.parameters):
        return params
    if isinstance(params, Mapping):
        try:
            return spec.parameters.model_validate(dict(params))
        except ValidationError as err:
            raise StoreError(f"parameters of model {model!r} are not valid: {err}") from None
    raise StoreError(f"parameters of model {model!r} must be a {spec.parameters.__name__}, "
                     f"not a {type(params).__name__}")


def _typed(values: np.ndarray, integer: bool) -> np.ndarray:
    if integer:
        return np.nan_to_num(values, nan=0).astype(np.int64)
    return values.astype(np.float64, copy=False)


# save_result's reads and writes of the run's row, built once (experiments save a result
# every few milliseconds; building a statement cost more than running it).
_PENDING_RUN = select(runs.c.name, runs.c.model, runs.c.status).where(runs.c.id == bindparam("b_run"))
_RESULT_SAVED = update(runs).where(runs.c.id == bindparam("b_run")).values(
    status=bindparam("b_status"), error=bindparam("b_error"), steps_done=bindparam("b_steps"),
    last_alive=bindparam("b_alive"), model_version=bindparam("b_version"),
    started_at=bindparam("b_started"), finished_at=bindparam("b_finished"),
    heartbeat_at=bindparam("b_finished"))


class GenericRuns:
    """Mixed into Store; relies on its _read(), _write(), get_run() and url."""

    # ----- which model a run is of ------------------------------------------------------
    def _run_model(self, conn, run_id: int) -> str | None:
        # on the driver's cursor: through Core this small query cost ~1 ms on a busy machine,
        # paid by every metrics() call of a foraging run too
        if conn.dialect.name == "sqlite":
            cursor = conn.connection.driver_connection.cursor()
            try:
                row = cursor.execute("SELECT model FROM runs WHERE id = ?", (int(run_id),)).fetchone()
            finally:
                cursor.close()
            return row[0] if row else None
        return conn.execute(select(runs.c.model).where(runs.c.id == int(run_id))).scalar()

    def _model_or_error(self, conn, run_id: int) -> str:
        model = self._run_model(conn, run_id)
        if model is None:
            raise StoreError(f"{self.url} has no run with id {run_id}")
        return model

    def is_generic(self, run_id: int) -> bool:
        """Whether the run keeps its step data in the model-generic tables."""
        with self._read(f"reading run {run_id}") as conn:
            return storage_of(self._model_or_error(conn, run_id)) != LEGACY

    def run_spec(self, run_id: int) -> ModelSpec:
        """The declaration of the run's model (StoreError if it is not installed here)."""
        info = self.get_run(run_id)
        spec = find_spec(info.model)
        if spec is None:
            raise StoreError(f"run {run_id} ({info.name}) is a run of model {info.model!r}, which is not "
                             f"available here; available: {', '.join(available_models()) or 'none'}")
        return spec

    # ----- parameters -------------------------------------------------------------------
    def run_parameters(self, run_id: int) -> RunParameters:
        """The run's parameters as its model's parameter object."""
        with self._read(f"reading run {run_id}") as conn:
            row = conn.execute(select(runs.c.model, runs.c.config_json)
                               .where(runs.c.id == int(run_id))).first()
        if row is None:
            raise StoreError(f"{self.url} has no run with id {run_id}")
        if row.model in LEGACY_MODELS:
            return self.run_config(run_id)
        spec = self.run_spec(run_id)
        try:
            return spec.parameters.model_validate(json.loads(row.config_json))
        except (ValueError, ValidationError) as err:
            raise StoreError(f"the stored parameters of run {run_id} (model {row.model!r}) are not valid "
                             f"for the installed version {spec.version}: {err}") from None

    # ----- writing a finished run -------------------------------------------------------
    def _model_table_ready(self, conn, spec: ModelSpec) -> None:
        ready = self.__dict__.setdefault("_model_tables_ready", set())
        key = (spec.name, spec.metric_names)
        if key not in ready:
            ensure_metrics_table(conn, spec)
            ready.add(key)

    def _save_metrics(self, conn, sql, spec: ModelSpec, rid: int, metrics) -> int | None:
        """Write a result's metric rows; returns the population at its last step."""
        missing = [n for n in ("step", *spec.metric_names) if n not in metrics]
        if missing:
            raise StoreError(f"the result for run {rid} lacks metrics {', '.join(missing)}")
        try:
            table = matrix_from_arrays(spec.metric_names, metrics)
        except ValueError as err:
            raise StoreError(f"the result for run {rid}: {err}") from None
        if spec.storage == LEGACY:
            from .legacy_results import write_legacy_metrics

            return write_legacy_metrics(conn, self.engine, rid, table, spec.metric_names)
        self._model_table_ready(conn, spec)
        write_metrics(conn, sql, rid, table)
        return population_total(spec, table)

    def save_result(self, run_id: int, result) -> None:
        """Write a finished run computed elsewhere (a RunResult: metrics, snapshots,
        events, status) into the run record `run_id` (made by create_run, still
        pending), in one transaction."""
        rid = int(run_id)
        steps_done = int(result.steps_done)
        with self._write(f"saving the results of run {run_id}") as conn:
            row = conn.execute(_PENDING_RUN, {"b_run": rid}).first()
            if row is None:
                raise StoreError(f"{self.url} has no run with id {run_id}")
            if row.status != "pending":
                raise StoreError(f"run {run_id} ({row.name}) is {row.status}; results go into a pending run")
            if result.model != row.model:
                raise StoreError(f"run {run_id} is a run of model {row.model!r}, the result is of "
                                 f"{result.model!r}")
            spec = find_spec(row.model)
            if spec is None:
                raise StoreError(f"run {run_id} is a run of model {row.model!r}, which is not available here")
            sql = statements_for(self.engine, spec)
            last_alive = None
            # A run that failed before its first step (its worker lost every time, its model
            # or parameters refused where it ran) has no metric rows to carry: its status and
            # error are recorded all the same.
            if steps_done:
                last_alive = self._save_metrics(conn, sql, spec, rid, result.metrics)
            if result.snapshots:
                sql.insert_layers(conn, layer_rows(rid, result.snapshots, CODEC))
            if result.births is not None or result.deaths is not None:
                write_lives(conn, sql, rid, result.births, result.deaths)
            now = utcnow()
            conn.execute(_RESULT_SAVED, {
                "b_run": rid, "b_status": result.status, "b_error": result.error, "b_steps": steps_done,
                "b_alive": last_alive, "b_version": result.model_version or spec.version,
                "b_started": now - timedelta(seconds=max(0.0, float(result.elapsed_s or 0.0))),
                "b_finished": now})

    # ----- reading ----------------------------------------------------------------------
    def _generic_metrics(self, conn, run_id: int, model: str, lo: int, hi: int) -> dict[str, np.ndarray]:
        c = metric_chunks.c
        rows = backend.fetch_rows(
            conn,
            select(c.first_step, c.n_steps, c.columns, c.data)
            .where(c.run_id == int(run_id), c.first_step < hi, c.first_step + c.n_steps > lo)
            .order_by(c.first_step),
        )
        spec = find_spec(model)
        names: list[str] = ["step", *(spec.metric_names if spec is not None else ())]
        for _first, _n, columns, _data in rows:  # metrics of other versions of the model too
            names += [n for n in columns.split(",") if n not in names]
        integer = {"step"} | ({m.name for m in spec.metrics if m.integer} if spec is not None else set())
        pieces: dict[str, list[np.ndarray]] = {name: [] for name in names}
        for _first, n, columns, data in rows:
            cols = columns.split(",")
            table = unpack_metric_chunk(data, len(cols), n)
            index = {name: i for i, name in enumerate(cols)}
            for name in names:
                pieces[name].append(table[index[name]] if name in index else np.full(n, np.nan))
        if not rows:
            return {name: np.zeros(0, dtype=np.int64 if name in integer else np.float64) for name in names}
        merged = {name: np.concatenate(parts) if len(parts) > 1 else parts[0]
                  for name, parts in pieces.items()}
        steps = merged["step"]
        keep = (steps >= lo) & (steps < hi)
        if keep.all():
            return {name: _typed(values, name in integer) for name, values in merged.items()}
        return {name: _typed(values[keep], name in integer) for name, values in merged.items()}

    def _generic_snapshot_steps(self, conn, run_id: int) -> np.ndarray:
        c = layer_snapshots.c
        steps = conn.execute(select(c.step).where(c.run_id == int(run_id))
                             .distinct().order_by(c.step)).scalars()
        return np.fromiter(steps, dtype=np.int64)

    def layer_snapshot(self, run_id: int, step: int) -> tuple[int, dict[str, dict[str, np.ndarray]]]:
        """(stored step, layers) of the latest stored snapshot at or before `step`: every
        world layer by name, each a dict of arrays (x, y and the declared fields of a
        point layer; "values" of a raster)."""
        c = layer_snapshots.c
        with self._read(f"reading the world of run {run_id}") as conn:
            found = conn.execute(select(c.step).where(c.run_id == int(run_id), c.step <= int(step))
                                 .order_by(c.step.desc()).limit(1)).scalar()
            if found is None:
                self._model_or_error(conn, run_id)
                raise StoreError(f"run {run_id} has no stored world layers at or before step {step}")
            rows = backend.fetch_rows(conn, select(c.layer, c.codec, c.data)
                                      .where(c.run_id == int(run_id), c.step == int(found)))
        out: dict[str, dict[str, np.ndarray]] = {}
        for layer, codec, data in rows:
            try:
                out[layer] = unpack_arrays(data, codec)
            except ValueError as err:
                raise StoreError(f"{self.url}: layer {layer!r} of run {run_id} at step {found} is "
                                 f"damaged ({err})") from None
        return int(found), out

    def layers(self, run_id: int, step: int) -> dict[str, dict[str, np.ndarray]]:
        """The world layers stored for `step` (the latest snapshot at or before it)."""
        return self.layer_snapshot(run_id, step)[1]
