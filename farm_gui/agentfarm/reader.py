"""Reading an AgentFarm simulation database (SQLite, written by AgentFarm's
``SimulationDatabase``) without ever changing it.

The file is opened through an ``immutable`` read-only URI: SQLite then takes no locks,
writes no journal and never touches the file. AgentFarm's schema changed many times, so
every table and column is optional here: what is missing is recorded in ``missing`` and
the rest is read. The format, as far as this reader relies on it (README, "AgentFarm
databases"):

- ``simulation_steps``: one wide row per (simulation, step); ``agent_type_counts`` is a
  JSON object such as ``{"system": 10, "independent": 9}``.
- ``agents``: one row per agent; string ids; ``birth_time`` / ``death_time`` are steps
  (``death_time`` NULL while alive); ``genome_id`` ``"<parent id>:<n>"`` for offspring.
- ``agent_states`` / ``resource_states``: one row per agent / resource node per step: the
  state at the END of that step (after its actions).
- ``agent_actions``: one row per action; with learning on, every agent-step has a second
  row, the learning module's record, whose ``module_type`` is set (``dqn``).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from farm_gui.store import StoreError

SQLITE_MAGIC = b"SQLite format 3\x00"

# Columns this reader uses, per table (AgentFarm's names).
EXPECTED: dict[str, tuple[str, ...]] = {
    "simulation_steps": (
        "step_number", "total_agents", "agent_type_counts", "total_resources", "average_agent_resources",
        "births", "deaths", "current_max_generation", "resource_efficiency",
        "resource_distribution_entropy", "average_agent_health", "average_agent_age", "average_reward",
        "genetic_diversity", "dominant_genome_ratio", "resources_consumed",
    ),
    "agents": ("agent_id", "agent_type", "birth_time", "death_time", "generation", "genome_id",
               "position_x", "position_y", "initial_resources", "starting_health"),
    "agent_states": ("step_number", "agent_id", "position_x", "position_y", "resource_level",
                     "current_health"),
    "resource_states": ("step_number", "resource_id", "amount", "position_x", "position_y"),
    "agent_actions": ("step_number", "agent_id", "action_type", "module_type", "details"),
}
OPTIONAL_TABLES = ("simulations", "simulation_config")


class AgentFarmError(StoreError):
    """The file is not an AgentFarm database, or cannot be read as one."""


def sha256_of(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def normalise_type(name: Any) -> str:
    """'SystemAgent', 'system_agent', 'System' -> 'system'."""
    text = str(name or "").strip().lower().replace("-", "_")
    for suffix in ("_agent", "agent"):
        if text.endswith(suffix) and len(text) > len(suffix):
            text = text[: -len(suffix)]
            break
    return text


@dataclass
class SimulationData:
    """One simulation of an AgentFarm file, as arrays (AgentFarm's steps and names)."""

    simulation_id: str | None
    steps: np.ndarray  # int64, sorted unique steps of simulation_steps (or of agent_states)
    step_columns: dict[str, np.ndarray]  # numeric simulation_steps columns, aligned with steps
    type_counts: dict[str, np.ndarray] | None  # normalised type -> count per step (from JSON)
    agents: pd.DataFrame  # agent_id (str), agent_type (normalised), birth_time, death_time, ...
    states: dict[str, np.ndarray] | None  # step, agent (row in agents), x, y, resources, health
    resources: dict[str, np.ndarray] | None  # step, node (index into node_ids), amount, x, y
    node_ids: list[str]
    actions: pd.DataFrame | None  # step, agent_type, action, count, gathered, shared
    config: dict[str, Any] | None
    missing: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # when AgentFarm ran it (its simulations table, UTC), None when not recorded
    started_at: datetime | None = None
    finished_at: datetime | None = None


def _utc(value: Any) -> datetime | None:
    """AgentFarm's time stamps (SQLite text of datetime.now(timezone.utc)) as aware UTC."""
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value)) if value else None
        except ValueError:
            return None
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class AgentFarmFile:
    """An AgentFarm database opened read-only. Use as a context manager."""

    def __init__(self, path: str | Path):
        self.path = Path(path).expanduser().absolute()
        self._adbc = None  # an ADBC connection (None: not opened yet, False: not usable)
        self._check_file()
        uri = self.path.as_uri() + "?mode=ro&immutable=1"
        try:
            self.conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
            self.tables = {r[0] for r in self.conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
        except sqlite3.DatabaseError as err:
            self.close()
            raise AgentFarmError(f"{self.path} is not an AgentFarm database: SQLite cannot read it "
                                 f"({err})") from None
        self.columns = {t: self._columns_of(t) for t in self.tables}
        self._check_kind()

    # ----- opening ---------------------------------------------------------------------
    def _check_file(self) -> None:
        p = self.path
        if not p.exists():
            raise AgentFarmError(f"{p} does not exist")
        if p.is_dir():
            raise AgentFarmError(f"{p} is a folder, not an AgentFarm database")
        try:
            with open(p, "rb") as fh:
                head = fh.read(len(SQLITE_MAGIC))
        except OSError as err:
            raise AgentFarmError(f"{p} cannot be read ({err.strerror or err})") from None
        if head != SQLITE_MAGIC:
            what = "an empty file" if not head else "not a SQLite database"
            raise AgentFarmError(f"{p} is not an AgentFarm database ({what})")

    def _columns_of(self, table: str) -> list[str]:
        return [r[1] for r in self.conn.execute(f'PRAGMA table_info("{table}")')]

    def _check_kind(self) -> None:
        if {"runs", "step_metrics", "schema_info"} <= self.tables:
            self.close()
            raise AgentFarmError(f"{self.path} is a Farm GUI workspace, not an AgentFarm database; "
                                 "open it with File > Open Workspace (or --db)")
        if "simulation_steps" not in self.tables and not {"agents", "agent_states"} <= self.tables:
            self.close()
            found = ", ".join(sorted(self.tables)[:8]) or "no tables"
            raise AgentFarmError(f"{self.path} is not an AgentFarm database: it has neither a "
                                 f"simulation_steps table nor agents and agent_states (found: {found})")

    def close(self) -> None:
        if getattr(self, "_adbc", None) is not None:
            self._close_adbc()
        conn = getattr(self, "conn", None)
        if conn is not None:
            conn.close()
            self.conn = None

    def __enter__(self) -> AgentFarmFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ----- what the file holds ------------------------------------------------------------
    def missing(self) -> list[str]:
        """Tables and columns this reader would use that the file lacks."""
        out = []
        for table, cols in EXPECTED.items():
            if table not in self.tables:
                out.append(f"table {table}")
                continue
            out += [f"column {table}.{c}" for c in cols if c not in self.columns[table]]
        return out

    def simulation_ids(self) -> list[str | None]:
        """The simulations in the file; [None] when rows carry no simulation id."""
        found: list[str] = []
        if "simulation_id" in self.columns.get("simulations", ()):
            found += [r[0] for r in self.conn.execute(
                "SELECT simulation_id FROM simulations ORDER BY start_time, rowid"
                if "start_time" in self.columns["simulations"] else
                "SELECT simulation_id FROM simulations ORDER BY rowid")]
        for table in ("simulation_steps", "agents"):
            if "simulation_id" in self.columns.get(table, ()):
                found += [r[0] for r in self.conn.execute(
                    f"SELECT DISTINCT simulation_id FROM {table} WHERE simulation_id IS NOT NULL")]
        ids = list(dict.fromkeys(s for s in found if s is not None))
        with_data = [s for s in ids if self._has_rows(s)]
        return with_data or [None]

    def _has_rows(self, sim_id: str) -> bool:
        for table in ("simulation_steps", "agent_states", "agents"):
            if "simulation_id" in self.columns.get(table, ()) and self.conn.execute(
                    f"SELECT 1 FROM {table} WHERE simulation_id = ? LIMIT 1", (sim_id,)).fetchone():
                return True
        return False

    def _where(self, table: str, sim_id: str | None, alias: str = "") -> tuple[str, tuple]:
        if sim_id is None or "simulation_id" not in self.columns.get(table, ()):
            return "", ()
        if len(self._sim_ids_cache()) <= 1:
            return "", ()  # one simulation: rows without an id belong to it too
        return f" WHERE {alias}simulation_id = ?", (sim_id,)

    def _sim_ids_cache(self) -> list[str | None]:
        if not hasattr(self, "_ids"):
            self._ids = self.simulation_ids()
        return self._ids

    def _select(self, table: str, wanted: tuple[str, ...]) -> list[str]:
        have = self.columns.get(table, [])
        return [c if c in have else f"NULL AS {c}" for c in wanted]

    # ----- reading one simulation ---------------------------------------------------------
    def read(self, sim_id: str | None, progress: Callable[[str], None] | None = None) -> SimulationData:
        say = progress or (lambda _text: None)
        try:
            say("reading steps")
            steps, columns, type_counts = self._read_steps(sim_id)
            say("reading agents")
            agents = self._read_agents(sim_id)
            say("reading agent states")
            states = self._read_states(sim_id, agents)
            say("reading resource states")
            resources, node_ids = self._read_resources(sim_id)
            say("counting actions")
            actions, action_notes = self._read_actions(sim_id, agents)
            config = self._read_config(sim_id)
            started_at, finished_at = self._read_times(sim_id)
        except sqlite3.DatabaseError as err:
            raise AgentFarmError(f"{self.path}: cannot read simulation {sim_id or ''}: {err}") from None
        if not len(steps) and states is not None:
            steps = np.unique(states["step"])
        data = SimulationData(sim_id, steps, columns, type_counts, agents, states, resources, node_ids,
                              actions, config, missing=self.missing(), notes=action_notes,
                              started_at=started_at, finished_at=finished_at)
        wal = Path(str(self.path) + "-wal")
        if wal.exists() and wal.stat().st_size > 0:
            data.notes.append(f"{wal.name} (SQLite's write-ahead log) was not read: the file was opened "
                              "read-only and unchanged; open it once with sqlite3 to fold the log in")
        return data

    def _read_steps(self, sim_id):
        if "simulation_steps" not in self.tables:
            return np.zeros(0, np.int64), {}, None
        have = self.columns["simulation_steps"]
        numeric = [c for c in have if c not in ("simulation_id", "agent_type_counts", "step_number")]
        cols = ["step_number", *numeric] + (["agent_type_counts"] if "agent_type_counts" in have else [])
        where, args = self._where("simulation_steps", sim_id)
        rows = self.conn.execute(f"SELECT {', '.join(cols)} FROM simulation_steps{where} "
                                 "ORDER BY step_number", args).fetchall()
        frame = pd.DataFrame.from_records(rows, columns=cols)
        frame = frame.drop_duplicates("step_number", keep="last")
        steps = frame["step_number"].to_numpy(dtype=np.int64)
        columns = {}
        for c in numeric:
            values = pd.to_numeric(frame[c], errors="coerce")
            if values.notna().any() or not len(frame):
                columns[c] = values.to_numpy(dtype=np.float64)
        type_counts = None
        if "agent_type_counts" in frame:
            parsed = [_json_object(v) for v in frame["agent_type_counts"]]
            names = sorted({normalise_type(k) for d in parsed for k in d})
            type_counts = {n: np.zeros(len(parsed), np.float64) for n in names}
            for i, d in enumerate(parsed):
                for k, v in d.items():
                    with contextlib.suppress(TypeError, ValueError):
                        type_counts[normalise_type(k)][i] += float(v)
        return steps, columns, type_counts

    def _read_agents(self, sim_id) -> pd.DataFrame:
        cols = EXPECTED["agents"]
        if "agents" not in self.tables:
            return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
        where, args = self._where("agents", sim_id)
        rows = self.conn.execute(f"SELECT {', '.join(self._select('agents', cols))} FROM agents{where} "
                                 "ORDER BY birth_time, rowid" if "birth_time" in self.columns["agents"]
                                 else f"SELECT {', '.join(self._select('agents', cols))} FROM agents{where}",
                                 args).fetchall()
        frame = pd.DataFrame.from_records(rows, columns=list(cols))
        frame["agent_id"] = pd.Series([str(a) for a in frame["agent_id"]], dtype=object)
        frame["agent_type"] = pd.Series([normalise_type(t) for t in frame["agent_type"]], dtype=object)
        for c in ("birth_time", "death_time", "generation", "position_x", "position_y",
                  "initial_resources", "starting_health"):
            frame[c] = pd.to_numeric(frame[c], errors="coerce").astype(np.float64)
        return frame.reset_index(drop=True)

    def _read_states(self, sim_id, agents: pd.DataFrame) -> dict[str, np.ndarray] | None:
        if "agent_states" not in self.tables:
            return None
        where, args = self._where("agent_states", sim_id)
        step, ids, x, y, res, health = self._fetch(
            "agent_states", (("step_number", "int"), ("agent_id", "text"), ("position_x", "real"),
                             ("position_y", "real"), ("resource_level", "real"), ("current_health", "real")),
            where, args)
        out = {"step": step, "agent": _codes(ids, list(agents["agent_id"])), "x": x, "y": y,
               "resources": res, "health": health}
        order = np.argsort(out["step"], kind="stable")
        return {k: v[order] for k, v in out.items()}

    def _read_resources(self, sim_id) -> tuple[dict[str, np.ndarray] | None, list[str]]:
        if "resource_states" not in self.tables:
            return None, []
        where, args = self._where("resource_states", sim_id)
        step, ids, amount, x, y = self._fetch(
            "resource_states", (("step_number", "int"), ("resource_id", "text"), ("amount", "real"),
                                ("position_x", "real"), ("position_y", "real")), where, args)
        uniques = sorted({str(v) for v in _unique(ids)})
        out = {"step": step, "node": _codes(ids, uniques), "amount": amount, "x": x, "y": y}
        order = np.lexsort((out["node"], out["step"]))
        return {k: v[order] for k, v in out.items()}, uniques

    def _fetch(self, table: str, columns: tuple[tuple[str, str], ...], where: str, args: tuple,
               reals: tuple[str, ...] = ()) -> list:
        """Columns of a big table as NumPy arrays ("int": int64 with -1 for NULL, "real": float64
        with NaN) or text (an Arrow array, or a list). Through ADBC's SQLite driver into Arrow
        when it is installed (a million rows in ~1 s instead of ~5 s of Python objects), else
        through sqlite3."""
        have = self.columns.get(table, [])
        exprs = [f"CAST({c} AS {'TEXT' if k == 'text' else 'INTEGER' if k == 'int' else 'REAL'})"
                 if c in have else "NULL" for c, k in columns]
        exprs += list(reals)  # more float columns, as SQL expressions
        columns = (*columns, *((f"expr{i}", "real") for i in range(len(reals))))
        sql = f"SELECT {', '.join(exprs)} FROM {table}{where}"
        table_ = self._fetch_arrow(sql, args)
        if table_ is not None:
            out = []
            for i, (_c, kind) in enumerate(columns):
                col = table_.column(i)
                out.append(col if kind == "text" else _arrow_numbers(col, kind))
            return out
        rows = self.conn.execute(sql, args).fetchall()
        cols = _columns(rows, len(columns))
        return [list(v) if kind == "text" else _num(v, np.int64 if kind == "int" else np.float64)
                for v, (_c, kind) in zip(cols, columns, strict=True)]

    def _fetch_arrow(self, sql: str, args: tuple):
        if self._adbc is False:
            return None
        try:
            if self._adbc is None:
                import adbc_driver_sqlite.dbapi as adbc

                self._adbc = adbc.connect(self.path.as_uri() + "?mode=ro&immutable=1")
            cur = self._adbc.cursor()
            try:
                cur.execute(sql, args or None)
                return cur.fetch_arrow_table()
            finally:
                cur.close()
        except Exception:  # not installed, or a column it cannot type: the sqlite3 path reads it
            self._close_adbc()
            self._adbc = False
            return None

    def _close_adbc(self) -> None:
        conn = self._adbc
        if conn is not None and conn is not False:
            with contextlib.suppress(Exception):  # closing a connection that failed
                conn.close()
        self._adbc = None

    def _read_actions(self, sim_id, agents: pd.DataFrame) -> tuple[pd.DataFrame | None, list[str]]:
        """Counts per (step, agent type, action), with the resources gathered and shared
        (from the actions' JSON details) on the first row of each step. Rows of the learning
        module (module_type set) are left out when the file also has the plain rows."""
        if "agent_actions" not in self.tables:
            return None, []
        have = self.columns["agent_actions"]
        notes: list[str] = []
        where, args = self._where("agent_actions", sim_id)
        conditions = [where.removeprefix(" WHERE ")] if where else []
        if "module_type" in have and self.conn.execute(
                "SELECT 1 FROM agent_actions WHERE module_type IS NULL OR module_type = '' LIMIT 1"
        ).fetchone():
            plain = "(module_type IS NULL OR module_type = '')"
            # module_type > '': the learning rows (text), counted on AgentFarm's module_type index
            skipped = self.conn.execute(
                "SELECT COUNT(*) FROM agent_actions WHERE " + " AND ".join(["module_type > ''", *conditions]),
                args).fetchone()[0]
            conditions.append(plain)
            if skipped:
                notes.append(f"{skipped} learning-module rows of agent_actions (module_type set) left out")
        filt = (" WHERE " + " AND ".join(conditions)) if conditions else ""
        columns = (("step_number", "int"), ("agent_id", "text"), ("action_type", "text"))
        amount = None
        if "details" in have:
            # the resources moved, from the JSON details of gather and share rows, in the same scan
            expr = ("CASE WHEN action_type IN ('gather', 'share') AND json_valid(details) THEN "
                    "CAST(COALESCE(json_extract(details, '$.amount_gathered'), "
                    "json_extract(details, '$.amount_shared')) AS REAL) END")
            try:
                step, agent_ids, action, amount = self._fetch("agent_actions", columns, filt, args, (expr,))
            except sqlite3.OperationalError:  # no JSON functions in this SQLite
                notes.append("resources gathered and shared could not be read from agent_actions.details")
        if amount is None:
            step, agent_ids, action = self._fetch("agent_actions", columns, filt, args)
        agent = _codes(agent_ids, list(agents["agent_id"]))
        type_code, type_names = pd.factorize(agents["agent_type"])
        type_code = np.append(type_code, -1)  # agent -1 (not in the agents table): no type
        raw_names = [str(a) for a in _unique(action)]
        action_code = _codes(action, raw_names)
        lower = np.array([n.lower() for n in raw_names] + [""], dtype=object)
        keys = pd.DataFrame({"step": step, "agent_type": type_code[agent], "action": action_code})
        grouped = keys.groupby(["step", "agent_type", "action"], sort=False).size().reset_index(name="count")
        grouped["agent_type"] = np.array([*type_names, ""], dtype=object)[grouped["agent_type"]]
        grouped["action"] = lower[grouped["action"]]
        grouped = grouped.groupby(["step", "agent_type", "action"], sort=True)["count"].sum().reset_index()
        grouped["gathered"] = 0.0
        grouped["shared"] = 0.0
        if amount is not None and len(grouped):
            moved = np.nan_to_num(amount)
            names = lower[action_code]
            per_step = pd.DataFrame({"step": step, "gathered": np.where(names == "gather", moved, 0.0),
                                     "shared": np.where(names == "share", moved, 0.0)}).groupby("step").sum()
            first = ~grouped["step"].duplicated().to_numpy()
            per_step = per_step.reindex(grouped["step"][first].to_numpy()).fillna(0.0)
            grouped.loc[first, "gathered"] = per_step["gathered"].to_numpy()
            grouped.loc[first, "shared"] = per_step["shared"].to_numpy()
        return grouped.reset_index(drop=True), notes

    def _read_times(self, sim_id) -> tuple[datetime | None, datetime | None]:
        """When the simulation started and ended (None for either not recorded, or an end
        before the start)."""
        have = self.columns.get("simulations", ())
        if "start_time" not in have or "end_time" not in have:
            return None, None
        if sim_id is not None and "simulation_id" in have:
            row = self.conn.execute("SELECT start_time, end_time FROM simulations WHERE simulation_id = ? "
                                    "ORDER BY rowid DESC LIMIT 1", (sim_id,)).fetchone()
        else:
            row = self.conn.execute("SELECT start_time, end_time FROM simulations ORDER BY rowid DESC LIMIT 1"
                                    ).fetchone()
        if row is None:
            return None, None
        started, finished = _utc(row[0]), _utc(row[1])
        if started is not None and finished is not None and finished < started:
            finished = None
        return started, finished

    def _read_config(self, sim_id) -> dict[str, Any] | None:
        for table, column in (("simulation_config", "config_data"), ("simulations", "parameters")):
            if column not in self.columns.get(table, ()):
                continue
            where, args = self._where(table, sim_id)
            if not where and sim_id is not None and "simulation_id" in self.columns[table]:
                where, args = " WHERE simulation_id = ? OR simulation_id IS NULL", (sim_id,)
            row = self.conn.execute(f"SELECT {column} FROM {table}{where} ORDER BY rowid DESC LIMIT 1",
                                    args).fetchone()
            if row and (found := _json_object(row[0])):
                return found
        return None


def _json_object(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    try:
        parsed = json.loads(value) if value else {}
    except (TypeError, ValueError):
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _columns(rows: list[tuple], n: int) -> list[tuple]:
    if not rows:
        return [()] * n
    return list(zip(*rows, strict=True))


def _arrow_numbers(col, kind: str) -> np.ndarray:
    import pyarrow as pa
    import pyarrow.compute as pc

    if kind == "int":
        return pc.fill_null(pc.cast(col, pa.int64()), -1).to_numpy()
    return pc.cast(col, pa.float64()).to_numpy(zero_copy_only=False)


def _codes(values, categories: list[str]) -> np.ndarray:
    """Index of each value in `categories` (-1 when absent or NULL)."""
    if not len(categories):
        return np.full(len(values), -1, np.int64)
    if isinstance(values, list):
        return pd.Categorical(values, categories=categories).codes.astype(np.int64)
    import pyarrow as pa
    import pyarrow.compute as pc

    found = pc.index_in(values, value_set=pa.array(categories, pa.string()))
    return pc.fill_null(found, -1).to_numpy().astype(np.int64)


def _unique(values) -> list:
    if isinstance(values, list):
        return [v for v in dict.fromkeys(values) if v is not None]
    import pyarrow.compute as pc

    return [v for v in pc.unique(values).to_pylist() if v is not None]


def _num(values, dtype=np.float64) -> np.ndarray:
    try:  # NULL (None) becomes NaN
        arr = np.array(values, dtype=np.float64)
    except (TypeError, ValueError):  # text in a numeric column
        arr = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").to_numpy(dtype=np.float64)
    if dtype is np.int64:
        return np.nan_to_num(arr, nan=-1).astype(np.int64)
    return arr
