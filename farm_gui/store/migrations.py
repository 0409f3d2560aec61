"""Bringing a workspace written by an earlier schema version up to date, in place.

Schema changes are additive: new tables, and new nullable (or defaulted) columns on
existing tables. Declaring them in ``schema.py`` is enough: on opening a database for
writing, ``migrate`` creates the tables it lacks and adds the columns it lacks, then
records the current schema version. A database opened read-only is left as it is.
A SQLite workspace is first copied, as it was, next to itself
(``<name>.before-schema-<N>.bak``, N the version it is brought to), so that an older
release can still open the copy.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import Column, Connection, inspect, update
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.schema import CreateColumn, ExecutableDDLElement

from .schema import SCHEMA_VERSION, metadata, schema_info

# The tables of schema version 1: a database lacking one of these is damaged, not old.
VERSION_1_TABLES: frozenset[str] = frozenset({
    "schema_info", "runs", "step_metrics", "metric_chunks", "agent_snapshots", "node_snapshots",
    "action_counts", "agents", "analyses", "agent_types", "actions", "death_causes",
})


class AddColumn(ExecutableDDLElement):
    """ALTER TABLE ... ADD COLUMN, which SQLAlchemy Core does not provide (Alembic does)."""

    def __init__(self, column: Column):
        self.column = column


@compiles(AddColumn)
def _compile_add_column(element: AddColumn, compiler, **kw) -> str:
    table = compiler.preparer.format_table(element.column.table)
    return f"ALTER TABLE {table} ADD COLUMN {compiler.process(CreateColumn(element.column), **kw)}"


def missing_columns(conn: Connection) -> dict[str, list[str]]:
    """Columns the schema declares that the database's existing tables lack."""
    inspector = inspect(conn)
    present_tables = set(inspector.get_table_names())
    missing: dict[str, list[str]] = {}
    for table in metadata.sorted_tables:
        if table.name not in present_tables:
            continue
        have = {c["name"] for c in inspector.get_columns(table.name)}
        lacking = [c.name for c in table.columns if c.name not in have]
        if lacking:
            missing[table.name] = lacking
    return missing


def migrate(conn: Connection, version: int) -> None:
    """Bring the database behind ``conn`` (inside a transaction) to SCHEMA_VERSION."""
    metadata.create_all(conn, checkfirst=True)
    for table_name, names in missing_columns(conn).items():
        table = metadata.tables[table_name]
        for name in names:
            column = table.c[name]
            if not column.nullable and column.server_default is None:
                raise RuntimeError(f"schema: new column {table_name}.{name} must be nullable or have a "
                                   "server default, or existing rows cannot take it")
            conn.execute(AddColumn(column))
    if version != SCHEMA_VERSION:
        conn.execute(update(schema_info).where(schema_info.c.key == "schema_version")
                     .values(value=str(SCHEMA_VERSION)))


def backup_sqlite_file(path: Path, version: int) -> Path | None:
    """Copy the workspace at ``path`` (schema ``version``) before it is migrated; an
    existing copy of the same name is kept (it is the older state). Returns the copy's path,
    or None when the folder is not writable (the migration goes on: it is additive)."""
    target = path.with_name(f"{path.name}.before-schema-{SCHEMA_VERSION}.bak")
    if target.exists():
        return target
    try:
        src = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            dst = sqlite3.connect(target)
            try:
                src.backup(dst)  # consistent with the WAL, unlike copying the file
            finally:
                dst.close()
        finally:
            src.close()
    except (sqlite3.Error, OSError):
        target.unlink(missing_ok=True)
        return None
    return target
