"""Writes tests/store/data/workspace_v1.db: a workspace as schema version 1 (the first
release) left it, kept so that every later schema is tested against a real old file.

Run once with the first release's code (commit 81bb347); the file is committed and not
regenerated: `python tests/store/make_v1_fixture.py`.
"""

from pathlib import Path

from farm_gui.analysis import analyse_stored_runs
from farm_gui.config import RunConfig
from farm_gui.runtime.session import RunSession
from farm_gui.store import open_store

OUT = Path(__file__).parent / "data" / "workspace_v1.db"


def main() -> None:
    OUT.unlink(missing_ok=True)
    with open_store(OUT) as store:
        for seed, name in ((1, "baseline"), (2, "second seed")):
            config = RunConfig(simulation_steps=40, snapshot_every=10, seed=seed)
            run_id = store.create_run(config, name=name)
            RunSession(store, run_id, config).run()
        analyse_stored_runs(store, "population", [1, 2])
    import sqlite3
    con = sqlite3.connect(OUT)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.execute("PRAGMA journal_mode=DELETE")
    con.execute("VACUUM")
    con.close()
    print(OUT, OUT.stat().st_size, "bytes")


if __name__ == "__main__":
    main()
