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
    )
    return 0


def register(sub: Any) -> None:
    from models.quantize import MODES

    p = sub.add_parser(
        "quantize-models",
        help="make pose_landmark_full_int8.tflite from the fetched model (ai-edge-quantizer)",
        description=(
            "Quantize the verified float landmark model to int8 into the model cache, with "
            "its SHA-256 recorded beside it. weight-only: int8 weights, float compute, no "
            "data needed. static: int8 weights and activations, calibrated on footage."
        ),
    )
    p.add_argument("--mode", choices=MODES, default="weight-only", help="int8 recipe")
    p.add_argument(
        "--calibrate",
        metavar="VIDEO",
        action="append",
        default=[],
        help="footage of a runner for --mode static (repeatable)",
    )
    p.add_argument("--cache-dir", default=None, help="model cache (default: XDG cache)")
    p.add_argument("--config", type=Path, default=None, help="config file (models.cache_dir)")
    p.set_defaults(func=_quantize)
