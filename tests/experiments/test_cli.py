"""`farm-gui experiment run|list|show|resume|export`: the contracts (stdout id, exit codes,
show --json keys), a SIGINT that leaves a resumable experiment, the export tables."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

from farm_gui import cli
from farm_gui.experiments.plan import build_plan
from farm_gui.experiments.spec import spec_from_text
from farm_gui.store import open_store

from . import toy_model

ROOT = Path(__file__).resolve().parents[2]

FORAGING = """
model: foraging
preset: default
factors:
  base_consumption_rate: {values: [0.1, 0.3]}
replications: 2
steps: 20
seed: 8
"""


def _farm_gui(*argv, **kw) -> subprocess.Popen:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "farm_gui.cli", *map(str, argv)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        **kw,
    )


def test_run_show_list_export(tmp_path, capsys):
    spec = tmp_path / "sweep.yaml"
    spec.write_text(FORAGING)
    db = tmp_path / "w.db"
    proc = _farm_gui("experiment", "run", spec, "--db", db, "--workers", "2")
    out, err = proc.communicate(timeout=240)
    assert proc.returncode == 0, err
    experiment_id = int(out.strip())
    assert "4/4 runs" in err  # the progress line

    assert cli.main(["experiment", "show", str(experiment_id), "--json", "--db", str(db)]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert (shown["status"], shown["runs_total"], shown["runs_finished"], shown["runs_failed"]) == (
        "finished",
        4,
        4,
        0,
    )
    plan = build_plan(spec_from_text(FORAGING))
    assert [r["seed"] for r in shown["runs"]] == [t.seed for t in plan.tasks]
    assert [r["factors"] for r in shown["runs"]] == [t.factors for t in plan.tasks]
    assert all(r["status"] == "finished" and isinstance(r["run_id"], int) for r in shown["runs"])

    assert cli.main(["experiment", "list", "--db", str(db)]) == 0
    assert "4/4" in capsys.readouterr().out

    out_dir = tmp_path / "out"
    for fmt in ("csv", "parquet"):
        assert (
            cli.main(
                [
                    "experiment",
                    "export",
                    str(experiment_id),
                    "--format",
                    fmt,
                    "--out",
                    str(out_dir),
                    "--db",
                    str(db),
                ]
            )
            == 0
        )
    files = capsys.readouterr().out.split()
    assert len(files) == 4
    long = pd.read_parquet(out_dir / f"experiment{experiment_id}_steps.parquet")
    summary = pd.read_csv(out_dir / f"experiment{experiment_id}_summary.csv")
    assert len(long) == 4 * 20 and {"run_id", "seed", "base_consumption_rate", "step", "alive"} <= set(long)
    assert len(summary) == 4 and {"final_alive", "mean_alive", "status", "seed"} <= set(summary)
    with open_store(db) as store:
        for r in shown["runs"]:
            m = store.metrics(r["run_id"])
            row = summary[summary.run_id == r["run_id"]].iloc[0]
            assert row.final_alive == m["alive"][-1] and abs(row.mean_alive - m["alive"].mean()) < 1e-9
            assert row.base_consumption_rate == r["factors"]["base_consumption_rate"]
            part = long[long.run_id == r["run_id"]]
            assert list(part.alive) == list(m["alive"])
    # existing files are not replaced without --overwrite
    assert (
        cli.main(
            [
                "experiment",
                "export",
                str(experiment_id),
                "--format",
                "csv",
                "--out",
                str(out_dir),
                "--db",
                str(db),
            ]
        )
        == 2
    )


def _slow_experiment_under_way(tmp_path, replications: int) -> tuple[subprocess.Popen, Path, int]:
    """`farm-gui experiment run` of slow toy runs on 2 workers, once 2 runs have finished:
    the process, its workspace and the experiment's id."""
    spec = tmp_path / "slow.yaml"
    spec.write_text(
        f"model: {toy_model.NAME}\npreset: tiny\nbase: {{step_sleep: 0.02}}\n"
        f"replications: {replications}\nsteps: 10\nseed: 3\n"
    )
    db = tmp_path / "w.db"
    proc = _farm_gui("experiment", "run", spec, "--db", db, "--workers", "2", "--preload", toy_model.MODULE)
    experiment_id = int(proc.stdout.readline())  # printed as soon as it is recorded
    with open_store(db) as store:
        deadline = time.monotonic() + 120
        while store.get_experiment(experiment_id).runs_finished < 2:
            assert time.monotonic() < deadline and proc.poll() is None
            time.sleep(0.1)
    return proc, db, experiment_id


def test_sigint_stops_a_resumable_experiment(tmp_path):
    proc, db, experiment_id = _slow_experiment_under_way(tmp_path, 30)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "resume" in err
    with open_store(db) as store:
        info = store.get_experiment(experiment_id)
        assert info.status == "cancelled" and 2 <= info.runs_finished < 30
        assert len(store.list_runs()) == info.runs_finished
    proc = _farm_gui("experiment", "resume", experiment_id, "--db", db, "--preload", toy_model.MODULE)
    out, err = proc.communicate(timeout=240)
    assert proc.returncode == 0, err
    assert int(out.strip()) == experiment_id
    with open_store(db) as store:
        info = store.get_experiment(experiment_id)
        assert (info.status, info.runs_finished, info.runs_failed) == ("finished", 30, 0)
        assert len(store.list_runs()) == 30
        seeds = [r.seed for r in store.experiment_runs(experiment_id)]
        assert len(set(seeds)) == 30


def test_an_owner_killed_outright_leaves_no_worker_behind(tmp_path):
    """kill -9 (or the out-of-memory killer, or a crash) gives the owning process no chance
    to close its pool: its workers and their fork server end by themselves."""
    import psutil

    proc, _db, _experiment_id = _slow_experiment_under_way(tmp_path, 40)
    helpers = psutil.Process(proc.pid).children(recursive=True)  # fork server, workers, tracker
    assert len(helpers) >= 3, helpers
    proc.kill()
    proc.wait(timeout=60)  # not communicate(): a worker left behind would hold its pipes open
    proc.stdout.close()
    proc.stderr.close()
    _, alive = psutil.wait_procs(helpers, timeout=20)
    for p in alive:  # left behind: end them, the test fails
        p.kill()
    assert not alive, [(p.pid, p.name()) for p in alive]


def test_unknown_experiment_exits_2(tmp_path, capsys):
    db = tmp_path / "w.db"
    open_store(db).close()
    assert cli.main(["experiment", "show", "99", "--db", str(db)]) == 2
    assert "no experiment with id 99" in capsys.readouterr().err


class _Terminal:
    """A stream that says it is a terminal, keeping what is written."""

    def __init__(self) -> None:
        self.text = ""

    def isatty(self) -> bool:
        return True

    def write(self, text: str) -> None:
        self.text += text

    def flush(self) -> None:
        pass


def test_the_progress_line_ends_once_although_the_end_is_reported_twice():
    from farm_gui.cli_experiment import ExperimentProgress
    from farm_gui.experiments.runner import Progress

    terminal = _Terminal()
    progress = ExperimentProgress(terminal)
    progress(Progress(total=4, finished=0, failed=0, running=2, elapsed_s=0.0, rate=0.0))
    time.sleep(0.11)  # past the terminal's 10 updates a second
    progress(Progress(total=4, finished=2, failed=1, running=2, elapsed_s=0.5, rate=4.0))
    for _ in range(2):  # the runner reports the last result, then its end
        progress(Progress(total=4, finished=4, failed=1, running=0, elapsed_s=1.0, rate=4.0))
    lines = terminal.text.split("\n")
    assert lines[-1] == "" and len(lines) == 2, terminal.text  # one line, ended once
    shown = lines[0].split("\r")[-1]
    assert shown.startswith("[" + "#" * 30 + "] 4/4 runs  1 failed  0 running"), shown
    assert terminal.text.count("4/4 runs") == 1
