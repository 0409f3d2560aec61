"""Opening a database and managing runs (the Store object)."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, bindparam, insert, inspect, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from farm_gui import __version__
from farm_gui.config import ConfigError, RunConfig, config_from_dict

from . import backend
from .analyses_table import AnalysisTable
from .checkpoints import CheckpointTable
from .experiments import ExperimentTable
from .generic_runs import GenericRuns, model_of_params, params_to_dict
from .liveness import writer_gone
from .migrations import backup_sqlite_file, migrate, missing_columns
from .model_tables import (
    LEGACY,
    LEGACY_MODELS,
    fill_missing_alive,
    find_spec,
    models_missing_alive,
    storage_of,
)
from .queries import RunQueries
from .records import LIVE_STATUSES, STATUSES, RunInfo, StoreError, as_utc, utcnow
from .run_edits import RunEdits
from .schema import (
    APPLICATION,
    LOOKUPS,
    SCHEMA_VERSION,
    action_counts,
    agent_snapshots,
    agents,
    checkpoints,
    extra_metrics,
    layer_snapshots,
    metadata,
    metric_chunks,
    node_snapshots,
    run_sources,
    runs,
    schema_info,
    step_metrics,
)
from .side_tables import refuse_continuation

# Built once: experiments create a run every few milliseconds.
_NEW_RUN = insert(runs)
_NAME_RUN = update(runs).where(runs.c.id == bindparam("b_run")).values(name=bindparam("b_name"))

RUN_DATA_TABLES = (step_metrics, metric_chunks, agent_snapshots, node_snapshots, action_counts, agents,
                   extra_metrics, run_sources, checkpoints, layer_snapshots)


class Store(RunEdits, RunQueries, AnalysisTable, CheckpointTable, GenericRuns, ExperimentTable):
    """A Farm GUI database. Thread-safe: every call takes its own short-lived connection
    from the engine's pool; a RunWriter holds one connection of its own."""

    def __init__(self, engine: Engine, url: str, readonly: bool):
        self.engine = engine
        self.url = url
        self.readonly = readonly
        self._columns: dict[str, list] = {}
        self.closed = False
        self.backup: Path | None = None  # the copy kept before migrating an older workspace
        self._local = threading.local()  # .conn: the thread's open transaction (transaction())

    # ----- plumbing -------------------------------------------------------------------
    @contextmanager
    def _errors(self, doing: str) -> Iterator[None]:
        try:
            yield
        except SQLAlchemyError as err:
            detail = getattr(err, "orig", None) or err
            raise StoreError(f"{self.url}: database error while {doing}: {detail}") from err

    @contextmanager
    def _read(self, doing: str) -> Iterator[Connection]:
        self._check_open(doing)
        shared = getattr(self._local, "conn", None)
        if shared is not None:  # inside transaction(): read what it wrote
            yield shared
            return
        with self._errors(doing), self.engine.connect() as conn:
            yield conn

    @contextmanager
    def _write(self, doing: str) -> Iterator[Connection]:
        if self.readonly:
            raise StoreError(f"{self.url} is open read-only; cannot {doing}")
        self._check_open(doing)
        shared = getattr(self._local, "conn", None)
        if shared is not None:
            yield shared
            return
        with self._errors(doing), self.engine.connect() as conn:
            conn = conn.execution_options(**{backend.WRITE_OPTION: True})
            with conn.begin():
                yield conn

    @contextmanager
    def transaction(self, doing: str) -> Iterator[None]:
        """Every call of this thread inside the block that writes (or reads) goes into one
        transaction, committed at the end of the block and rolled back, all of it, when
        one of them raises. (An experiment's result is four writes; a commit for each
        cost the owning process ~10-15 % more CPU per short run.)"""
        if getattr(self._local, "conn", None) is not None:
            yield  # already inside one
            return
        with self._write(doing) as conn:
            self._local.conn = conn
            try:
                yield
            finally:
                self._local.conn = None

    def _present_columns(self, table) -> list:
        """The table's columns that the database has: all of them, except in an older
        workspace opened read-only (never migrated), which lacks the newer ones."""
        if not self.readonly:
            return list(table.c)
        if table.name not in self._columns:
            with self._read(f"inspecting table {table.name}") as conn:
                have = {c["name"] for c in inspect(conn).get_columns(table.name)}
            self._columns[table.name] = [c for c in table.c if c.name in have]
        return self._columns[table.name]

    def _create_schema(self) -> None:
        with self._errors("creating tables"), self.engine.begin() as conn:
            metadata.create_all(conn)
            conn.execute(insert(schema_info), [
                {"key": "application", "value": APPLICATION},
                {"key": "schema_version", "value": str(SCHEMA_VERSION)},
                {"key": "created_by", "value": f"farm-gui {__version__}"},
            ])
            for table, names in LOOKUPS.items():
                conn.execute(insert(table), [{"id": i, "name": n} for i, n in enumerate(names)])

    def _migrate(self) -> None:
        with self._errors("bringing the schema up to date"):
            with self.engine.connect() as conn:
                version = int(conn.execute(select(schema_info.c.value)
                                           .where(schema_info.c.key == "schema_version")).scalar_one())
                needed = version != SCHEMA_VERSION or bool(missing_columns(conn)) or \
                    bool(set(metadata.tables) - set(inspect(conn).get_table_names()))
            if not needed:
                return
            if self.engine.dialect.name == "sqlite":
                self.backup = backup_sqlite_file(Path(self.url), version)  # SQLite: url is the file path
            with self.engine.begin() as conn:
                migrate(conn, version)

    def _check_open(self, doing: str) -> None:
        # A call after close() used to open a fresh connection that nobody closed: the
        # SQLite WAL then stayed behind the process (seen with an export still going
        # when its window closed).
        if self.closed:
            raise StoreError(f"{self.url} is closed; cannot go on {doing}")

    def close(self) -> None:
        self.closed = True
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ----- runs -----------------------------------------------------------------------
    def create_run(self, config, name: str | None = None, model: str = "foraging") -> int:
        """A new pending run of `model` with `config` (the model's parameter object, or a
        mapping validated with it): records the model's name, version and every parameter."""
        spec = find_spec(model)
        config = model_of_params(spec, model, config)
        now = utcnow()
        with self._write("creating a run") as conn:
            values = dict(
                name=name or "", model=model, config_json=json.dumps(params_to_dict(config)),
                seed=config.seed, status="pending", total_steps=config.simulation_steps, steps_done=0,
                created_at=now, app_version=__version__,
            )
            if spec is not None:
                values["model_version"] = spec.version
            run_id = conn.execute(_NEW_RUN, values).inserted_primary_key[0]
            if not name:
                conn.execute(_NAME_RUN, {"b_run": run_id, "b_name": f"Run {run_id}"})
        return int(run_id)

    def has_table(self, name: str) -> bool:
        """Whether the database has table `name` (an older one opened read-only may not)."""
        with self._read("inspecting the database") as conn:
            return inspect(conn).has_table(name)

    def _row_to_info(self, row) -> RunInfo:
        status = row.status
        if status in LIVE_STATUSES and writer_gone(row.writer_pid, row.writer_host,
                                                   row.heartbeat_at, utcnow()):
            status = "interrupted"
        return RunInfo(
            id=row.id, name=row.name, model=row.model, status=status, seed=row.seed,
            total_steps=row.total_steps, steps_done=row.steps_done, last_alive=row.last_alive,
            created_at=as_utc(row.created_at), started_at=as_utc(row.started_at),
            finished_at=as_utc(row.finished_at), error=row.error, notes=getattr(row, "notes", None),
            parent_run=getattr(row, "parent_run", None), parent_step=getattr(row, "parent_step", None),
            model_version=getattr(row, "model_version", None), paused_s=getattr(row, "paused_s", None),
            start_step=getattr(row, "start_step", None),
        )

    def list_runs(self) -> list[RunInfo]:
        """All runs, newest first."""
        with self._read("listing runs") as conn:
            rows = conn.execute(select(*self._present_columns(runs))
                                .order_by(runs.c.created_at.desc(), runs.c.id.desc())).all()
        return [self._row_to_info(r) for r in rows]

    def get_run(self, run_id: int) -> RunInfo:
        with self._read(f"reading run {run_id}") as conn:
            row = conn.execute(select(*self._present_columns(runs)).where(runs.c.id == int(run_id))).first()
        if row is None:
            raise StoreError(f"{self.url} has no run with id {run_id}")
        return self._row_to_info(row)

    def run_config(self, run_id: int) -> RunConfig:
        """The run's configuration: a RunConfig for the foraging ecology (and imported
        AgentFarm runs); for other models their parameter object (see run_parameters)."""
        with self._read(f"reading run {run_id}") as conn:
            row = conn.execute(select(runs.c.model, runs.c.config_json)
                               .where(runs.c.id == int(run_id))).first()
        if row is None:
            raise StoreError(f"{self.url} has no run with id {run_id}")
        text = row.config_json
        if row.model not in LEGACY_MODELS:
            return self.run_parameters(run_id)
        try:
            return config_from_dict(json.loads(text), source=f"run {run_id} in {self.url}")
        except (ValueError, ConfigError) as err:
            raise StoreError(f"the stored configuration of run {run_id} is unreadable: {err}") from None

    def set_status(self, run_id: int, status: str, error: str | None = None) -> None:
        if status not in STATUSES:
            raise StoreError(f"unknown run status {status!r}; expected one of {', '.join(STATUSES)}")
        values: dict = {"status": status, "error": error}
        if status not in LIVE_STATUSES and status != "pending":
            values["finished_at"] = utcnow()
        with self._write(f"updating run {run_id}") as conn:
            found = conn.execute(update(runs).where(runs.c.id == int(run_id)).values(**values)).rowcount
        if not found:
            raise StoreError(f"{self.url} has no run with id {run_id}")

    def _mark_interrupted(self) -> None:
        """Runs left running/paused by a process that is gone become interrupted."""
        with self._read("checking for interrupted runs") as conn:
            rows = conn.execute(select(*self._present_columns(runs))
                                .where(runs.c.status.in_(LIVE_STATUSES))).all()
        now = utcnow()
        dead = [r.id for r in rows if writer_gone(r.writer_pid, r.writer_host, r.heartbeat_at, now)]
        if dead:
            with self._write("marking interrupted runs") as conn:
                conn.execute(update(runs).where(runs.c.id.in_(dead), runs.c.status.in_(LIVE_STATUSES))
                             .values(status="interrupted", finished_at=now,
                                     error="the process writing this run stopped unexpectedly"))

    def _fill_missing_alive(self) -> None:
        with self._read("checking earlier runs for agents alive") as conn:
            todo = models_missing_alive(conn, runs)
        if todo:  # once: a workspace of the release before keeps its runs' "Alive" from now on
            with self._write("filling in the agents alive of earlier runs") as conn:
                fill_missing_alive(conn, runs, todo)

    def writer(self, run_id: int, *, batch_steps: int = 200, batch_seconds: float = 0.25,
               codec: str | None = None):
        """A RunWriter recording `run_id` (see writer.py); `codec` of snapshot blobs:
        "raw1" or "zlib1" (None = the default, packing.CODEC)."""
        from .packing import CODEC
        from .writer import RunWriter

        if self.readonly:
            raise StoreError(f"{self.url} is open read-only; cannot record a run")
        info = self.get_run(run_id)
        if info.status != "pending":  # recording into a run again: never into an imported one
            refuse_continuation(info)
        if storage_of(info.model) != LEGACY:
            from .generic_writer import GenericRunWriter

            spec = self.run_spec(run_id)
            with self._write(f"preparing the tables of model {spec.name}") as conn:
                self._model_table_ready(conn, spec)
            return GenericRunWriter(self, int(run_id), spec, batch_steps=batch_steps,
                                    batch_seconds=batch_seconds, codec=codec or CODEC)
        return RunWriter(self, int(run_id), batch_steps=batch_steps, batch_seconds=batch_seconds,
                         codec=codec or CODEC)


def _open_sqlite_path(path: Path, create: bool, readonly: bool) -> tuple[Engine, bool]:
    path = path.expanduser().absolute()
    if path.is_dir():
        raise StoreError(f"{path} is a folder, not a database file")
    if not path.exists():
        if readonly or not create:
            raise StoreError(f"{path} does not exist")
        if not path.parent.is_dir():
            raise StoreError(f"cannot create {path}: the folder {path.parent} does not exist")
        if not backend.sqlite_writable(path):
            raise StoreError(f"cannot create {path}: the folder {path.parent} is not writable")
        return backend.sqlite_engine(path, readonly=False), True
    tables, info = backend.inspect_sqlite_file(path)
    fresh = backend.check_schema(str(path), tables, info)
    if fresh and (readonly or not create):
        raise StoreError(f"{path} is an empty database with no Farm GUI runs")
    if not readonly and not backend.sqlite_writable(path):
        raise StoreError(f"{path} is read-only (no permission to write it); open it read-only instead")
    return backend.sqlite_engine(path, readonly=readonly), fresh


def attach_store(target: str) -> Store:
    """Open a database another process of this application has opened (and checked,
    migrated) already, without doing so again: a window's run in its own process
    (runtime/run_process.py) starts ~15 ms sooner. ``target``: a SQLite file's path or a
    SQLAlchemy URL."""
    if backend.is_url(target):
        url = make_url(target)
        return Store(backend.url_engine(target, False), url.render_as_string(hide_password=True), False)
    path = Path(target).expanduser().absolute()
    if not path.is_file():
        raise StoreError(f"{path} does not exist")
    return Store(backend.sqlite_engine(path, readonly=False), str(path), False)


def open_store(target: str | os.PathLike[str] | None = None, *, create: bool = True,
               readonly: bool = False) -> Store:
    """Open (or create) a Farm GUI database.

    ``target``: None for the workspace database in the user data folder, a file path for
    a SQLite file, or a SQLAlchemy URL (anything containing "://"). A file that is not a
    healthy Farm GUI database of this or an older schema version raises StoreError and
    is left untouched.
    """
    if target is None:
        path = backend.default_db_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        target = path
    text = os.fspath(target)
    if backend.is_url(text):
        url = make_url(text)
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            engine, fresh = _open_sqlite_path(Path(url.database), create, readonly)
            display = str(Path(url.database).expanduser().absolute())
        elif url.get_backend_name() == "sqlite":
            raise StoreError("in-memory SQLite databases are not supported (each thread would see its "
                             "own empty database); give a file path instead")
        else:
            engine = backend.url_engine(text, readonly)
            display = url.render_as_string(hide_password=True)
            fresh = backend.check_schema(display, *backend.inspect_engine(engine, display))
            if fresh and readonly:
                raise StoreError(f"{display} holds no Farm GUI data")
    else:
        display = str(Path(text).expanduser().absolute())
        engine, fresh = _open_sqlite_path(Path(text), create, readonly)
    store = Store(engine, display, readonly)
    try:
        if fresh:
            store._create_schema()
        elif not readonly:
            store._migrate()
        if not readonly:
            store._mark_interrupted()
            store._fill_missing_alive()
    except BaseException:
        store.close()
        raise
    return store

