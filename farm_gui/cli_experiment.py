"""`farm-gui experiment ...`: sweeps and replications from the command line.

    farm-gui experiment run SPEC.yaml [--workers N] [--scheduler ADDRESS | --dask] [--db DB] [--name NAME]
    farm-gui experiment list [--json] [--db DB]
    farm-gui experiment show ID [--json] [--db DB]
    farm-gui experiment resume ID [--workers N] [--scheduler ADDRESS | --dask] [--db DB]
    farm-gui experiment export ID --format csv|parquet --out DIR [--overwrite] [--db DB]

`run` prints the experiment id on stdout as soon as it is recorded and shows progress on
stderr. Exit codes: 0 when it finished (failed runs included: they are data); 2 for a bad
spec (the message names the field), database or scheduler address; 130 / 143 when stopped
by Ctrl-C / SIGTERM (the runs that finished are kept; `experiment resume ID` runs the rest).
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time

from farm_gui.cli import EXIT_OK, UsageError, _db_option, _fmt_time, _open


class ExperimentProgress:
    """A progress line on stderr: at most 10 updates a second on a terminal, one every 5 s
    otherwise (and always the last)."""

    def __init__(self, stream=sys.stderr):
        self.stream = stream
        self.tty = stream.isatty()
        self.interval = 0.1 if self.tty else 5.0
        self.last = 0.0
        self.ended = False  # the last line was written (the runner reports the end twice)

    def __call__(self, p) -> None:
        now = time.monotonic()
        final = p.finished >= p.total
        if self.ended or (not final and now - self.last < self.interval):
            return
        self.ended = final
        self.last = now
        width = 30
        filled = int(width * p.finished / max(1, p.total))
        eta = f"{p.eta_s:,.0f}s left" if p.eta_s is not None and not final else ""
        text = (f"[{'#' * filled}{'-' * (width - filled)}] {p.finished}/{p.total} runs  "
                f"{p.failed} failed  {p.running} running  {p.rate:,.2f} runs/s  {p.elapsed_s:.1f}s  {eta}")
        if self.tty:
            self.stream.write("\r" + text + ("\n" if final else ""))
        else:
            self.stream.write(text + "\n")
        self.stream.flush()


def _backend(args):
    from farm_gui.experiments.backends import make_backend

    if args.workers is not None and args.workers < 1:
        raise UsageError(f"--workers must be 1 or more, got {args.workers}")
    return make_backend(args.workers, args.scheduler, args.dask)


def _run_to_end(store, experiment_id: int, args) -> int:
    from farm_gui.core.gc_pauses import freeze_start_up_objects
    from farm_gui.core.jobs import JobControl
    from farm_gui.experiments.backends import BackendError
    from farm_gui.experiments.runner import ExperimentRunner

    control = JobControl()
    received: list[int] = []

    def on_signal(signum, _frame) -> None:
        received.append(signum)
        control.stop()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    freeze_start_up_objects()
    try:
        runner = ExperimentRunner(store, experiment_id, _backend(args), control,
                                  on_progress=None if args.quiet else ExperimentProgress(),
                                  preload=args.preload)
        try:
            status = runner.run()
        except BackendError as err:
            raise UsageError(str(err)) from None
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    info = store.get_experiment(experiment_id)
    if received or status == "cancelled":
        print(f"farm-gui: experiment {experiment_id} stopped with {info.runs_done} of {info.runs_total} "
              f"runs done; `farm-gui experiment resume {experiment_id}` runs the rest", file=sys.stderr)
        return 128 + (received[0] if received else signal.SIGINT)
    if info.runs_failed:
        print(f"farm-gui: experiment {experiment_id}: {info.runs_failed} of {info.runs_total} runs failed "
              f"(see `farm-gui experiment show {experiment_id}`)", file=sys.stderr)
    return EXIT_OK


def cmd_run(args: argparse.Namespace) -> int:
    from farm_gui.experiments.runner import create_experiment
    from farm_gui.experiments.spec import load_spec

    _preload(args.preload)
    spec = load_spec(args.spec)  # SpecError (a ConfigError): exit 2 naming the field
    store = _open(args.db, create=True)
    try:
        experiment_id = create_experiment(store, spec, name=args.name)
        print(experiment_id, flush=True)
        return _run_to_end(store, experiment_id, args)
    finally:
        store.close()


def _preload(modules: list[str]) -> None:
    from farm_gui.experiments.worker import preload_modules

    try:
        preload_modules(modules)
    except ImportError as err:
        raise UsageError(f"--preload: cannot import {err.name or err}") from None


def cmd_resume(args: argparse.Namespace) -> int:
    _preload(args.preload)
    store = _open(args.db)
    try:
        info = store.get_experiment(_experiment_id(args.experiment))
        if info.status in ("running", "paused"):
            raise UsageError(f"experiment {info.id} is {info.status} in another process")
        print(info.id, flush=True)
        if info.runs_done >= info.runs_total:
            print(f"farm-gui: experiment {info.id} has no runs left to do", file=sys.stderr)
        return _run_to_end(store, info.id, args)
    finally:
        store.close()


def _experiment_id(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise UsageError(f"an experiment id is a number, got {text!r}") from None


def _summary(store, info) -> dict:
    runs = store.experiment_runs(info.id)
    return {
        "id": info.id, "name": info.name, "model": info.model, "design": info.design, "status": info.status,
        "seed": info.seed, "backend": info.backend, "runs_total": info.runs_total,
        "runs_finished": info.runs_finished, "runs_failed": info.runs_failed,
        "runs_done": info.runs_done, "runs_queued": info.runs_queued,
        "created_at": info.created_at.isoformat(),
        "started_at": info.started_at.isoformat() if info.started_at else None,
        "finished_at": info.finished_at.isoformat() if info.finished_at else None,
        "runs": [{"index": r.index, "point": r.point, "replicate": r.replicate, "run_id": r.run_id,
                  "seed": r.seed, "factors": r.factors, "status": r.status, "error": r.error} for r in runs],
    }


def cmd_show(args: argparse.Namespace) -> int:
    store = _open(args.db)
    try:
        info = store.get_experiment(_experiment_id(args.experiment))
        data = _summary(store, info)
        spec_text = store.experiment_spec_text(info.id)
    finally:
        store.close()
    if args.json:
        data["spec"] = spec_text
        print(json.dumps(data, indent=2))
        return EXIT_OK
    lines = [f"experiment {info.id}: {info.name}", f"  model     {info.model}", f"  design    {info.design}",
             f"  status    {info.status}", f"  runs      {info.runs_done} of {info.runs_total} done "
             f"({info.runs_finished} finished, {info.runs_failed} failed)", f"  seed      {info.seed}",
             f"  backend   {info.backend or '-'}",
             f"  created   {_fmt_time(info.created_at)}", f"  finished  {_fmt_time(info.finished_at)}",
             "  spec", *("    " + line for line in spec_text.rstrip().splitlines()), "  runs"]
    for r in data["runs"]:
        factors = ", ".join(f"{k}={v}" for k, v in r["factors"].items())
        lines.append(f"    {r['index']:>5}  point {r['point']:<4} rep {r['replicate']:<3} "
                     f"run {r['run_id'] if r['run_id'] is not None else '-':<6} {r['status']:<9} "
                     f"seed {r['seed']}  {factors}" + (f"  error: {r['error']}" if r["error"] else ""))
    print("\n".join(lines))
    return EXIT_OK


def cmd_list(args: argparse.Namespace) -> int:
    store = _open(args.db)
    try:
        infos = store.list_experiments()
    finally:
        store.close()
    if args.json:
        print(json.dumps([{"id": i.id, "name": i.name, "model": i.model, "design": i.design,
                           "status": i.status, "runs_total": i.runs_total, "runs_finished": i.runs_finished,
                           "runs_failed": i.runs_failed, "created_at": i.created_at.isoformat()}
                          for i in infos], indent=2))
        return EXIT_OK
    if not infos:
        print(f"no experiments in {store.url}")
        return EXIT_OK
    print(f"{'id':>5}  {'status':<11} {'runs':>13} {'failed':>7}  {'created':<19}  name")
    for i in infos:
        print(f"{i.id:>5}  {i.status:<11} {f'{i.runs_done}/{i.runs_total}':>13} {i.runs_failed:>7}  "
              f"{_fmt_time(i.created_at):<19}  {i.name}")
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from farm_gui.experiments.export import export_experiment

    store = _open(args.db)
    try:
        info = store.get_experiment(_experiment_id(args.experiment))
        paths = export_experiment(store, info.id, args.out, args.format, overwrite=args.overwrite)
    finally:
        store.close()
    for path in paths:
        print(path)
    return EXIT_OK


def _backend_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--workers", type=int, metavar="N", help="worker processes (default: one per core)")
    p.add_argument("--scheduler", metavar="ADDRESS", help="run on the Dask cluster at this scheduler "
                   "address (e.g. tcp://10.0.0.5:8786)")
    p.add_argument("--dask", action="store_true", help="run on a local Dask cluster (LocalCluster)")
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    p.add_argument("--preload", action="append", default=[], metavar="MODULE",
                   help="import MODULE here and in every worker first (a module registering a model "
                   "with farm_gui.core.registry.register); repeatable")


def add_experiment(sub) -> None:
    p = sub.add_parser("experiment", help="sweeps and replications: run, list, show, resume, export")
    esub = p.add_subparsers(dest="experiment_command", metavar="ACTION", required=True)
    r = esub.add_parser("run", help="run the experiment a YAML spec describes; prints its id")
    r.add_argument("spec", metavar="SPEC", help="experiment specification (YAML)")
    r.add_argument("--name", help="name of the experiment")
    _backend_options(r)
    _db_option(r)
    r.set_defaults(func=cmd_run)
    ls = esub.add_parser("list", help="list the experiments in a database")
    ls.add_argument("--json", action="store_true", help="machine-readable output")
    _db_option(ls)
    ls.set_defaults(func=cmd_list)
    s = esub.add_parser("show", help="one experiment: status, counts, spec and runs")
    s.add_argument("experiment", metavar="ID")
    s.add_argument("--json", action="store_true", help="machine-readable output")
    _db_option(s)
    s.set_defaults(func=cmd_show)
    rs = esub.add_parser("resume", help="run the runs of an experiment that did not finish")
    rs.add_argument("experiment", metavar="ID")
    _backend_options(rs)
    _db_option(rs)
    rs.set_defaults(func=cmd_resume)
    e = esub.add_parser("export", help="a long table (a row per run and step) and a summary (a row per run)")
    e.add_argument("experiment", metavar="ID")
    e.add_argument("--format", required=True, choices=("csv", "parquet"))
    e.add_argument("--out", required=True, metavar="DIR", help="folder to write into")
    e.add_argument("--overwrite", action="store_true", help="replace existing files")
    _db_option(e)
    e.set_defaults(func=cmd_export)
