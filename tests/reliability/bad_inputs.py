"""Corpora of bad input files: configuration files and database files.

Shared by the reliability tests and bench/reliability.py. Every maker writes
into a folder the caller owns and returns the path.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

# Marker a malicious YAML file would create if the loader ever executed code.
PWNED_NAME = "PWNED_BY_CONFIG"


@dataclass(frozen=True)
class BadConfig:
    label: str
    content: bytes
    field: str  # field path the message must name; "" = a whole-file problem


def bad_configs(folder: Path) -> list[BadConfig]:
    pwned = folder / PWNED_NAME
    deep = "a: " + "[" * 1500 + "]" * 1500 + "\n"
    bomb = "a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join('*' + chr(97 + i) for _ in range(9))}]\n"
        for i in range(8))
    return [
        BadConfig("syntax error", b"simulation_steps: [1, 2\nwidth: 3\n", ""),
        BadConfig("tab indentation", b"action_weights:\n\tmove: 1\n", ""),
        BadConfig("wrong type", b"simulation_steps: lots\n", "simulation_steps"),
        BadConfig("wrong type nested", b"action_weights:\n  move: fast\n", "action_weights.move"),
        BadConfig("list for a number", b"width: [1, 2]\n", "width"),
        BadConfig("out of range", b"width: -5\n", "width"),
        BadConfig("probability above one", b"resource_regen_rate: 1.5\n", "resource_regen_rate"),
        BadConfig("NaN", b"width: .nan\n", "width"),
        BadConfig("NaN as text", b"height: nan\n", "height"),
        BadConfig("infinity", b"height: .inf\n", "height"),
        BadConfig("overflowing float", b"max_resource_amount: 1.0e+400\n", "max_resource_amount"),
        BadConfig("huge integer", b"seed: 999999999999999999999999999999999999999\n", "seed"),
        BadConfig("huge steps", b"simulation_steps: 1000000000000000\n", "simulation_steps"),
        BadConfig("unknown key", b"wdith: 10\n", "wdith"),
        BadConfig("unknown agent class", b"agent_parameters:\n  RobotAgent:\n    share_weight: 1\n",
                  "agent_parameters"),
        BadConfig("empty file", b"", ""),
        BadConfig("only a comment", b"# nothing here\n", ""),
        BadConfig("a list, not a mapping", b"- 1\n- 2\n", ""),
        BadConfig("binary", bytes(range(256)) * 4, ""),
        BadConfig("not UTF-8", b"width: \xff\xfe\n", ""),
        BadConfig("python object tag",
                  f"!!python/object/apply:os.system ['touch {pwned}']\n".encode(), ""),
        BadConfig("python object tag in a field",
                  f"seed: !!python/object/apply:os.system ['touch {pwned}']\n".encode(), ""),
        BadConfig("python name tag", b"width: !!python/name:os.system\n", ""),
        BadConfig("deep nesting", deep.encode(), ""),
        BadConfig("alias bomb", bomb.encode(), ""),
    ]


def write_bad_configs(folder: Path) -> list[tuple[BadConfig, Path]]:
    out = []
    for i, case in enumerate(bad_configs(folder)):
        path = folder / f"bad_{i:02d}.yaml"
        path.write_bytes(case.content)
        out.append((case, path))
    return out


# ----- databases -----------------------------------------------------------------------------
def not_a_database(folder: Path) -> Path:
    p = folder / "notes.db"
    p.write_bytes(b"These are my lab notes, not a database.\n" * 200)
    return p


def empty_file(folder: Path) -> Path:
    # An empty file is a valid (empty) SQLite database to sqlite3; opening it without
    # create must not turn it into a store.
    p = folder / "empty.db"
    p.write_bytes(b"")
    return p


def other_application(folder: Path) -> Path:
    p = folder / "other_app.db"
    con = sqlite3.connect(p)
    con.executescript("CREATE TABLE invoices (id INTEGER PRIMARY KEY, customer TEXT, total REAL);"
                      "INSERT INTO invoices VALUES (1, 'ACME', 12.5);")
    con.commit()
    con.close()
    return p


def truncated(valid: Path, folder: Path) -> Path:
    p = folder / "truncated.db"
    data = valid.read_bytes()
    p.write_bytes(data[: max(512, len(data) // 3)])
    return p


def header_only(valid: Path, folder: Path) -> Path:
    p = folder / "header_only.db"
    p.write_bytes(valid.read_bytes()[:100])
    return p


def corrupt_pages(valid: Path, folder: Path) -> Path:
    """Overwrite every page after the first with garbage (keeps the header valid)."""
    p = folder / "corrupt.db"
    data = bytearray(valid.read_bytes())
    page = int.from_bytes(data[16:18], "big") or 65536
    for start in range(page, len(data), page):
        data[start:start + page] = (b"\xde\xad\xbe\xef" * (page // 4))[: len(data) - start]
    p.write_bytes(bytes(data))
    return p


def copy_of(valid: Path, folder: Path, name: str) -> Path:
    p = folder / name
    shutil.copyfile(valid, p)
    return p


DatabaseMaker = Callable[[Path, Path], Path]

# Corruptions that need a valid store database as a starting point.
DERIVED_DATABASES: dict[str, DatabaseMaker] = {
    "truncated": truncated,
    "header only": header_only,
    "corrupt pages": corrupt_pages,
}
STANDALONE_DATABASES: dict[str, Callable[[Path], Path]] = {
    "not a database": not_a_database,
    "another application's schema": other_application,
}
