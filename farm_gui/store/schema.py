"""The database schema (SQLAlchemy Core tables), portable across SQLite and PostgreSQL.

Layout and the reasons behind it are documented in the README ("Database schema").
Bump SCHEMA_VERSION whenever a table changes (additively: see migrations.py); a database written by a newer
version is refused rather than misread.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
)

from farm_gui.config import ACTIONS, AGENT_TYPES
from farm_gui.sim.protocol import DEATH_CAUSES, INTEGER_METRICS, METRIC_NAMES

APPLICATION = "farm-gui"
SCHEMA_VERSION = 4

metadata = MetaData()
# Narrow tables keyed by (run_id, ...) are SQLite WITHOUT ROWID tables: the primary key is
# the table's own B-tree, so each row is stored (and inserted) once instead of twice.

schema_info = Table(
    "schema_info",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

runs = Table(
    "runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", Text, nullable=False),
    Column("model", String(64), nullable=False),
    Column("config_json", Text, nullable=False),
    Column("seed", BigInteger, nullable=False),
    Column("status", String(16), nullable=False),
    Column("total_steps", BigInteger, nullable=False),
    Column("steps_done", BigInteger, nullable=False, default=0),
    Column("last_alive", BigInteger),
    Column("created_at", DateTime, nullable=False),
    Column("started_at", DateTime),
    Column("finished_at", DateTime),
    Column("paused_s", Float),  # seconds spent paused between started_at and finished_at (NULL: none)
    Column("start_step", BigInteger),  # steps_done when started_at was set (a resumed run or a fork: > 0)
    Column("error", Text),
    Column("app_version", String(32)),
    Column("writer_pid", Integer),
    Column("writer_host", String(255)),
    Column("heartbeat_at", DateTime),
    Column("notes", Text),  # the researcher's free-text notes (rename/notes in the window and CLI)
    # A fork: the run it was started from and the checkpoint step (NULL otherwise).
    Column("parent_run", Integer),
    Column("parent_step", BigInteger),
    Column("model_version", String(64)),  # the model's declared version (NULL: written before models had one)
)


def _run_fk() -> Column:
    return Column("run_id", Integer, ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True)


# One row per step, one column per metric: the table a researcher queries.
step_metrics = Table(
    "step_metrics",
    metadata,
    _run_fk(),
    *(
        Column(name, BigInteger if name in INTEGER_METRICS else Float, primary_key=(name == "step"),
               nullable=False)
        for name in METRIC_NAMES
    ),
    sqlite_with_rowid=False,
)

# The same metrics packed column-wise, one row per committed batch of steps: loading
# 100,000 steps from the per-step rows costs ~1 s of Python object creation, from these
# chunks a few milliseconds. Written in the same transaction as step_metrics.
metric_chunks = Table(
    "metric_chunks",
    metadata,
    _run_fk(),
    Column("first_step", BigInteger, primary_key=True),
    Column("n_steps", Integer, nullable=False),
    Column("columns", Text, nullable=False),  # comma-separated metric names, in blob order
    Column("data", LargeBinary, nullable=False),  # float64 little-endian, shape (n_columns, n_steps)
)

# World state after `step` steps (step 0 = the initial world). Agent arrays are packed
# into one blob per snapshot (see packing.py): one row per 10,000 agents loads in ~1 ms.
agent_snapshots = Table(
    "agent_snapshots",
    metadata,
    _run_fk(),
    Column("step", BigInteger, primary_key=True),
    Column("n_agents", Integer, nullable=False),
    Column("codec", String(16), nullable=False),
    Column("data", LargeBinary, nullable=False),
)

node_snapshots = Table(
    "node_snapshots",
    metadata,
    _run_fk(),
    Column("step", BigInteger, primary_key=True),
    Column("n_nodes", Integer, nullable=False),
    Column("codec", String(16), nullable=False),
    Column("amounts", LargeBinary, nullable=False),  # float64 per node
    Column("positions", LargeBinary),  # float64 x then y; NULL = same as the previous stored positions
)

# World layers of a model-generic run (spec.storage == "generic") after `step` steps (step 0
# = the initial world): all arrays of one layer packed into one blob (packing.pack_arrays);
# n = the layer's points (a point layer) or cells (a raster).
layer_snapshots = Table(
    "layer_snapshots",
    metadata,
    _run_fk(),
    Column("step", BigInteger, primary_key=True),
    Column("layer", String(64), primary_key=True),
    Column("n", Integer, nullable=False),
    Column("codec", String(16), nullable=False),
    Column("data", LargeBinary, nullable=False),
)

# Actions taken per step and agent type, one column per action; (step, type) pairs in
# which no agent of that type acted are not stored.
action_counts = Table(
    "action_counts",
    metadata,
    _run_fk(),
    Column("step", BigInteger, primary_key=True),
    Column("agent_type", SmallInteger, primary_key=True),  # agent_types.id
    *(Column(action, Integer, nullable=False) for action in ACTIONS),
    sqlite_with_rowid=False,
)

# Every agent of a run: birth and (if it died) death. Exact input for survival analysis.
agents = Table(
    "agents",
    metadata,
    _run_fk(),
    Column("agent_id", BigInteger, primary_key=True),
    Column("agent_type", SmallInteger, nullable=False),
    Column("birth_step", BigInteger, nullable=False),
    Column("parent_id", BigInteger, nullable=False),  # -1 for initial agents
    Column("generation", Integer, nullable=False),
    Column("death_step", BigInteger),
    Column("death_cause", SmallInteger),  # death_causes.id
    sqlite_with_rowid=False,
)

# The engine's complete state after `step` steps (see checkpoint_format.py), written in the
# same transaction as the steps before it: resume and fork start from these.
checkpoints = Table(
    "checkpoints",
    metadata,
    _run_fk(),
    Column("step", BigInteger, primary_key=True),
    Column("format_version", Integer, nullable=False),
    Column("engine", String(64), nullable=False),
    Column("size", BigInteger, nullable=False),  # bytes of data
    Column("data", LargeBinary, nullable=False),
    Column("created_at", DateTime, nullable=False),
)

# Metrics a run has beyond the model's columns (an imported AgentFarm run's reward,
# diversity, entropy, ...): one row per (run, metric name, step). Exported with the metrics.
extra_metrics = Table(
    "extra_metrics",
    metadata,
    _run_fk(),
    Column("name", String(128), primary_key=True),
    Column("step", BigInteger, primary_key=True),
    Column("value", Float),
    sqlite_with_rowid=False,
)

# Where an imported run came from (kind "agentfarm": the source file, its checksum, the
# simulation id, the original configuration, what was missing or not mapped).
run_sources = Table(
    "run_sources",
    metadata,
    Column("run_id", Integer, ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("path", Text, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("source_id", Text),
    Column("imported_at", DateTime, nullable=False),
    Column("details_json", Text, nullable=False),
)

analyses = Table(
    "analyses",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("module", String(128), nullable=False),
    Column("run_ids_json", Text, nullable=False),
    Column("params_json", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("payload_json", Text),
    Column("error", Text),
    Column("created_at", DateTime, nullable=False),
    Column("started_at", DateTime),
    Column("finished_at", DateTime),
)


def _lookup(name: str) -> Table:
    return Table(name, metadata, Column("id", SmallInteger, primary_key=True),
                 Column("name", String(64), nullable=False))


# Small lookup tables so SQL users can join codes to names.
agent_types = _lookup("agent_types")
actions = _lookup("actions")
death_causes = _lookup("death_causes")
LOOKUPS: dict[Table, tuple[str, ...]] = {
    agent_types: AGENT_TYPES,
    actions: ACTIONS,
    death_causes: DEATH_CAUSES,
}

Index("ix_runs_created", runs.c.created_at)


# Experiments (sweeps and replications, farm_gui/experiments): the spec as written, its
# status and counts; each of its runs is an ordinary run (experiment_runs.run_id, set when
# its result is stored) with its design point, replicate, seed and factor values.
experiments = Table(
    "experiments",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", Text, nullable=False),
    Column("model", String(64), nullable=False),
    Column("spec_text", Text, nullable=False),  # the spec's YAML
    Column("design", String(16), nullable=False),
    Column("status", String(16), nullable=False),  # queued running paused finished cancelled interrupted
    Column("seed", BigInteger, nullable=False),
    Column("runs_total", Integer, nullable=False),
    Column("runs_finished", Integer, nullable=False, default=0),
    Column("runs_failed", Integer, nullable=False, default=0),
    Column("backend", Text),  # e.g. "local:2", "dask:tcp://10.0.0.5:8786"
    Column("created_at", DateTime, nullable=False),
    Column("started_at", DateTime),
    Column("finished_at", DateTime),
    Column("writer_pid", Integer),
    Column("writer_host", String(255)),
    Column("heartbeat_at", DateTime),
    Column("error", Text),
)

experiment_runs = Table(
    "experiment_runs",
    metadata,
    Column("experiment_id", Integer, ForeignKey("experiments.id", ondelete="CASCADE"), primary_key=True),
    Column("run_index", Integer, primary_key=True),  # point * replications + replicate
    Column("point", Integer, nullable=False),
    Column("replicate", Integer, nullable=False),
    Column("seed", BigInteger, nullable=False),
    Column("factors_json", Text, nullable=False),
    Column("status", String(16), nullable=False),  # queued running finished failed
    Column("run_id", Integer, ForeignKey("runs.id", ondelete="SET NULL")),
    Column("error", Text),
    sqlite_with_rowid=False,
)

Index("ix_experiment_runs_run", experiment_runs.c.run_id)
