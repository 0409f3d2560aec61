"""`farm-gui rename|notes|delete`: editing stored runs from the shell.

    farm-gui rename RUN NAME
    farm-gui notes RUN TEXT            (an empty TEXT clears the notes; "-" reads them from stdin)
    farm-gui delete RUN [--with-analyses] [--yes]

Exit codes: 0 done; 2 an unknown run, a run that is still running (delete), or a
deletion not confirmed.
"""

from __future__ import annotations

import argparse
import sys


def cmd_rename(args: argparse.Namespace) -> int:
    from farm_gui.cli import EXIT_OK, _find_run, _open

    store = _open(args.db)
    try:
        run_id = _find_run(store, args.run)
        old = store.get_run(run_id).name
        store.rename_run(run_id, args.name)
        new = store.get_run(run_id).name
    finally:
        store.close()
    print(f"run {run_id}: {old!r} -> {new!r}")
    return EXIT_OK


def cmd_notes(args: argparse.Namespace) -> int:
    from farm_gui.cli import EXIT_OK, _find_run, _open

    text = sys.stdin.read() if args.text == "-" else args.text
    store = _open(args.db)
    try:
        run_id = _find_run(store, args.run)
        store.set_run_notes(run_id, text)
        notes = store.get_run(run_id).notes
    finally:
        store.close()
    print(f"run {run_id}: notes {'cleared' if notes is None else 'saved'}")
    return EXIT_OK


def cmd_delete(args: argparse.Namespace) -> int:
    from farm_gui.cli import EXIT_OK, _find_run, _open
    from farm_gui.cli_analyses import _confirm

    store = _open(args.db)
    try:
        run_id = _find_run(store, args.run)
        info = store.get_run(run_id)
        if info.status in ("running", "paused"):
            from farm_gui.cli import UsageError

            raise UsageError(f"run {run_id} ({info.name}) is {info.status}; stop it before deleting it")
        used_by = store.analyses_of_run(run_id)
        extra = ""
        if used_by:
            count = f"{len(used_by)} analys{'is' if len(used_by) == 1 else 'es'}"
            extra = f" and its {count}" if args.with_analyses else f" (its {count} are kept)"
        _confirm(f"Delete run {run_id} ({info.name}), {info.steps_done} steps{extra}?", args.yes, "deleted")
        removed = store.delete_run(run_id, with_analyses=args.with_analyses)
    finally:
        store.close()
    print(f"deleted run {run_id} ({info.name})")
    if removed:
        print(f"deleted analyses {', '.join(str(a.id) for a in removed)}")
    elif used_by:
        print(f"kept analyses {', '.join(str(a.id) for a in used_by)}: they name run {run_id}, which "
              f"no longer exists (`farm-gui analyses --run {run_id}`; remove them with "
              "`farm-gui analyses delete ID`)")
    return EXIT_OK


def _db(p: argparse.ArgumentParser) -> None:
    from farm_gui.cli import _db_option  # cli imports this module: import it when parsers are built

    _db_option(p)


def add_rename(sub) -> None:
    p = sub.add_parser("rename", help="rename a run")
    p.add_argument("run", help="run id (or exact name)")
    p.add_argument("name", help="the new name")
    _db(p)
    p.set_defaults(func=cmd_rename)


def add_notes(sub) -> None:
    p = sub.add_parser("notes", help="set a run's notes (kept in the database and in exports)")
    p.add_argument("run", help="run id (or exact name)")
    p.add_argument("text", help='the notes ("" clears them, "-" reads them from stdin)')
    _db(p)
    p.set_defaults(func=cmd_notes)


def add_delete(sub) -> None:
    p = sub.add_parser("delete", help="delete a run and all its data")
    p.add_argument("run", help="run id (or exact name)")
    p.add_argument("--with-analyses", action="store_true",
                   help="also delete the stored analyses that used the run (default: keep them)")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    _db(p)
    p.set_defaults(func=cmd_delete)
