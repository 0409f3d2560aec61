"""Writing a synthetic database in AgentFarm's schema (the tables and columns of the
sample in tests/fixtures/agentfarm), for benchmarks and tests: agents that wander,
gather, die and are replaced by offspring, with the learning module's duplicate action
rows. Not a model of anything; only the format is AgentFarm's."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import numpy as np

TABLES: dict[str, str] = {
    "simulations": "simulation_id VARCHAR(64) PRIMARY KEY, experiment_id VARCHAR(64), start_time DATETIME, "
                   "end_time DATETIME, status VARCHAR(50), parameters JSON NOT NULL, results_summary JSON, "
                   "simulation_db_path VARCHAR(255) NOT NULL",
    "simulation_config": "simulation_id VARCHAR(64), config_id INTEGER PRIMARY KEY, "
                         "timestamp INTEGER NOT NULL, config_data VARCHAR(4096) NOT NULL",
    "agents": "simulation_id VARCHAR(64), agent_id VARCHAR(64) PRIMARY KEY, birth_time INTEGER, "
              "death_time INTEGER, agent_type VARCHAR(50), position_x FLOAT, position_y FLOAT, "
              "initial_resources FLOAT, starting_health FLOAT, genome_id VARCHAR(64), generation INTEGER, "
              "action_weights JSON",
    "simulation_steps": "step_number INTEGER NOT NULL, simulation_id VARCHAR(64) NOT NULL, "
                        "total_agents INTEGER, agent_type_counts JSON, total_resources FLOAT, "
                        "average_agent_resources FLOAT, "
                        "births INTEGER, deaths INTEGER, current_max_generation INTEGER, "
                        "resource_efficiency FLOAT, resource_distribution_entropy FLOAT, "
                        "average_agent_health FLOAT, average_agent_age INTEGER, average_reward FLOAT, "
                        "genetic_diversity FLOAT, dominant_genome_ratio FLOAT, resources_consumed FLOAT, "
                        "PRIMARY KEY (step_number, simulation_id)",
    "agent_states": "id VARCHAR(128) PRIMARY KEY, simulation_id VARCHAR(64), step_number INTEGER, "
                    "agent_id VARCHAR(64), position_x FLOAT, position_y FLOAT, position_z FLOAT, "
                    "resource_level FLOAT, current_health FLOAT, starting_health FLOAT, "
                    "starvation_counter INTEGER, is_defending BOOLEAN, total_reward FLOAT, age INTEGER",
    "resource_states": "id INTEGER PRIMARY KEY, simulation_id VARCHAR(64), step_number INTEGER, "
                       "resource_id VARCHAR(64), amount FLOAT, position_x FLOAT, position_y FLOAT",
    "agent_actions": "action_id INTEGER PRIMARY KEY, simulation_id VARCHAR(64), "
                     "step_number INTEGER NOT NULL, agent_id VARCHAR(64) NOT NULL, "
                     "action_type VARCHAR(20) NOT NULL, "
                     "action_target_id VARCHAR(64), reward FLOAT, details VARCHAR(1024), "
                     "module_type VARCHAR(50), module_id VARCHAR(64)",
}
INDEXES = ("CREATE INDEX idx_agent_states_step_number ON agent_states (step_number)",
           "CREATE INDEX idx_agent_states_agent_id ON agent_states (agent_id)",
           "CREATE INDEX idx_resource_states_step_number ON resource_states (step_number)",
           "CREATE INDEX idx_agent_actions_step_number ON agent_actions (step_number)",
           "CREATE INDEX idx_agent_actions_module_type ON agent_actions (module_type)")
TYPES = ("system", "independent", "control")
ACTIONS = ("move", "gather", "defend", "share", "reproduce", "attack", "communicate", "pass")


def write_database(path: str | Path, *, steps: int = 100, agents: int = 30, nodes: int = 20,
                   simulations: int = 1, seed: int = 1, death_rate: float = 0.01, learning_rows: bool = True,
                   size: float = 100.0, drop_tables: tuple[str, ...] = (),
                   drop_columns: dict[str, tuple[str, ...]] | None = None) -> list[str]:
    """Write the database (the file must not exist); returns the simulation ids."""
    path = Path(path)
    if path.exists():
        raise FileExistsError(path)
    drop_columns = drop_columns or {}
    con = sqlite3.connect(path)
    try:
        for table, spec in TABLES.items():
            if table in drop_tables:
                continue
            cols = [c for c in _split(spec) if c.split()[0] not in drop_columns.get(table, ())]
            con.execute(f"CREATE TABLE {table} ({', '.join(cols)})")
        for index in INDEXES:
            table, column = index.split(" ON ")[1].split(" (")
            if table not in drop_tables and column.rstrip(")") not in drop_columns.get(table, ()):
                con.execute(index)
        ids = [f"sim_{seed}_{k}" for k in range(simulations)]
        for k, sim_id in enumerate(ids):
            _simulate(con, sim_id, np.random.default_rng(seed + k), steps, agents, nodes, death_rate,
                      learning_rows, size, set(drop_tables), drop_columns)
        con.commit()
    finally:
        con.close()
    return ids


def _split(spec: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for ch in spec:
        depth += (ch == "(") - (ch == ")")
        if ch == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += ch
    return parts + [current.strip()]


def _insert(con, table: str, columns: tuple[str, ...], rows, drop_tables, drop_columns) -> None:
    if table in drop_tables:
        return
    dropped = drop_columns.get(table, ())
    keep = [i for i, c in enumerate(columns) if c not in dropped]
    names = [columns[i] for i in keep]
    if len(keep) != len(columns):
        rows = ([r[i] for i in keep] for r in rows)
    con.executemany(f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})", rows)


def _simulate(con, sim_id, rng, steps, n_agents, n_nodes, death_rate, learning_rows, size,
              drop_tables, drop_columns) -> None:
    config = {"seed": int(rng.integers(1 << 30)), "simulation_steps": steps, "environment.width": size,
              "environment.height": size, "population.system_agents": n_agents // 3,
              "population.independent_agents": n_agents // 3,
              "population.control_agents": n_agents - 2 * (n_agents // 3),
              "resources.initial_resources": n_nodes, "learning.learning_rate": 0.001}
    def put(table: str, cols: tuple[str, ...], rows) -> None:
        _insert(con, table, cols, rows, drop_tables, drop_columns)

    put("simulations", ("simulation_id", "status", "parameters", "simulation_db_path"),
        [(sim_id, "completed", json.dumps(config), ":memory:")])
    put("simulation_config", ("simulation_id", "timestamp", "config_data"), [(sim_id, 0, json.dumps(config))])
    node_xy = rng.uniform(0, size, (n_nodes, 2))
    amount = np.full(n_nodes, 30.0)
    node_ids = [f"{sim_id}_resource_{i}" for i in range(n_nodes)]
    # agent table columns: id, type, birth, death, x, y, generation, genome
    ids: list[str] = []
    kinds: list[str] = []
    born: list[int] = []
    died: dict[int, int] = {}
    gen: list[int] = []
    genome: list[str] = []
    start_xy: list[tuple[float, float]] = []
    alive: list[int] = []
    x = np.zeros(0)
    y = np.zeros(0)
    res = np.zeros(0)
    health = np.zeros(0)

    def add_agent(kind: str, step: int, parent: int | None, px: float, py: float) -> None:
        ids.append(f"{sim_id}_agent_{len(ids):07d}")
        kinds.append(kind)
        born.append(step)
        gen.append(0 if parent is None else gen[parent] + 1)
        genome.append("::1" if parent is None else f"{ids[parent]}:1")
        start_xy.append((px, py))
        alive.append(len(ids) - 1)

    for i in range(n_agents):
        add_agent(TYPES[i % 3], 0, None, *rng.uniform(0, size, 2))
    x = np.array([p[0] for p in start_xy])
    y = np.array([p[1] for p in start_xy])
    res = np.full(n_agents, 5.0)
    health = np.full(n_agents, 100.0)
    for step in range(steps):
        a = np.array(alive, dtype=np.int64)
        m = len(a)
        x[a] = np.clip(x[a] + rng.normal(0, 1, m), 0, size)
        y[a] = np.clip(y[a] + rng.normal(0, 1, m), 0, size)
        chosen = rng.integers(0, len(ACTIONS), m)
        res[a] = np.maximum(0, res[a] + np.where(chosen == 1, 2.0, 0.0) - 0.15)
        health[a] = np.maximum(0, health[a] - np.where(chosen == 5, rng.uniform(0, 15, m), 0))
        dying = (rng.random(m) < death_rate) | (health[a] <= 0)
        amount = np.minimum(30.0, np.maximum(0, amount - rng.uniform(0, 1, n_nodes)) + 0.5)
        rows = []
        for j in range(m):
            details = json.dumps({"amount_gathered": 2}) if chosen[j] == 1 else "{}"
            rows.append((None, sim_id, step, ids[a[j]], ACTIONS[chosen[j]], None, 0.1, details, None))
            if learning_rows:
                rows.append((None, sim_id, step, ids[a[j]], ACTIONS[rng.integers(len(ACTIONS))], None,
                             0.1, "{}", "dqn"))
        put("agent_actions", ("action_id", "simulation_id", "step_number", "agent_id", "action_type",
                              "action_target_id", "reward", "details", "module_type"), rows)
        put("agent_states", ("id", "simulation_id", "step_number", "agent_id", "position_x", "position_y",
                             "resource_level", "current_health", "starting_health", "age"),
            [(f"{ids[k]}-{step}", sim_id, step, ids[k], float(x[k]), float(y[k]), float(res[k]),
              float(health[k]), 100.0, step - born[k]) for k in a.tolist()])
        put("resource_states", ("simulation_id", "step_number", "resource_id", "amount", "position_x",
                                "position_y"),
            [(sim_id, step, node_ids[i], float(amount[i]), float(node_xy[i, 0]), float(node_xy[i, 1]))
             for i in range(n_nodes)])
        deaths = [int(k) for k in a[dying]]
        for k in deaths:
            died[k] = step
        survivors = [int(k) for k in a[~dying]]
        alive = list(survivors)
        births = 0
        for _ in deaths:  # replaced by a child of a random survivor
            if not survivors:
                break
            parent = survivors[int(rng.integers(len(survivors)))]
            add_agent(kinds[parent], step, parent, float(x[parent]), float(y[parent]))
            births += 1
        if len(ids) > len(x):
            grow = len(ids) - len(x)
            new = np.array([start_xy[k] for k in range(len(x), len(ids))])
            x, y = np.concatenate([x, new[:, 0]]), np.concatenate([y, new[:, 1]])
            res = np.concatenate([res, np.full(grow, 5.0)])
            health = np.concatenate([health, np.full(grow, 100.0)])
        counts = {t: int(sum(kinds[k] == t for k in a.tolist() if k not in died or died[k] > step))
                  for t in TYPES}
        living = np.array(survivors, dtype=np.int64)
        put("simulation_steps", ("step_number", "simulation_id", "total_agents", "agent_type_counts",
                                 "total_resources", "average_agent_resources", "births", "deaths",
                                 "current_max_generation", "average_agent_health", "average_agent_age",
                                 "average_reward", "genetic_diversity", "resources_consumed"),
            [(step, sim_id, len(survivors), json.dumps(counts), float(amount.sum()),
              float(res[living].mean()) if len(living) else 0.0, births, len(deaths),
              max(gen[k] for k in alive) if alive else 0,
              float(health[living].mean()) if len(living) else 0.0,
              int(np.mean([step - born[k] for k in survivors])) if survivors else 0,
              float(rng.uniform()), float(len({genome[k] for k in survivors}) / max(1, len(survivors))),
              0.15 * m)])
    put("agents", ("simulation_id", "agent_id", "birth_time", "death_time", "agent_type", "position_x",
                   "position_y", "initial_resources", "starting_health", "genome_id", "generation"),
        [(sim_id, ids[k], born[k], died.get(k), kinds[k], start_xy[k][0], start_xy[k][1], 5.0, 100.0,
          genome[k], gen[k]) for k in range(len(ids))])
