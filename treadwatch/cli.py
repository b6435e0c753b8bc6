"""The ``treadwatch`` command.

Each area registers its own subcommands (``register(subparsers)``), nested by what they
act on (``sessions export|report``, ``runners export|report``, ``models fetch|list``);
this module only puts them together, parses, dispatches and turns a
:class:`~edge.errors.TreadwatchError` into one line on stderr and a non-zero exit.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import edge.gait.commands
import edge.offline.analyze
import edge.offline.bench
import edge.recording.commands
import edge.runners.commands
import treadwatch.commands
import treadwatch.hub
import treadwatch.serve
from edge import __version__
from edge.errors import TreadwatchError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="treadwatch",
        description="Live running-form feedback from a camera beside a treadmill.",
    )
    parser.add_argument("--version", action="version", version=f"treadwatch {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    treadwatch.commands.register(sub)
    edge.offline.analyze.register(sub)
    edge.offline.bench.register(sub)
    edge.gait.commands.register(sub)
    treadwatch.serve.register(sub)
    sessions = edge.recording.commands.register(sub)
    edge.runners.commands.register(sub, sessions)
    treadwatch.hub.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.func(args)
    except TreadwatchError as exc:
        print(f"treadwatch: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("treadwatch: interrupted", file=sys.stderr)
        return 130
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
