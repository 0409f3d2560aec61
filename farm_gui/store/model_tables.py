"""What the store knows of models: where a run's step data goes (``storage_of``), the
per-model metrics table ``metrics_<model>`` researchers query, and the statements that
write a model-generic run (shared by the RunWriter and ``Store.save_result``).

The per-model table has one row per step and one column per declared metric (BIGINT for
integer metrics, else FLOAT), primary key (run_id, step). It is created when the first
run of the model is recorded, and a later version of the model that declares more
metrics gets the new columns added (NULL in the rows of older runs):

    sqlite3 runs.db "SELECT step, happy_share FROM metrics_schelling WHERE run_id = 3"
    pandas.read_sql("SELECT * FROM metrics_schelling", "sqlite:///runs.db")
"""

from __future__ import annotations

import threading
import weakref
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Float,
    Integer,
    MetaData,
    Table,
    and_,
    delete,
    func,
    inspect,
    literal,
    select,
    update,
)

from farm_gui.core.model import BIRTH_KEYS, ModelSpec
from farm_gui.core.registry import UnknownModelError, get_model

from . import backend
from .migrations import AddColumn
from .schema import agents, layer_snapshots, metric_chunks

# Runs of these models keep the first release's tables (step_metrics, agent_snapshots, ...):
# the foraging ecology, and AgentFarm runs imported into its tables.
LEGACY_MODELS: frozenset[str] = frozenset({"foraging", "agentfarm"})
GENERIC = "generic"
LEGACY = "foraging_v1"


def find_spec(model: str) -> ModelSpec | None:
    """The declaration of an available model, or None (not installed, broken, imported)."""
    try:
        return get_model(model)
    except UnknownModelError:
        return None


def storage_of(model: str) -> str:
    """Where runs of `model` keep their step data: "foraging_v1" or "generic". A model
    whose plug-in is not installed here is read as generic (its runs stay readable)."""
    if model in LEGACY_MODELS:
        return LEGACY
    spec = find_spec(model)
    return spec.storage if spec is not None else GENERIC


def table_name(model: str) -> str:
    return f"metrics_{model}"


# One MetaData per model table: they are created on demand, never by create_all() of the
# shared schema (a workspace gets only the tables of the models it ran).
_tables: dict[tuple[str, tuple[tuple[str, bool], ...]], Table] = {}
_tables_lock = threading.Lock()


def metrics_table(spec: ModelSpec) -> Table:
    key = (spec.name, tuple((m.name, m.integer) for m in spec.metrics))
    with _tables_lock:
        found = _tables.get(key)
        if found is None:
            found = Table(
                table_name(spec.name), MetaData(),
                Column("run_id", Integer, primary_key=True),
                Column("step", BigInteger, primary_key=True),
                *(Column(m.name, BigInteger if m.integer else Float) for m in spec.metrics),
                sqlite_with_rowid=False,
            )
            _tables[key] = found
        return found


def ensure_metrics_table(conn: Connection, spec: ModelSpec) -> Table:
    """Create the model's metrics table (inside the caller's transaction) or add the
    columns a newer version of the model declares."""
    table = metrics_table(spec)
    inspector = inspect(conn)
    if not inspector.has_table(table.name):
        table.create(conn)
        return table
    have = {c["name"] for c in inspector.get_columns(table.name)}
    for column in table.columns:
        if column.name not in have:
            conn.execute(AddColumn(column))
    return table


def _missing_alive(runs_table: Table):
    return and_(runs_table.c.last_alive.is_(None), runs_table.c.steps_done > 0)


def models_missing_alive(conn: Connection, runs_table: Table) -> dict[str, list[str]]:
    """Model-generic models with runs recorded without an "Alive" (the writers stored none
    before 2026-12-07) that can be given one: model -> its metrics that count a category.
    Models without such counts, or not installed here, are left out."""
    models = conn.execute(select(runs_table.c.model).where(_missing_alive(runs_table)).distinct()).scalars()
    todo = {}
    for model in models.all():
        spec = None if model in LEGACY_MODELS else find_spec(model)
        counted = [m.name for m in spec.metrics if m.category is not None] if spec else []
        if counted and inspect(conn).has_table(table_name(model)):
            todo[model] = counted
    return todo


def fill_missing_alive(conn: Connection, runs_table: Table, todo: dict[str, list[str]]) -> int:
    """Give the runs ``models_missing_alive`` found the sum of their category counts at
    their last step, from their model's metrics table; returns how many runs got one."""
    missing = _missing_alive(runs_table)
    filled = 0
    for model, counted in todo.items():
        table = Table(table_name(model), MetaData(), Column("run_id", Integer), Column("step", BigInteger),
                      *(Column(name, Float) for name in counted))
        total = sum((func.coalesce(table.c[name], literal(0)) for name in counted[1:]),
                    func.coalesce(table.c[counted[0]], literal(0)))
        last = (select(total).where(table.c.run_id == runs_table.c.id)
                .order_by(table.c.step.desc()).limit(1).scalar_subquery())
        filled += conn.execute(update(runs_table).where(missing, runs_table.c.model == model)
                               .values(last_alive=last)).rowcount or 0
    return filled


def delete_model_rows(conn: Connection, model: str, run_id: int, from_step: int | None = None) -> None:
    """Remove a run's rows (those at or after `from_step`) from its model's metrics table."""
    name = table_name(model)
    if model in LEGACY_MODELS or not inspect(conn).has_table(name):
        return
    table = Table(name, MetaData(), Column("run_id", Integer), Column("step", BigInteger))
    where = [table.c.run_id == int(run_id)]
    if from_step is not None:
        where.append(table.c.step >= int(from_step))
    conn.execute(delete(table).where(*where))


class GenericStatements:
    """Statements writing a generic run of one model, compiled once per database engine."""

    def __init__(self, engine, spec: ModelSpec):
        names = spec.metric_names
        self.metric_names = names
        self.integer = tuple(m.integer for m in spec.metrics)
        self.insert_metrics = backend.Prepared(engine, metrics_table(spec), ("run_id", "step", *names))
        self.insert_chunk = backend.Prepared(engine, metric_chunks,
                                             ("run_id", "first_step", "n_steps", "columns", "data"))
        self.insert_layers = backend.Prepared(engine, layer_snapshots,
                                              ("run_id", "step", "layer", "n", "codec", "data"))
        self.insert_agents = backend.Prepared(engine, agents, ("run_id", *BIRTH_KEYS))
        self.insert_lives = backend.Prepared(engine, agents,
                                             ("run_id", *BIRTH_KEYS, "death_step", "death_cause"),
                                             many_per_statement=True)
        from sqlalchemy import bindparam

        deaths = (update(agents)
                  .where(agents.c.run_id == bindparam("b_run"), agents.c.agent_id == bindparam("b_agent"))
                  .values(death_step=bindparam("b_step"), death_cause=bindparam("b_cause")))
        self.update_deaths = backend.Prepared(engine, deaths, ("b_step", "b_cause", "b_run", "b_agent"))


_statements_lock = threading.Lock()
_statements: weakref.WeakKeyDictionary[Any, dict[tuple, GenericStatements]] = weakref.WeakKeyDictionary()


def statements_for(engine, spec: ModelSpec) -> GenericStatements:
    key = (spec.name, tuple((m.name, m.integer) for m in spec.metrics))
    with _statements_lock:
        per_engine = _statements.setdefault(engine, {})
        found = per_engine.get(key)
        if found is None:
            found = per_engine[key] = GenericStatements(engine, spec)
        return found
