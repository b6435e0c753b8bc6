"""The ``treadwatch`` command.

Each area registers its own subcommands (``register(subparsers)`` in the modules listed in
``COMMAND_MODULES``); this module only parses, dispatches and turns a
:class:`~edge.errors.TreadwatchError` into one line on stderr and a non-zero exit.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from edge import __version__
from edge.errors import TreadwatchError

#: Modules that add subcommands. Each has ``register(sub: argparse._SubParsersAction)``
#: and sets ``func`` (``Callable[[argparse.Namespace], int]``) on its parsers.
COMMAND_MODULES: tuple[str, ...] = (
    "edge.commands",
    "edge.analyze",
    "edge.bench",
    "edge.gait.commands",
    "edge.live.commands",
    "edge.recording.commands",
    "edge.runners.commands",
    "server.fleet.commands",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="treadwatch",
        description="Live running-form feedback from a camera beside a treadmill.",
    )
    parser.add_argument("--version", action="version", version=f"treadwatch {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
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
