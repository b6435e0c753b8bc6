"""General subcommands: ``check-config``, ``config-example``, ``models fetch|list``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from edge.config.root import example_toml, load_config


def _check_config(args: argparse.Namespace) -> int:
    load_config(args.file)
    print(f"{args.file}: OK")
    return 0


def _config_example(args: argparse.Namespace) -> int:
    print(example_toml(), end="")
    return 0


def _models_dir(args: argparse.Namespace) -> Path | None:
    if args.cache_dir is not None:
        return Path(args.cache_dir)
    if args.config is not None:
        return load_config(args.config).models.cache_dir
    return None


def _models_fetch(args: argparse.Namespace) -> int:
    from edge.errors import TreadwatchError
    from models.fetch import fetch_models
    from models.resolve import float_landmark_model, fp16_model
    from models.trim import TrimToolingMissingError

    cache = _models_dir(args)
    fetch_models(cache_dir=cache, wheel=args.wheel)
    # Made now so a service that cannot write the cache still runs the trimmed model (and,
    # on a CPU with FP16 arithmetic, its fp16 variant).
    trimmed = float_landmark_model(cache)
    print(f"{trimmed.name}: the landmark model as the engine runs it ({trimmed.parent})")
    try:
        fp16 = fp16_model(cache)
    except (OSError, TreadwatchError, TrimToolingMissingError) as exc:
        print(f"no fp16 landmark model ({exc}): fp16 runs as fp32")
    else:
        print(f"{fp16.name}: the same, marked for fp16 arithmetic ({fp16.parent})")
    return 0


def _models_list(args: argparse.Namespace) -> int:
    from models.fetch import default_cache_dir, is_cached
    from models.manifest import load_manifest

    cache = _models_dir(args) or default_cache_dir()
    for spec in load_manifest().values():
        state = "cached" if is_cached(spec, cache) else "missing"
        print(
            f"{spec.name:20s} {spec.package}=={spec.version} {spec.member} "
            f"sha256={spec.sha256[:12]}… {spec.license} [{state}]"
        )
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser("check-config", help="validate a config file without starting")
    p.add_argument("file", type=Path)
    p.set_defaults(func=_check_config)

    p = sub.add_parser("config-example", help="print the commented example configuration")
    p.set_defaults(func=_config_example)

    p = sub.add_parser("models", help="fetch and verify the pose models")
    msub = p.add_subparsers(dest="models_command", metavar="ACTION")
    msub.required = True
    for action, func, help_ in (
        ("fetch", _models_fetch, "download (once), verify SHA-256 and cache the models"),
        ("list", _models_list, "show the manifest and what is cached"),
    ):
        q = msub.add_parser(action, help=help_)
        q.add_argument("--cache-dir", default=None, help="cache directory (default: XDG cache)")
        q.add_argument("--config", type=Path, default=None, help="config file")
        if action == "fetch":
            q.add_argument(
                "--wheel", type=Path, default=None, help="use this mediapipe wheel (offline)"
            )
        q.set_defaults(func=func)
