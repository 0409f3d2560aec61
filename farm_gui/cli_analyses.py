"""`farm-gui analyses`: the stored analyses from the shell.

    farm-gui analyses [--json] [--module M] [--run RUN] [--status S]     list, newest first
    farm-gui analyses show ID [--json] [--out DIR]                        one result (and its files)
    farm-gui analyses stats [--json]                                      counts, durations, space
    farm-gui analyses prune [--older-than 30d] [--status failed,stopped] [--keep-last N]
                            [--dry-run] [--yes]                           remove old results
    farm-gui analyses delete ID [ID ...] [--yes]                          remove these

Prune and delete are one transaction each: all or nothing. Exit codes as for the other
commands: 2 for an unknown id or run, bad options, or a removal not confirmed.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from datetime import timedelta
from typing import Any

UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_age(text: str) -> timedelta:
    """``30d``, ``12h``, ``90m``, ``2w``, ``45s``; a bare number is days."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*", text or "")
    if not match:
        raise argparse.ArgumentTypeError(f"expected an age like 30d, 12h, 90m or 2w, got {text!r}")
    return timedelta(**{UNITS[match.group(2) or "d"]: float(match.group(1))})


def human_bytes(n: int) -> str:
    size = float(n)
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{n} B"


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def info_dict(info, present: set[int] | None = None) -> dict[str, Any]:
    row = {"id": info.id, "module": info.module, "run_ids": list(info.run_ids), "params": info.params,
           "status": info.status, "created_at": _iso(info.created_at), "started_at": _iso(info.started_at),
           "finished_at": _iso(info.finished_at), "duration_s": info.duration_s, "error": info.error,
           "size_bytes": info.size_bytes}
    if present is not None:
        row["missing_run_ids"] = [r for r in info.run_ids if r not in present]
    return row


def _runs_text(info, present: set[int]) -> str:
    return ",".join(f"{r}" if r in present else f"{r}(deleted)" for r in info.run_ids)


def _confirm(question: str, yes: bool, what: str) -> None:
    """Go on with --yes, or after a "y" on a terminal; otherwise a UsageError."""
    from farm_gui.cli import UsageError

    if yes:
        return
    if sys.stdin.isatty():
        sys.stderr.write(f"{question} [y/N] ")
        sys.stderr.flush()
        if sys.stdin.readline().strip().lower() in ("y", "yes"):
            return
        raise UsageError(f"nothing {what}")
    raise UsageError(f"{question.rstrip('?')}: add --yes to confirm (nothing {what})")


# ----- commands -------------------------------------------------------------------------


def cmd_list(args: argparse.Namespace) -> int:
    from farm_gui.cli import EXIT_OK, _find_run, _fmt_time, _open

    store = _open(args.db)
    try:
        run_id = _find_run(store, args.run) if args.run else None
        infos = store.list_analyses(module=args.module, run_id=run_id, status=args.status)
        present = store.run_ids_present()
    finally:
        store.close()
    if args.json:
        print(json.dumps([info_dict(a, present) for a in infos], indent=2))
        return EXIT_OK
    if not infos:
        print(f"no analyses in {store.url}" + (" match" if args.module or args.run or args.status else ""))
        return EXIT_OK
    print(f"{'id':>5}  {'module':<11} {'runs':<14} {'status':<9} {'started':<19} {'time':>8}  "
          "parameters / error")
    for a in infos:
        duration = f"{a.duration_s:.1f}s" if a.duration_s is not None else "-"
        params = " ".join(f"{k}={json.dumps(v)}" for k, v in a.params.items())
        print(f"{a.id:>5}  {a.module:<11} {_runs_text(a, present):<14} {a.status:<9} "
              f"{_fmt_time(a.started_at):<19} {duration:>8}  {a.error or params}")
    return EXIT_OK


def cmd_show(args: argparse.Namespace) -> int:
    from farm_gui.analysis import AnalysisError, result_from_json, result_to_json, write_result_files
    from farm_gui.analysis.cli_support import format_value
    from farm_gui.analysis.serialize import default_stem
    from farm_gui.cli import EXIT_OK, UsageError, _fmt_time, _open

    store = _open(args.db)
    try:
        info, payload = store.load_analysis(args.id)
        present = store.run_ids_present()
    finally:
        store.close()
    try:
        result = result_from_json(payload) if payload else None
    except AnalysisError as err:
        raise UsageError(f"analysis {info.id}: {err}") from None
    paths = []
    if args.out:
        if result is None:
            raise UsageError(f"analysis {info.id} is {info.status} and has no result to write")
        try:
            paths = write_result_files(result, args.out, default_stem(result))
        except AnalysisError as err:
            raise UsageError(str(err)) from None
    if args.json:
        data = info_dict(info, present)
        data["result"] = json.loads(result_to_json(result)) if result is not None else None
        data["files"] = [str(p) for p in paths]
        print(json.dumps(data, indent=2))
        return EXIT_OK
    lines = [f"analysis {info.id}: {info.module} of run{'s' if len(info.run_ids) > 1 else ''} "
             f"{_runs_text(info, present)}",
             f"  status      {info.status}", f"  started     {_fmt_time(info.started_at)}",
             f"  finished    {_fmt_time(info.finished_at)}",
             f"  duration    {info.duration_s:.2f} s" if info.duration_s is not None else "  duration    -",
             f"  parameters  {json.dumps(info.params, sort_keys=True)}"]
    missing = [r for r in info.run_ids if r not in present]
    if missing:
        lines.append(f"  note        run{'s' if len(missing) > 1 else ''} {', '.join(map(str, missing))} "
                     "no longer exist; the result is kept as it was computed")
    if info.error:
        lines.append(f"  error       {info.error}")
    if result is not None:
        lines.append("  summary")
        width = max((len(k) for k in result.summary), default=0)
        lines += [f"    {k:<{width}}  {format_value(v)}" for k, v in result.summary.items()]
        lines.append("  tables")
        lines += [f"    {name}: {len(t)} rows x {len(t.columns)} columns ({', '.join(map(str, t.columns))})"
                  for name, t in result.tables.items()]
        lines.append("  series")
        lines += [f"    {name}: {len(next(iter(s.values()), []))} points"
                  for name, s in result.series.items()]
    print("\n".join(lines))
    for path in paths:
        print(path)
    return EXIT_OK


def stats_dict(stats: dict) -> dict:
    return {**stats, "oldest": _iso(stats["oldest"]), "newest": _iso(stats["newest"])}


def cmd_stats(args: argparse.Namespace) -> int:
    from farm_gui.cli import EXIT_OK, _fmt_time, _open

    store = _open(args.db)
    try:
        stats = store.analysis_stats()
    finally:
        store.close()
    if args.json:
        print(json.dumps(stats_dict(stats), indent=2))
        return EXIT_OK
    mean = stats["mean_duration_s"]
    lines = [f"{stats['total']} analyses in {store.url}, taking {human_bytes(stats['size_bytes'])}",
             "  by status   " + (", ".join(f"{k} {v}" for k, v in sorted(stats["by_status"].items())) or "-"),
             "  by module   " + (", ".join(f"{k} {v}" for k, v in sorted(stats["by_module"].items())) or "-"),
             f"  duration    total {stats['total_duration_s']:.1f} s, mean "
             + (f"{mean:.2f} s" if mean is not None else "-"),
             f"  oldest      {_fmt_time(stats['oldest'])}", f"  newest      {_fmt_time(stats['newest'])}"]
    print("\n".join(lines))
    return EXIT_OK


def _report_removed(removed, size: int, dry: bool) -> None:
    verb = "would remove" if dry else "removed"
    if not removed:
        print("nothing to remove")
        return
    for a in removed:
        print(f"  {a.id:>5}  {a.module:<11} runs {','.join(map(str, a.run_ids)):<12} {a.status:<9} "
              f"{a.created_at.astimezone().strftime('%Y-%m-%d %H:%M')}")
    print(f"{verb} {len(removed)} analys{'is' if len(removed) == 1 else 'es'}, "
          f"{'freeing' if dry else 'freed'} {human_bytes(size)} of stored results")


def cmd_prune(args: argparse.Namespace) -> int:
    from farm_gui.cli import EXIT_OK, UsageError, _open

    if args.older_than is None and args.status is None and args.keep_last is None:
        raise UsageError("say what to remove: --older-than AGE, --status S[,S] and/or --keep-last N")
    criteria = {"older_than": args.older_than, "statuses": args.status, "keep_last": args.keep_last}
    store = _open(args.db)
    try:
        plan = store.prune_analyses(**criteria, dry_run=True)
        if args.dry_run or not plan.remove:
            _report_removed(plan.remove, plan.size_bytes, dry=True)
            return EXIT_OK
        _confirm(f"Remove {len(plan.remove)} analyses ({human_bytes(plan.size_bytes)})?", args.yes, "removed")
        done = store.prune_analyses(**criteria)
    finally:
        store.close()
    _report_removed(done.remove, done.size_bytes, dry=False)
    return EXIT_OK


def cmd_delete(args: argparse.Namespace) -> int:
    from farm_gui.cli import EXIT_OK, _open

    store = _open(args.db)
    try:
        for analysis_id in args.ids:
            store.load_analysis(analysis_id)  # unknown ids: StoreError (exit 2) before asking
        _confirm(f"Delete analys{'is' if len(args.ids) == 1 else 'es'} {', '.join(map(str, args.ids))}?",
                 args.yes, "deleted")
        removed = store.delete_analyses(args.ids)
    finally:
        store.close()
    _report_removed(removed, sum(a.size_bytes for a in removed), dry=False)
    return EXIT_OK


def cmd_analyses(args: argparse.Namespace) -> int:
    args.json = bool(getattr(args, "json", False) or getattr(args, "list_json", False))
    handler = {None: cmd_list, "list": cmd_list, "show": cmd_show, "stats": cmd_stats, "prune": cmd_prune,
               "delete": cmd_delete}[args.action]
    return handler(args)


# ----- parser -----------------------------------------------------------------------------


def _db(p: argparse.ArgumentParser, dest: str = "db") -> None:
    p.add_argument("--db", dest=dest, metavar="PATH", help="database file or SQLAlchemy URL "
                   "(default: the workspace database in the user data folder)")


def _statuses(text: str) -> str:
    from farm_gui.store.analyses_table import ANALYSIS_STATUSES

    names = [s.strip() for s in text.split(",") if s.strip()]
    unknown = [s for s in names if s not in ANALYSIS_STATUSES]
    if not names or unknown:
        raise argparse.ArgumentTypeError(f"unknown status {', '.join(unknown) or text!r}; "
                                         f"expected one or more of {', '.join(ANALYSIS_STATUSES)}")
    return ",".join(names)


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a number of analyses (0 or more), got {text!r}")
    return value


def add_analyses(sub) -> None:
    p = sub.add_parser("analyses", help="list, show, count and clean up stored analyses",
                       description="Without an action: every stored analysis, newest first.")
    p.add_argument("--json", dest="list_json", action="store_true", help="machine-readable output")
    p.add_argument("--module", metavar="M", help="only analyses of this module")
    p.add_argument("--run", metavar="RUN", help="only analyses that used this run (id or exact name)")
    p.add_argument("--status", type=_statuses, metavar="S", help="only these statuses (comma-separated)")
    _db(p, "list_db")
    actions = p.add_subparsers(dest="action", metavar="ACTION")

    # `analyses list` as `experiment list`: the same as no action (its options given after it too)
    listed = actions.add_parser("list", help="every stored analysis, newest first (the same as no action)")
    listed.add_argument("--json", action="store_true", default=argparse.SUPPRESS,
                        help="machine-readable output")
    listed.add_argument("--module", metavar="M", default=argparse.SUPPRESS,
                        help="only analyses of this module")
    listed.add_argument("--run", metavar="RUN", default=argparse.SUPPRESS,
                        help="only analyses that used this run (id or exact name)")
    listed.add_argument("--status", type=_statuses, metavar="S", default=argparse.SUPPRESS,
                        help="only these statuses (comma-separated)")
    listed.add_argument("--db", metavar="PATH", default=argparse.SUPPRESS,
                        help="database file or SQLAlchemy URL (default: the workspace database)")

    show = actions.add_parser("show", help="one analysis: summary, tables, series (and its files)")
    show.add_argument("id", type=int, help="analysis id (see `farm-gui analyses`)")
    show.add_argument("--json", action="store_true", help="machine-readable output, the whole result")
    show.add_argument("--out", metavar="DIR", help="write the same files `analyze --out` writes")
    _db(show)

    stats = actions.add_parser("stats", help="counts by status and module, durations, space taken")
    stats.add_argument("--json", action="store_true", help="machine-readable output")
    _db(stats)

    prune = actions.add_parser("prune", help="remove old results (one transaction)")
    prune.add_argument("--older-than", type=parse_age, metavar="AGE", help="created more than AGE ago "
                       "(30d, 12h, 2w)")
    prune.add_argument("--status", type=_statuses, metavar="S",
                       help="only these statuses, e.g. failed,stopped")
    prune.add_argument("--keep-last", type=_count, metavar="N", help="keep the N newest of those matched")
    prune.add_argument("--dry-run", action="store_true", help="only list what would be removed")
    prune.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    _db(prune)

    delete = actions.add_parser("delete", help="remove these analyses (one transaction)")
    delete.add_argument("ids", nargs="+", type=int, metavar="ID")
    delete.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    _db(delete)
    p.set_defaults(func=_dispatch, action=None)


def _dispatch(args: argparse.Namespace) -> int:
    if getattr(args, "db", None) is None:  # `analyses --db X [ACTION]`
        args.db = getattr(args, "list_db", None)
    return cmd_analyses(args)
