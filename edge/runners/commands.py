"""Subcommands: ``treadwatch sessions report SESSION [--pdf out.pdf]`` and
``treadwatch runners list|export|report|delete`` (``runners report N --from --to``).
The spelling before them, ``treadwatch report SESSION`` (or ``--runner N``), still works."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from edge.errors import TreadwatchError
from edge.recording.commands import _common, _date, _db_path, write_output
from edge.recording.store import SessionStore
from edge.runners import store as runners


def _positive_id(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) < 2**63:
        raise TreadwatchError(f"{text!r} is not a runner id (see `treadwatch runners list`)")
    return int(text)


def _report(args: argparse.Namespace) -> int:
    from edge.runners.report import runner_report_html, session_report_html

    if (args.session is None) == (args.runner is None):
        raise TreadwatchError("give a SESSION, or --runner N (with --from/--to), not both")
    with SessionStore(_db_path(args)) as store:
        if args.session is not None:
            info = store.session(args.session)
            text = session_report_html(store, info.id)
            what = f"report of session {info.id}"
        else:
            rid = _positive_id(args.runner)
            runners.get_runner(store, rid)
            t_from = _date(args.date_from) if args.date_from else None
            t_to = _date(args.date_to) + 86400.0 if args.date_to else None
            text = runner_report_html(store, rid, t_from, t_to)
            what = f"report of runner {rid}"
    if args.pdf is not None:
        from edge.runners.pdf import html_to_pdf

        html_to_pdf(text, Path(args.pdf))
        print(f"{what} written to {args.pdf}", file=sys.stderr)
    if args.html is not None or args.pdf is None:
        write_output(text, args.html, what)
    return 0


def _runners_list(args: argparse.Namespace) -> int:
    with SessionStore(_db_path(args)) as store:
        found = runners.list_runners(store)
    print(f"{'id':>5}  {'sessions':>8}  {'clips':5}  name")
    for r in found:
        print(f"{r.id:>5}  {r.n_sessions:>8}  {'yes' if r.consent_clips else 'no':5}  {r.name}")
    return 0


def _runners_export(args: argparse.Namespace) -> int:
    from edge.runners.export import runner_csv, runner_json

    rid = _positive_id(args.runner)
    with SessionStore(_db_path(args)) as store:
        text = runner_csv(store, rid) if args.format == "csv" else runner_json(store, rid)
    write_output(text, args.output, f"runner {rid}")
    return 0


def _runners_delete(args: argparse.Namespace) -> int:
    rid = _positive_id(args.runner)
    with SessionStore(_db_path(args)) as store:
        done = runners.delete_runner(store, rid, args.sessions)
    print(
        f"runner {rid} deleted: {done['sessions_deleted']} session(s) deleted, "
        f"{done['sessions_anonymised']} anonymised, {done['clips_deleted']} clip(s) deleted"
    )
    return 0


def _report_output(p: Any) -> None:
    p.add_argument("--pdf", default=None, help="write a PDF here (printed by Chromium)")
    p.add_argument("--html", default=None, help="write the HTML page here (default: stdout)")
    _common(p)
    p.set_defaults(func=_report)


def _runner_period(p: Any) -> None:
    p.add_argument("--from", dest="date_from", default=None, help="from this day (YYYY-MM-DD)")
    p.add_argument("--to", dest="date_to", default=None, help="up to this day (YYYY-MM-DD)")


def register(sub: Any, sessions: Any) -> None:
    """``runners …`` under ``sub``, and ``report`` under ``sessions`` (the actions of
    ``treadwatch sessions``)."""
    p = sessions.add_parser("report", help="a session's one-page report as HTML or PDF")
    p.add_argument("session", help="session id or uid")
    p.set_defaults(runner=None, date_from=None, date_to=None)
    _report_output(p)

    p = sub.add_parser("report")  # the spelling before `sessions report` (unlisted)
    p.add_argument("session", nargs="?", default=None, help="session id or uid")
    p.add_argument("--runner", default=None, help="a runner's progress report instead")
    _runner_period(p)
    _report_output(p)

    p = sub.add_parser("runners", help="the runner list: list, export, report, delete")
    rsub = p.add_subparsers(dest="runners_command", metavar="ACTION")
    rsub.required = True
    q = rsub.add_parser("list", help="list the runners")
    _common(q)
    q.set_defaults(func=_runners_list)
    q = rsub.add_parser("export", help="a runner's whole history as CSV (steps) or JSON")
    q.add_argument("runner", help="runner id")
    q.add_argument("--format", choices=("csv", "json"), default="json")
    q.add_argument("-o", "--output", default=None, help="output file (default: stdout)")
    _common(q)
    q.set_defaults(func=_runners_export)
    q = rsub.add_parser("report", help="a runner's progress report as HTML or PDF")
    q.add_argument("runner", help="runner id")
    q.set_defaults(session=None)
    _runner_period(q)
    _report_output(q)
    q = rsub.add_parser("delete", help="delete a runner (a patient's request)")
    q.add_argument("runner", help="runner id")
    q.add_argument(
        "--sessions",
        choices=("delete", "anonymise"),
        required=True,
        help="delete their sessions (and clips), or keep them as a guest's without clips",
    )
    _common(q)
    q.set_defaults(func=_runners_delete)
