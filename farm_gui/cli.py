"""The `farm-gui` command line.

Without a subcommand it opens the GUI; with one it works headless over the same core:

    farm-gui run [--config FILE | --preset NAME] [--steps N] [--seed S] [--db PATH] [--name NAME]
    farm-gui runs [--db PATH] [--json]
    farm-gui show RUN [--db PATH]
    farm-gui export RUN [RUN ...] --format csv|parquet|json --out DIR [--steps A:B] [--db PATH]
    farm-gui analyze RUN [RUN ...] --module NAME [--param K=V ...] [--out DIR] [--db PATH]
    farm-gui analyses [show ID | stats | prune | delete ID] ...   (see cli_analyses.py)
    farm-gui rename RUN NAME | notes RUN TEXT | delete RUN [--yes]  (see cli_run_edit.py)
    farm-gui desktop-install | desktop-uninstall   (menu entry, icon, .farmws file type)
    farm-gui PATH                                  (open the window on the workspace PATH)
    farm-gui import-agentfarm FILE [--db PATH] [--name NAME]
    farm-gui resume RUN [--steps N] [--db PATH]                    (cli_continue.py)
    farm-gui fork RUN --at STEP [--set K=V ...] [--name NAME] [--db PATH]
    farm-gui experiment run|list|show|resume|export ...          (cli_experiment.py)

Exit codes: 0 success; 2 bad input (bad arguments, configuration, database or run:
the message names the file or field); 1 unexpected failure (message plus the log
file holding the traceback); 130 / 143 when a run was stopped by Ctrl-C / SIGTERM
(its data so far is kept and the run is marked stopped).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import tempfile
import time
import traceback
from pathlib import Path

import platformdirs

from farm_gui.cli_analyses import add_analyses
from farm_gui.cli_run_edit import add_delete, add_notes, add_rename

EXIT_OK, EXIT_FAILURE, EXIT_BAD_INPUT = 0, 1, 2


class UsageError(Exception):
    """Bad input found after parsing (unknown run, conflicting options)."""


# ----- helpers ---------------------------------------------------------------------------


def log_path() -> Path:
    return platformdirs.user_log_path("farm-gui", appauthor=False) / "farm-gui.log"


def _setup_logging() -> Path:
    """Send log records (with tracebacks) to the log file, never to the terminal."""
    path = log_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.FileHandler(path, encoding="utf-8")
    except OSError:
        path = Path(tempfile.gettempdir()) / "farm-gui.log"
        handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    return path


def _parse_steps(text: str) -> tuple[int | None, int | None]:
    start, sep, stop = text.partition(":")
    try:
        if not sep:
            raise ValueError
        lo = int(start) if start.strip() else None
        hi = int(stop) if stop.strip() else None
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected A:B (e.g. 100:500, 100: or :500), got {text!r}") from None
    if (lo is not None and lo < 0) or (lo is not None and hi is not None and hi <= lo):
        raise argparse.ArgumentTypeError(f"empty or negative step range {text!r}")
    return lo, hi


def _open(db: str | None, create: bool = False):
    """Open --db (it must exist unless `create`), or the workspace database."""
    from farm_gui.store import open_store

    if not create and db is not None and "://" not in db:
        path = Path(db).expanduser()
        if path.is_file() and not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)):
            return open_store(path, readonly=True)  # read-only media: reading commands still work
    return open_store(db, create=create or db is None)


def _find_run(store, ref: str) -> int:
    runs = store.list_runs()
    if ref.isdigit() and any(r.id == int(ref) for r in runs):
        return int(ref)
    named = [r.id for r in runs if r.name == ref]
    if len(named) == 1:
        return named[0]
    if len(named) > 1:
        raise UsageError(f"{len(named)} runs are named {ref!r} in {store.url}; use the run id")
    raise UsageError(f"no run {ref!r} in {store.url} (see `farm-gui runs`)")


def _fmt_time(value) -> str:
    return value.astimezone().strftime("%Y-%m-%d %H:%M:%S") if value else "-"


class Progress:
    """A throttled progress line on stderr: at most 10 updates a second on a terminal,
    one line every 5 s otherwise."""

    def __init__(self, total: int, headline: str = "alive", stream=None):
        self.total = max(1, total)
        self.headline = headline  # the metric shown next to the rate (the model's first)
        self.latest: float | None = None
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.interval = 0.1 if self.tty else 5.0
        self.started: float | None = None
        self.last = time.monotonic()

    def __call__(self, metrics: dict, _model=None) -> None:
        now = time.monotonic()
        if self.started is None:
            self.started = now
        self.latest = metrics.get(self.headline)
        if now - self.last < self.interval:
            return
        self.last = now
        self.show(int(metrics["step"]) + 1)

    def block(self, block, _model=None) -> None:
        """``RunSession(on_block=...)``: a block of steps at a time."""
        self(block.last_row())

    def show(self, done: int, final: bool = False) -> None:
        elapsed = max(0.0, time.monotonic() - (self.started or time.monotonic()))
        rate = done / elapsed if elapsed > 0 else 0.0
        width = 30
        filled = int(width * min(done, self.total) / self.total)
        text = (f"[{'#' * filled}{'-' * (width - filled)}] {done}/{self.total} steps "
                f"{100 * done / self.total:5.1f}%  {rate:,.0f} steps/s  "
                f"{self.headline} {_headline_value(self.latest)}  {elapsed:.1f}s")
        if self.tty:
            self.stream.write("\r" + text + ("\n" if final else ""))
        else:
            self.stream.write(text + "\n")
        self.stream.flush()


def _headline_value(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{int(value):,}" if float(value).is_integer() else f"{float(value):.3g}"


def _final_values(store, run) -> str:
    """The first few metrics at the run's last recorded step ("-" before its first step)."""
    from farm_gui.core.registry import UnknownModelError, get_model

    if run.steps_done < 1:
        return "-"
    try:
        names = [m.name for m in get_model(run.model).metrics]
    except UnknownModelError:
        names = ["alive"]
    last = store.metrics(run.id, run.steps_done - 1, run.steps_done)
    shown = [f"{n} {_headline_value(last[n][-1])}" for n in names if n in last and len(last[n])][:4]
    return ", ".join(shown) or "-"


def _headline_metric(model: str | None) -> str:
    from farm_gui.core.registry import UnknownModelError, get_model

    try:
        return get_model(model).metrics[0].name
    except (UnknownModelError, IndexError):
        return "alive"


# ----- commands ----------------------------------------------------------------------------


def record_in_foreground(store, run_id: int, config, quiet: bool, **session_options) -> int:
    """Run ``run_id`` to its end in this process with a progress bar, Ctrl-C / SIGTERM
    stopping it cleanly; print its id and return the exit code (shared by run, resume
    and fork)."""
    from farm_gui.core.gc_pauses import freeze_start_up_objects
    from farm_gui.core.jobs import JobControl
    from farm_gui.runtime.session import RunSession

    control = JobControl()
    received: list[int] = []

    def on_signal(signum, _frame) -> None:
        received.append(signum)
        control.stop()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    progress = None
    if not quiet:
        progress = Progress(config.simulation_steps, _headline_metric(store.get_run(run_id).model))
    freeze_start_up_objects()
    try:
        on_block = progress.block if progress is not None else None
        status = RunSession(store, run_id, config, control, on_step=progress, on_block=on_block,
                            **session_options).run()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    info = store.get_run(run_id)
    if progress is not None:
        progress.show(info.steps_done, final=True)
    print(run_id)
    if status == "failed":
        print(f"farm-gui: run {run_id} failed: {info.error} (details in {log_path()})", file=sys.stderr)
        return EXIT_FAILURE
    if received:
        print(f"farm-gui: run {run_id} stopped after {info.steps_done} steps", file=sys.stderr)
        return 128 + received[0]
    if status == "finished" and info.steps_done < info.total_steps:
        # the bar stopped at 44 % with no word why: the model ended the run itself
        print(f"farm-gui: run {run_id} ended itself after {info.steps_done} of {info.total_steps} steps "
              f"(its model's end: {_final_values(store, info)})", file=sys.stderr)
    return EXIT_OK


def cmd_run(args: argparse.Namespace) -> int:
    from farm_gui.cli_model_run import model_params

    model, config = model_params(args)  # --model, --preset, --config, --set (cli_model_run.py)
    store = _open(args.db, create=True)
    try:
        run_id = store.create_run(config, name=args.name, model=model)
        return record_in_foreground(store, run_id, config, args.quiet)
    finally:
        store.close()


def _config_of_run(db: str | None, ref: str, with_model: bool = False):
    """The configuration a stored run was made with (`run --from-run RUN`); with
    `with_model`, (its model, its configuration)."""
    from farm_gui.store.side_tables import refuse_continuation

    store = _open(db)
    try:
        run_id = _find_run(store, ref)
        # an imported AgentFarm run is not re-run as such: `--agentfarm-config` takes its configuration
        refuse_continuation(store.get_run(run_id), "re-run (use `farm-gui run --agentfarm-config` with "
                            "its AgentFarm configuration, or Run > Run Side by Side in the window)")
        if with_model:
            return store.get_run(run_id).model, store.run_config(run_id)
        return store.run_config(run_id)
    finally:
        store.close()


def cmd_runs(args: argparse.Namespace) -> int:
    store = _open(args.db)
    try:
        runs = store.list_runs()
    finally:
        store.close()
    if args.json:
        rows = [{"id": r.id, "name": r.name, "model": r.model, "status": r.status, "seed": r.seed,
                 "total_steps": r.total_steps, "steps_done": r.steps_done, "last_alive": r.last_alive,
                 "created_at": r.created_at.isoformat(),
                 "started_at": r.started_at.isoformat() if r.started_at else None,
                 "finished_at": r.finished_at.isoformat() if r.finished_at else None,
                 "model_version": r.model_version,
                 "error": r.error, "notes": r.notes, "parent_run": r.parent_run,
                 "parent_step": r.parent_step} for r in runs]
        print(json.dumps(rows, indent=2))
        return EXIT_OK
    if not runs:
        print(f"no runs in {store.url}")
        return EXIT_OK
    # columns as wide as their widest entry (an experiment's seeds have up to 20 digits)
    model_w = max(16, *(len(r.model) for r in runs))
    seed_w = max(12, *(len(str(r.seed)) for r in runs))
    print(f"{'id':>5}  {'model':<{model_w}} {'status':<11} {'steps':>15}  {'seed':>{seed_w}}  "
          f"{'created':<19}  name")
    for r in runs:
        print(f"{r.id:>5}  {r.model:<{model_w}} {r.status:<11} {f'{r.steps_done}/{r.total_steps}':>15}  "
              f"{r.seed:>{seed_w}}  {_fmt_time(r.created_at):<19}  {r.name}")
    return EXIT_OK


def cmd_show(args: argparse.Namespace) -> int:
    from farm_gui.config import config_to_dict

    store = _open(args.db)
    try:
        run_id = _find_run(store, args.run)
        r = store.get_run(run_id)
        config = store.run_config(run_id)
        snapshots = store.snapshot_steps(run_id)
        checkpoint_steps = store.checkpoint_steps(run_id)
        from farm_gui.store.side_tables import read_run_source

        source = read_run_source(store, run_id)
        final = _final_values(store, r)
    finally:
        store.close()
    rate = f"{r.steps_per_s:,.1f}" if r.steps_per_s else "-"
    lines = [
        f"run {r.id}: {r.name}",
        f"  model       {r.model}" + (f" (version {r.model_version})" if r.model_version else ""),
        f"  status      {r.status}",
        f"  steps       {r.steps_done} of {r.total_steps}", f"  last step   {final}",
        f"  seed        {r.seed}", f"  created     {_fmt_time(r.created_at)}",
        f"  started     {_fmt_time(r.started_at)}", f"  finished    {_fmt_time(r.finished_at)}",
        f"  speed       {rate} steps/s", f"  snapshots   {len(snapshots)} stored",
        f"  checkpoints {len(checkpoint_steps)} stored"
        + (f" (steps {checkpoint_steps[0]}..{checkpoint_steps[-1]})" if checkpoint_steps else ""),
    ]
    if r.parent_run is not None:
        lines.insert(2, f"  forked from run {r.parent_run} at step {r.parent_step}")
    if r.error:
        lines.append(f"  error       {r.error}")
    if r.notes:
        lines.append("  notes       " + r.notes.replace("\n", "\n              "))
    if source is not None:  # an imported run: where from, and what did not come along
        lines += [f"  imported    from {source.kind} file {source.path}"
                  + (f", simulation {source.source_id}" if source.source_id else ""),
                  f"  sha256      {source.sha256}"]
        lines += [f"  missing     {m}" for m in source.details.get("missing", [])]
        lines += [f"  note        {n}" for n in source.details.get("notes", [])]
        lines += [f"  unmapped    {k} ({why})" for k, why in source.details.get("unmapped_config_keys", [])]
    lines.append("  config")
    lines += [f"    {k}: {json.dumps(v)}" for k, v in config_to_dict(config).items()]
    print("\n".join(lines))
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from farm_gui.store import export_runs

    store = _open(args.db)
    try:
        run_ids = [_find_run(store, ref) for ref in args.runs]
        paths = export_runs(store, run_ids, args.out, args.format, steps=args.steps, overwrite=args.overwrite)
    finally:
        store.close()
    for path in paths:
        print(path)
    return EXIT_OK


def cmd_import_agentfarm(args: argparse.Namespace) -> int:
    from farm_gui.agentfarm import AgentFarmFile, import_agentfarm

    with AgentFarmFile(args.file):  # refuse a file that is not AgentFarm's before creating --db
        pass
    store = _open(args.db, create=True)
    try:
        report = import_agentfarm(args.file, store, name=args.name)
    finally:
        store.close()
    for result in report.results:
        print(result.run_id)
        print(result.summary(), file=sys.stderr)
    for skipped in report.skipped:
        print(f"farm-gui: skipped {skipped}", file=sys.stderr)
    return EXIT_OK


def cmd_analyze(args: argparse.Namespace) -> int:
    from farm_gui.analysis import AnalysisError
    from farm_gui.analysis.cli_support import analyze_runs, expand_run_refs, parse_param_options

    store = _open(args.db)
    try:
        run_ids = expand_run_refs(store, args.runs, _find_run)
        params = parse_param_options(args.param, args.params_json)
        analyze_runs(store, run_ids, args.module, params, args.out)
    except AnalysisError as err:
        raise UsageError(str(err)) from None
    finally:
        store.close()
    return EXIT_OK


# ----- parser and entry point --------------------------------------------------------------


def _db_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", metavar="PATH", help="database file or SQLAlchemy URL "
                   "(default: the workspace database in the user data folder)")


def _preset_names() -> str:
    from farm_gui import resources

    try:
        return ", ".join(resources.preset_names())
    except resources.ResourceError:
        return "missing: reinstall Farm GUI"


def _add_run(sub) -> None:
    p = sub.add_parser("run", help="run a simulation headless and store it")
    source = p.add_mutually_exclusive_group()
    source.add_argument("--config", metavar="FILE", help="YAML configuration file")
    source.add_argument("--preset", metavar="NAME",
                        help="a preset of the model (`farm-gui models` lists them; "
                        f"foraging: {_preset_names()})")
    source.add_argument("--from-run", metavar="RUN", help="the configuration of a stored run (re-run it)")
    source.add_argument("--agentfarm-config", metavar="FILE",
                        help="AgentFarm configuration (YAML or its saved JSON), mapped onto this model's "
                        "parameters; keys without a counterpart are listed on stderr")
    p.add_argument("--model", metavar="NAME", help="the model to run (`farm-gui models`; default: foraging, "
                   "or the model: key of --config)")
    p.add_argument("--set", action="append", metavar="KEY=VALUE",
                   help="set a parameter (repeatable; value read as YAML), e.g. --set seed=3")
    p.add_argument("--steps", type=int, help="number of steps (overrides the configuration)")
    p.add_argument("--seed", type=int, help="random seed (overrides the configuration)")
    p.add_argument("--snapshot-every", type=int, metavar="N", help="store the world every N steps")
    p.add_argument("--name", help="name of the run")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    _db_option(p)
    p.set_defaults(func=cmd_run)


def _add_runs(sub) -> None:
    p = sub.add_parser("runs", aliases=["list"], help="list the runs in a database")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    _db_option(p)
    p.set_defaults(func=cmd_runs)


def _add_show(sub) -> None:
    p = sub.add_parser("show", help="show one run and its configuration")
    p.add_argument("run", help="run id (or exact name)")
    _db_option(p)
    p.set_defaults(func=cmd_show)


def _add_export(sub) -> None:
    p = sub.add_parser("export", help="export runs to CSV, Parquet or JSON")
    p.add_argument("runs", nargs="+", metavar="RUN", help="run id (or exact name)")
    p.add_argument("--format", required=True, choices=("csv", "parquet", "json"))
    p.add_argument("--out", required=True, metavar="DIR", help="folder to write into")
    p.add_argument("--steps", type=_parse_steps, metavar="A:B", help="only steps A (incl.) to B (excl.)")
    p.add_argument("--overwrite", action="store_true", help="replace existing files")
    _db_option(p)
    p.set_defaults(func=cmd_export)


def _add_analyze(sub) -> None:
    p = sub.add_parser("analyze", help="analyse stored runs; print a summary and write result files",
                       description="Modules: population, survival, spatial, dominance, comparison (two or "
                       "more runs), wealth, sensitivity (an experiment's runs: experiment:ID), and models' "
                       "own (the foraging ecology's resources, actions). "
                       "A module runs only on runs whose model has the data it needs; for others it is "
                       "refused, naming what is missing (exit 2). The result is also kept in the database.")
    p.add_argument("runs", nargs="+", metavar="RUN",
                   help="run id (or exact name); experiment:ID for the finished runs of an experiment")
    p.add_argument("--module", required=True, metavar="NAME", help="analysis module")
    p.add_argument("--param", action="append", metavar="KEY=VALUE",
                   help="module parameter (repeatable), e.g. --param min_prominence=2")
    p.add_argument("--params-json", metavar="JSON", help="module parameters as a JSON object")
    p.add_argument("--out", default=".", metavar="DIR",
                   help="folder for the CSV and JSON files (default: the current folder)")
    _db_option(p)
    p.set_defaults(func=cmd_analyze)


def cmd_desktop_install(args: argparse.Namespace) -> int:
    from farm_gui import desktop

    try:
        report = desktop.install()
    except OSError as err:
        raise UsageError(f"cannot install the desktop entry: {err}") from None
    print(f"installed {report.written[0]} and {len(report.written) - 1} icon and file-type files "
          f"under {desktop.data_home()}")
    for note in report.notes:
        print(f"note: {note}", file=sys.stderr)
    return EXIT_OK


def cmd_desktop_uninstall(args: argparse.Namespace) -> int:
    from farm_gui import desktop

    try:
        report = desktop.uninstall()
    except OSError as err:
        raise UsageError(f"cannot remove the desktop entry: {err}") from None
    print(f"removed {len(report.removed)} files under {desktop.data_home()}" if report.removed
          else f"nothing to remove under {desktop.data_home()}")
    for note in report.notes:
        print(f"note: {note}", file=sys.stderr)
    return EXIT_OK


def _add_desktop(sub) -> None:
    p = sub.add_parser("desktop-install", help="add Farm GUI to the desktop's application menu and "
                       "open .farmws workspaces with it (under $XDG_DATA_HOME)")
    p.set_defaults(func=cmd_desktop_install)
    p = sub.add_parser("desktop-uninstall", help="remove what desktop-install added")
    p.set_defaults(func=cmd_desktop_uninstall)


def _add_import_agentfarm(sub) -> None:
    p = sub.add_parser("import-agentfarm", help="import the simulations of an AgentFarm database as runs",
                       description="Each simulation in FILE becomes a read-only run (model agentfarm); "
                       "prints the new run ids. FILE is opened read-only and never changed.")
    p.add_argument("file", metavar="FILE", help="AgentFarm simulation database (SQLite)")
    p.add_argument("--name", help="name of the run(s) (default: the file name)")
    _db_option(p)
    p.set_defaults(func=cmd_import_agentfarm)


# Each entry adds one subcommand (a parser whose defaults set func=handler(args) -> int).
def _add_continue(sub) -> None:
    from farm_gui.cli_continue import add_fork, add_resume

    add_resume(sub)
    add_fork(sub)


def _add_models(sub) -> None:
    from farm_gui.cli_models import add_models

    add_models(sub)


def _add_experiment(sub) -> None:
    from farm_gui.cli_experiment import add_experiment

    add_experiment(sub)


COMMANDS = [_add_models, _add_run, _add_runs, _add_show, _add_export, _add_analyze, add_analyses, add_rename,
            add_notes, add_delete, _add_desktop, _add_import_agentfarm, _add_continue, _add_experiment]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="farm-gui", description="Farm GUI: agent-based simulation workbench. "
        "Without a command, opens the application.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for add in COMMANDS:
        add(sub)
    return parser


def _command_names(parser: argparse.ArgumentParser) -> set[str]:
    return {name for action in parser._subparsers._group_actions for name in action.choices}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    if len(argv) == 1 and argv[0] not in _command_names(parser):
        from farm_gui.desktop import looks_like_workspace

        if looks_like_workspace(argv[0]):  # `farm-gui PATH` (and a double-clicked workspace)
            from farm_gui.app import main as gui_main

            return gui_main(workspace=argv[0])
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # argparse already printed the usage message
        return int(exit_.code or 0)
    if args.command is None:
        from farm_gui.app import main as gui_main

        return gui_main()
    from farm_gui.config import ConfigError
    from farm_gui.store import StoreError

    log_file = _setup_logging()
    try:
        return args.func(args)
    except (ConfigError, StoreError, UsageError) as err:
        print(f"farm-gui: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:  # output piped into e.g. `head`, which stopped reading
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except KeyboardInterrupt:
        print("farm-gui: interrupted", file=sys.stderr)
        return 128 + signal.SIGINT
    except Exception as err:
        logging.getLogger("farm_gui.cli").error("unexpected failure\n%s", traceback.format_exc())
        print(f"farm-gui: unexpected error: {type(err).__name__}: {err} (details in {log_file})",
              file=sys.stderr)
        return EXIT_FAILURE


if __name__ == "__main__":
    # Run the imported module, not this __main__ copy: commands in other modules import
    # farm_gui.cli, and its UsageError must be the one main() catches.
    from farm_gui.cli import main as _main

    sys.exit(_main())
