"""Everything that depends on the database dialect lives here: how a target becomes an
Engine, SQLite's pragmas and transaction mode, and the read-only inspection of a file
before it is opened for writing.

SQLite is set up for one writer and many readers: WAL journal, synchronous=NORMAL, a
busy timeout, and writer transactions that start with BEGIN IMMEDIATE (SQLAlchemy's
documented pysqlite recipe: the driver's own transaction handling is switched off and
the "begin" event emits the BEGIN). Other SQLAlchemy URLs (PostgreSQL) use the
dialect's defaults.
"""

from __future__ import annotations

import os
import re
import sqlite3
import struct
from itertools import chain
from pathlib import Path
from urllib.parse import quote

import numpy as np
import platformdirs
from sqlalchemy import (
    Connection,
    Engine,
    Float,
    LargeBinary,
    Table,
    create_engine,
    event,
    insert,
    inspect,
    select,
)
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.pool import QueuePool
from sqlalchemy.sql import Select
from sqlalchemy.sql.base import Executable

from .migrations import VERSION_1_TABLES
from .records import StoreError
from .schema import APPLICATION, SCHEMA_VERSION, schema_info

BUSY_TIMEOUT_S = 10.0
SQLITE_MAGIC = b"SQLite format 3\x00"
# PRAGMA quick_check reads every page; above this size it is skipped so that opening
# a large workspace stays fast (damage is then reported when it is read).
QUICK_CHECK_MAX_BYTES = 512 * 1024 * 1024
WRITE_OPTION = "farm_gui_write"

# NumPy scalars bind like the Python numbers they hold.
for _np_type in (np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32):
    sqlite3.register_adapter(_np_type, int)
for _np_type in (np.float32, np.float64):
    sqlite3.register_adapter(_np_type, float)
sqlite3.register_adapter(np.bool_, bool)


def default_db_path() -> Path:
    """The workspace database in the user's data directory."""
    return platformdirs.user_data_path("farm-gui", appauthor=False) / "workspace.db"


def is_url(target: str) -> bool:
    return "://" in target


# ----- SQLite ------------------------------------------------------------------------


def _sqlite_uri(path: Path, readonly: bool, immutable: bool = False) -> str:
    if immutable or (readonly and not os.access(path.parent, os.W_OK)):
        # Read-only media: SQLite cannot create the -shm of a WAL database there, and
        # nobody else can be writing it, so read it as an immutable file.
        return f"file:{quote(str(path))}?mode=ro&immutable=1"
    return f"file:{quote(str(path))}" + ("?mode=ro" if readonly else "")


def _read_header(path: Path) -> bytes:
    try:
        with open(path, "rb") as fh:
            return fh.read(100)
    except IsADirectoryError:
        raise StoreError(f"{path} is a folder, not a database file") from None
    except PermissionError:
        raise StoreError(f"{path} cannot be read (permission denied)") from None
    except OSError as err:
        raise StoreError(f"{path} cannot be read ({err.strerror or err})") from None


def _check_sqlite_header(path: Path, header: bytes, size: int) -> None:
    if not header.startswith(SQLITE_MAGIC):
        if header and SQLITE_MAGIC.startswith(header):
            raise StoreError(f"{path} is a damaged database: the file is truncated")
        raise StoreError(f"{path} is not a database (it is not a SQLite file)")
    if len(header) < 100:
        raise StoreError(f"{path} is a damaged database: the file is truncated")
    page_size = struct.unpack(">H", header[16:18])[0]
    page_size = 65536 if page_size == 1 else page_size
    if page_size < 512 or page_size & (page_size - 1):
        raise StoreError(f"{path} is a damaged database: its header is corrupt")
    pages_in_header = struct.unpack(">I", header[28:32])[0]
    header_valid = header[24:28] == header[92:96]
    # With a write-ahead log beside it, the file may legitimately be shorter than its header
    # says (pages not yet checkpointed back, e.g. after a crash or a full disk).
    wal = Path(f"{path}-wal")
    wal_pending = wal.is_file() and wal.stat().st_size > 0
    if size % page_size or (header_valid and not wal_pending and pages_in_header * page_size > size):
        raise StoreError(f"{path} is a damaged database: the file is truncated")


def inspect_sqlite_file(path: Path) -> tuple[set[str], dict[str, str]]:
    """Look at an existing SQLite file without changing it: its table names and the
    content of schema_info (empty if absent). Raises StoreError for anything that is
    not a healthy SQLite database."""
    size = path.stat().st_size
    if size == 0:
        return set(), {}
    _check_sqlite_header(path, _read_header(path), size)
    # Without a -wal file no writer is active: read it as immutable, which creates no
    # -wal/-shm side files next to a file that may not even be ours.
    immutable = not Path(f"{path}-wal").exists()
    try:
        conn = sqlite3.connect(_sqlite_uri(path, readonly=True, immutable=immutable), uri=True,
                               timeout=BUSY_TIMEOUT_S)
    except sqlite3.Error as err:
        raise StoreError(f"{path} cannot be opened as a database ({err})") from None
    try:
        if size <= QUICK_CHECK_MAX_BYTES:
            verdict = conn.execute("PRAGMA quick_check(1)").fetchone()[0]
            if verdict != "ok":
                raise StoreError(f"{path} is a damaged database (integrity check: {verdict})")
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        info: dict[str, str] = {}
        if "schema_info" in tables:
            info = dict(conn.execute("SELECT key, value FROM schema_info").fetchall())
        return tables, info
    except sqlite3.DatabaseError as err:
        msg = str(err)
        if "not a database" in msg:
            raise StoreError(f"{path} is not a database (it is not a SQLite file)") from None
        if "locked" in msg or "busy" in msg:
            raise StoreError(f"{path} is in use by another program ({msg}); close it there and "
                             "try again") from None
        raise StoreError(f"{path} is a damaged database ({msg})") from None
    finally:
        conn.close()


def sqlite_engine(path: Path, readonly: bool) -> Engine:
    uri = _sqlite_uri(path, readonly)

    def connect() -> sqlite3.Connection:
        conn = sqlite3.connect(uri, uri=True, check_same_thread=False, timeout=BUSY_TIMEOUT_S,
                               isolation_level=None)
        conn.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
        if not readonly:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
        return conn

    engine = create_engine("sqlite+pysqlite://", creator=connect, poolclass=QueuePool,
                           pool_size=4, max_overflow=16)

    @event.listens_for(engine, "begin")
    def _begin(conn) -> None:
        immediate = conn.get_execution_options().get(WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def fetch_rows(conn: Connection, statement: Select) -> list[tuple]:
    """All rows of a SELECT as plain tuples, for building NumPy columns.

    On SQLite the statement runs on the driver's own cursor: building SQLAlchemy Row
    objects (and their result processing) costs about as much again as fetching, all of
    it holding the GIL (27k agents: ~110 ms through Core, ~45 ms here). Only plain
    bound values are supported there (numbers and strings, no expanding IN lists);
    other dialects go through Core.
    """
    if conn.dialect.name != "sqlite":
        return [tuple(row) for row in conn.execute(statement).all()]
    compiled = statement.compile(dialect=conn.dialect)
    sql = str(compiled)
    if "POSTCOMPILE" in sql:
        return [tuple(row) for row in conn.execute(statement).all()]
    params = tuple(compiled.params[name] for name in compiled.positiontup or ())
    cursor = conn.connection.driver_connection.cursor()
    try:
        cursor.execute(sql, params)
        return cursor.fetchall()
    except sqlite3.Error as err:
        raise DBAPIError.instance(sql, params, err, sqlite3.Error) from err
    finally:
        cursor.close()


# ----- any SQLAlchemy URL ---------------------------------------------------------------


def url_engine(url: str, readonly: bool) -> Engine:
    try:
        engine = create_engine(url, pool_pre_ping=True)
        if readonly and engine.dialect.name == "postgresql":
            @event.listens_for(engine, "connect")
            def _ro(dbapi_conn, _record) -> None:
                cur = dbapi_conn.cursor()
                cur.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
                cur.close()
        return engine
    except (SQLAlchemyError, ImportError, ValueError) as err:
        raise StoreError(f"cannot open database {url!r}: {err}") from None


def inspect_engine(engine: Engine, where: str) -> tuple[set[str], dict[str, str]]:
    try:
        with engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
            info: dict[str, str] = {}
            if "schema_info" in tables:
                info = dict(conn.execute(select(schema_info.c.key, schema_info.c.value)).all())
            return tables, info
    except SQLAlchemyError as err:
        raise StoreError(f"cannot open database {where}: {err.__class__.__name__}: {err.orig or err}") \
            from None


# ----- portable schema check ----------------------------------------------------------


def check_schema(where: str, tables: set[str], info: dict[str, str]) -> bool:
    """True if the database is empty (tables must be created), False if it is ours and
    current; StoreError if it belongs to something else or to a newer version."""
    if not tables:
        return True
    if "schema_info" not in tables or info.get("application") != APPLICATION:
        shown = ", ".join(sorted(tables)[:6]) + (", ..." if len(tables) > 6 else "")
        raise StoreError(f"{where} is a database of another application (tables: {shown}); "
                         "Farm GUI will not change it")
    try:
        version = int(info.get("schema_version", ""))
    except ValueError:
        raise StoreError(f"{where} has an unreadable schema version "
                         f"{info.get('schema_version')!r}") from None
    if version > SCHEMA_VERSION:
        raise StoreError(f"{where} was written by a newer Farm GUI (schema version {version}; this "
                         f"version reads up to {SCHEMA_VERSION}); please upgrade Farm GUI")
    missing = VERSION_1_TABLES - tables
    if missing:
        raise StoreError(f"{where} is an incomplete Farm GUI database (missing tables: "
                         f"{', '.join(sorted(missing))})")
    return False


def sqlite_writable(path: Path) -> bool:
    target = path if path.exists() else path.parent
    return os.access(target, os.W_OK)


# The writer passes Python floats and bytes, which every driver takes as they are: the
# Float and LargeBinary bind processors (float(v), sqlite3.Binary(v)) would only spend
# ~5 us per row holding the GIL.
_PASSED_AS_IS = (Float, LargeBinary)


# Parameters per statement of a multi-row INSERT: SQLite builds before 3.32 allow 999.
_SQLITE_PARAMS_PER_STATEMENT = 999
_VALUES_TUPLE = re.compile(r"^(INSERT .+ VALUES )(\([?, ]+\))$", re.DOTALL)


class Prepared:
    """A statement compiled once and run with the driver's executemany. Rows are plain
    tuples (or lists) of values for `names` (bind parameter names; for an INSERT, column names);
    values pass through their column types' bind processors where a type needs one (e.g.
    DateTime on SQLite); floats and bytes go as they are. About 5x faster than Core
    execution with a list of dicts.

    On SQLite the rows go straight to the driver's cursor: SQLAlchemy's execution
    context costs ~70 us per call, all of it holding the GIL that the simulation thread
    needs after every step. Driver errors are wrapped as SQLAlchemy's (OperationalError
    etc.), as Core would; with cursor-execute event listeners on the engine (logging,
    tests injecting faults) the rows go through SQLAlchemy so that they see them.

    ``many_per_statement``: there, a plain INSERT's rows go many to a statement (``VALUES
    (...), (...), ...``), one execution instead of one per row: for thousands of short
    integer rows at once (an experiment run's agents: 1,500 rows 5.1 -> 2.8 ms), and for the
    live writer's per-step rows: the driver lets the GIL go once per execution and then
    waits to get it back from the simulation thread, which since it steps in blocks holds
    it in short bursts (default preset, recording only: 31,000 -> 39,000 steps/s)."""

    def __init__(self, engine: Engine, statement: Executable, names: tuple[str, ...],
                 many_per_statement: bool = False):
        if isinstance(statement, Table):
            statement = insert(statement)
            compiled = statement.compile(dialect=engine.dialect, column_keys=list(names))
        else:
            compiled = statement.compile(dialect=engine.dialect)
        self.sql = str(compiled)
        self.names = names
        self.positional = bool(engine.dialect.positional)
        self.direct = engine.dialect.name == "sqlite" and engine.dialect.driver == "pysqlite"
        self.order: list[int] | None = None
        if self.positional:
            wanted = list(compiled.positiontup or ())
            if sorted(wanted) != sorted(names):
                raise ValueError(f"statement parameters {wanted} do not match {list(names)}")
            if wanted != list(names):
                self.order = [names.index(n) for n in wanted]
        types = [compiled.binds[name].type for name in names]
        processors = [None if isinstance(t, _PASSED_AS_IS)
                      else t.dialect_impl(engine.dialect).bind_processor(engine.dialect) for t in types]
        self.processors = processors if any(processors) else None
        values = _VALUES_TUPLE.match(self.sql) if self.direct and many_per_statement else None
        self.rows_per_statement, self._many_sql = 1, None
        if values is not None and values.group(2).count("?") == len(names):
            self.rows_per_statement = max(1, _SQLITE_PARAMS_PER_STATEMENT // max(1, len(names)))
            self._many_sql = values.group(1) + ", ".join([values.group(2)] * self.rows_per_statement)

    def _execute_direct(self, cursor, rows: list) -> None:
        """Full statements of ``rows_per_statement`` rows, the rest one execution a row:
        one statement text, which the driver prepares once and keeps."""
        per = self.rows_per_statement
        whole = len(rows) - len(rows) % per if per > 1 else 0
        for start in range(0, whole, per):
            cursor.execute(self._many_sql, list(chain.from_iterable(rows[start:start + per])))
        if whole < len(rows):
            cursor.executemany(self.sql, rows[whole:] if whole else rows)

    def __call__(self, conn: Connection, rows: list[tuple]) -> None:
        if not rows:
            return
        if self.processors is not None:
            procs = self.processors
            rows = [tuple(v if p is None or v is None else p(v) for p, v in zip(procs, r, strict=True))
                    for r in rows]
        if self.order is not None:
            order = self.order
            rows = [tuple(r[i] for i in order) for r in rows]
        dispatch = conn.dispatch
        if self.direct and not (dispatch.before_cursor_execute or dispatch.after_cursor_execute):
            cursor = conn.connection.driver_connection.cursor()
            try:
                self._execute_direct(cursor, rows)
            except sqlite3.Error as err:
                raise DBAPIError.instance(self.sql, rows[0], err, sqlite3.Error) from err
            finally:
                cursor.close()
        elif not self.positional:
            conn.exec_driver_sql(self.sql, [dict(zip(self.names, r, strict=True)) for r in rows])
        else:  # SQLAlchemy takes rows as tuples only
            conn.exec_driver_sql(self.sql, [tuple(r) for r in rows])
