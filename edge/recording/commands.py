"""Subcommands: ``treadwatch sessions list|delete|export SESSION`` and ``treadwatch backup``."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

from edge.atomic import write_atomic
from edge.catalogue import info
from edge.config.root import load_config
from edge.errors import StorageError, TreadwatchError
from edge.recording.export import export_json, export_session_json
from edge.recording.export_csv import strides_csv
from edge.recording.store import SessionStore


def _db_path(args: argparse.Namespace) -> Path:
    if args.db is not None:
        path = Path(args.db)
    else:
        path = load_config(args.config).recording.resolved_db_path()
    if not path.is_file():
        raise StorageError(
            f"no session database at {path} (nothing recorded yet, or set recording.db_path)"
        )
    return path


def _date(text: str) -> float:
    try:
        d = dt.date.fromisoformat(text)
    except ValueError:
        raise TreadwatchError(f"{text!r} is not a date: use YYYY-MM-DD") from None
    return dt.datetime(d.year, d.month, d.day).timestamp()  # local midnight


def _fmt_time(t: float) -> str:
    return dt.datetime.fromtimestamp(t).strftime("%Y-%m-%d %H:%M:%S")


def _sessions_list(args: argparse.Namespace) -> int:
    with SessionStore(_db_path(args)) as store:
        sessions = store.list_sessions(
            date_from=_date(args.date_from) if args.date_from else None,
            date_to=_date(args.date_to) + 86400.0 if args.date_to else None,
            device_id=args.device,
        )
    if args.json:
        rows = [
            {
                "id": s.id,
                "uid": s.uid,
                "device": s.device_id,
                "start": s.started_at,
                "end": s.ended_at,
                "steps": s.n_strides,
            }
            for s in sessions
        ]
        print(json.dumps(rows, indent=1))
        return 0
    print(f"{'id':>5}  {'started':19}  {'duration':>8}  {'steps':>5}  {'cadence':>7}  "
          f"{'alerts':>6}  device / source")  # fmt: skip
    for s in sessions:
        # as every screen shows it (the catalogue's rounding)
        cad = f"{info('cadence_spm').text(s.cadence_spm):>7}"
        where = s.device_id + (f" ({s.source_name})" if s.source_name else "")
        state = "" if s.ended_at is not None else "  [recording]"
        print(
            f"{s.id:>5}  {_fmt_time(s.started_at)}  {s.duration_s:7.1f}s  {s.n_strides:>5}  "
            f"{cad}  {s.n_alerts:>6}  {where}{state}"
        )
    return 0


def _sessions_delete(args: argparse.Namespace) -> int:
    with SessionStore(_db_path(args)) as store:
        info = store.session(args.session)
        if info.ended_at is None and not args.force:
            raise StorageError(
                f"session {info.id} is still open (being recorded, or left open by a crash "
                "and not yet closed by a start): add --force to delete it anyway"
            )
        store.delete_session(info.id)
    print(f"session {info.id} deleted")
    return 0


def write_output(text: str, output: str | Path | None, what: str) -> None:
    """``text`` to standard output (``None`` or ``-``), else atomically to the file ``output``."""
    if output is None or str(output) == "-":
        sys.stdout.write(text)
        return
    out = Path(output)
    try:
        write_atomic(out, text)
    except OSError as exc:
        raise StorageError(f"cannot write {out}: {exc}") from None
    print(f"{what} written to {out}", file=sys.stderr)


def _export(args: argparse.Namespace) -> int:
    with SessionStore(_db_path(args)) as store:
        info = store.session(args.session)
        if args.format == "csv":
            text = strides_csv(store.strides(info.id), info.t_start_s)
        elif args.format == "json":
            text = export_json(store, info)
        else:
            text = export_session_json(store, info)
            if not text.endswith("\n"):
                text += "\n"
    write_output(text, args.output, f"session {info.id}")
    return 0


def _backup(args: argparse.Namespace) -> int:
    from edge.recording.backup import backup_database

    target = backup_database(_db_path(args), Path(args.dest))
    size = target.stat().st_size / 1e6
    print(f"backup written to {target} ({size:.1f} MB)")
    return 0


def _common(p: Any) -> None:
    p.add_argument("--config", type=Path, default=None, help="config file (for recording.db_path)")
    p.add_argument("--db", type=Path, default=None, help="session database (overrides config)")


def add_export(sub: Any, name: str = "export", listed: bool = True) -> None:
    """``export SESSION`` under ``sub`` (``sessions export``; the old top-level spelling
    ``treadwatch export`` unlisted)."""
    about = {"help": "a recorded session as CSV (steps) or JSON"} if listed else {}
    p = sub.add_parser(name, **about)
    p.add_argument("session", help="session id (see `treadwatch sessions list`) or uid")
    p.add_argument(
        "--format",
        choices=("csv", "json", "session"),
        default="csv",
        help="csv: one row per step; json: the `analyze --report` schema (the stored "
        "landmarks analysed again); session: everything recorded live, as JSON",
    )
    p.add_argument("-o", "--output", default=None, help="output file (default: stdout)")
    _common(p)
    p.set_defaults(func=_export)


def register(sub: Any) -> Any:
    """``sessions list|delete|export`` and ``backup``; returns the ``sessions`` actions
    (the report adds itself there: :mod:`edge.runners.commands`)."""
    p = sub.add_parser("sessions", help="recorded sessions: list, export, report, delete")
    ssub = p.add_subparsers(dest="sessions_command", metavar="ACTION")
    ssub.required = True
    q = ssub.add_parser("list", help="list recorded sessions, newest first")
    _common(q)
    q.add_argument("--from", dest="date_from", default=None, help="from this date (YYYY-MM-DD)")
    q.add_argument("--to", dest="date_to", default=None, help="up to this date (YYYY-MM-DD)")
    q.add_argument("--device", default=None, help="only this device id")
    q.add_argument(
        "--json",
        action="store_true",
        help="print JSON: [{id, uid, device, start, end, steps}] (start/end: Unix seconds)",
    )
    q.set_defaults(func=_sessions_list)
    q = ssub.add_parser("delete", help="delete a session, its data and its clips")
    _common(q)
    q.add_argument("session", help="session id or uid")
    q.add_argument("--force", action="store_true", help="also a session still open")
    q.set_defaults(func=_sessions_delete)
    add_export(ssub)

    p = sub.add_parser(
        "backup",
        help="copy the session database safely while it records (SQLite online backup)",
    )
    p.add_argument("dest", help="backup file, or a directory (a dated file is made in it)")
    _common(p)
    p.set_defaults(func=_backup)
    add_export(sub, listed=False)  # the spelling before `sessions export`
    return ssub
