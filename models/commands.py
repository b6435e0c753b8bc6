"""``treadwatch quantize-models``: make the int8 landmark model from the fetched float one."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def _quantize(args: argparse.Namespace) -> int:
    from models.quantize import quantize_landmark_model

    models_dir = Path(args.cache_dir) if args.cache_dir is not None else None
    if models_dir is None and args.config is not None:
        from edge.config import load_config

        models_dir = load_config(args.config).models.cache_dir
    quantize_landmark_model(
        mode=args.mode,
        models_dir=models_dir,
        calibration_videos=[Path(v) for v in args.calibrate],
        search=args.search,
    )
    return 0


def register(sub: Any) -> None:
    from models.quantize import MODES

    p = sub.add_parser(
        "quantize-models",
        help="make pose_landmark_full_int8.tflite from the fetched model (ai-edge-quantizer)",
        description=(
            "Quantize the verified float landmark model to int8 into the model cache, with "
            "its SHA-256 recorded beside it. mixed (default): int8 weights and activations, "
            "the most sensitive ops kept float, as recorded in models/int8_recipe.json (no "
            "footage needed). static: every op int8. weight-only: int8 weights, float compute."
        ),
    )
    p.add_argument("--mode", choices=MODES, default="mixed", help="int8 recipe")
    p.add_argument(
        "--calibrate",
        metavar="VIDEO",
        action="append",
        default=[],
        help="footage of a runner: measure activation ranges on it (repeatable)",
    )
    p.add_argument(
        "--search",
        action="store_true",
        help="with --calibrate: choose the ops kept float and rewrite models/int8_recipe.json",
    )
    p.add_argument("--cache-dir", default=None, help="model cache (default: XDG cache)")
    p.add_argument("--config", type=Path, default=None, help="config file (models.cache_dir)")
    p.set_defaults(func=_quantize)
