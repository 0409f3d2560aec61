"""`farm-gui resume` and `farm-gui fork`: go on from a stored checkpoint.

    farm-gui resume RUN [--steps N] [--db DB]
        A stopped, interrupted, failed (or, with --steps, finished) run continues from its
        last checkpoint in the same run record; what it stored after that checkpoint is
        replaced. --steps N: run N steps from the checkpoint. Prints the run id.
    farm-gui fork RUN --at STEP [--set key=value ...] [--name NAME] [--db DB]
        A new run starts from the checkpoint of RUN at STEP with changed settings.
        Prints the new run id.

Exit 2 (with a message saying which) for a run with no checkpoint (at STEP: the nearest
ones are named), a run still running, a damaged or newer checkpoint, or bad settings;
otherwise the codes of `farm-gui run`.
"""

from __future__ import annotations

import argparse

from farm_gui import cli


def _go_on(store, continuation, quiet: bool) -> int:
    return cli.record_in_foreground(store, continuation.run_id, continuation.config, quiet,
                                    model=continuation.model, fork=continuation.fork)


def cmd_resume(args: argparse.Namespace) -> int:
    from farm_gui.runtime.continuation import prepare_resume

    store = cli._open(args.db)
    try:
        run_id = cli._find_run(store, args.run)
        continuation = prepare_resume(store, run_id, args.steps)
        return _go_on(store, continuation, args.quiet)
    finally:
        store.close()


def cmd_fork(args: argparse.Namespace) -> int:
    from farm_gui.runtime.continuation import parse_settings, prepare_fork

    store = cli._open(args.db)
    try:
        run_id = cli._find_run(store, args.run)
        settings = parse_settings(args.set)
        continuation = prepare_fork(store, run_id, args.at, settings, args.name)
        return _go_on(store, continuation, args.quiet)
    finally:
        store.close()


def add_resume(sub) -> None:
    p = sub.add_parser("resume",
                       help="continue a stopped, interrupted or failed run from its last checkpoint")
    p.add_argument("run", help="run id (or exact name)")
    p.add_argument("--steps", type=int, metavar="N",
                   help="run N steps from the checkpoint (needed to continue a finished run)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    cli._db_option(p)
    p.set_defaults(func=cmd_resume)


def add_fork(sub) -> None:
    p = sub.add_parser("fork",
                       help="start a new run from a checkpoint of a stored run, with changed settings")
    p.add_argument("run", help="run id (or exact name) to fork")
    p.add_argument("--at", type=int, required=True, metavar="STEP", help="checkpoint step to start from")
    p.add_argument("--set", action="append", metavar="KEY=VALUE",
                   help="change a setting (repeatable), e.g. --set base_consumption_rate=0.3")
    p.add_argument("--name", help="name of the new run")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    cli._db_option(p)
    p.set_defaults(func=cmd_fork)
