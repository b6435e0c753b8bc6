"""``treadwatch report-landmarks IN.npz --report OUT.json``: a report from stored landmarks.

The file holds ``landmarks`` (frames, 33, 4) and ``fps``; ``width`` and ``height`` (the
frame size, used to square the coordinates) are optional, as in the shared MediaPipe
references.
"""

from __future__ import annotations

import argparse
import zipfile
from pathlib import Path
from typing import Any, get_args

import numpy as np

from edge.errors import FrameError
from edge.gait.config import ViewName
from edge.gait.report import analyze_landmarks


class LandmarkFileError(FrameError):
    """A stored landmark file is missing or not in the expected layout."""


def load_landmark_file(path: Path) -> tuple[np.ndarray[Any, Any], float, float]:
    """(landmarks, fps, aspect) from an ``.npz`` with keys landmarks, fps[, width, height]."""
    if not path.is_file():
        raise LandmarkFileError(f"{path}: landmark file not found")
    try:
        with np.load(path) as data:
            if "landmarks" not in data or "fps" not in data:
                raise LandmarkFileError(
                    f"{path}: needs arrays 'landmarks' (frames, 33, 4) and 'fps'"
                )
            lm = np.asarray(data["landmarks"], dtype=np.float32)
            fps = float(data["fps"])
            aspect = 1.0
            if "width" in data and "height" in data and float(data["height"]) > 0:
                aspect = float(data["width"]) / float(data["height"])
    except (OSError, ValueError, zipfile.BadZipFile) as exc:
        raise LandmarkFileError(f"{path}: not a readable .npz file ({exc})") from None
    if not fps > 0:
        raise LandmarkFileError(f"{path}: fps must be positive, got {fps}")
    return lm, fps, aspect


def _report_landmarks(args: argparse.Namespace) -> int:
    from edge.config.root import load_config

    cfg = load_config(args.config)
    lm, fps, aspect = load_landmark_file(Path(args.landmarks))
    view = args.view or cfg.gait.view
    report = analyze_landmarks(
        lm,
        fps,
        capture_fps=args.capture_fps,
        view=view,
        gait=cfg.gait,
        alerts=cfg.alerts,
        aspect=aspect,
    )
    out = Path(args.report)
    try:
        out.write_text(report.model_dump_json(indent=2) + "\n", encoding="utf-8")
    except OSError as exc:
        raise LandmarkFileError(f"{out}: cannot write the report ({exc})") from None
    s = report.summary
    cad = "-" if report.cadence_spm is None else f"{report.cadence_spm:.1f}"
    print(
        f"{out}: {report.frames} frames, view {report.view}, cadence {cad} steps/min, "
        f"{len(report.contacts)} contacts, overstride "
        f"{'-' if s.overstride.value is None else f'{s.overstride.value:.3f}'}"
    )
    return 0


def add_report_options(p: argparse.ArgumentParser) -> None:
    """``--view`` and ``--capture-fps``, shared by every command that writes a gait report."""
    p.add_argument(
        "--view",
        choices=list(get_args(ViewName)),
        default=None,
        help="camera view (default: from the config, normally auto)",
    )
    p.add_argument(
        "--capture-fps",
        type=float,
        default=None,
        metavar="F",
        help="true capture rate of slow-motion footage (e.g. 240)",
    )


def register(sub: Any) -> None:
    p = sub.add_parser(
        "report-landmarks",
        help="Gait report (JSON) from a stored landmark file (.npz), no pose model needed.",
    )
    p.add_argument("landmarks", metavar="IN.npz", help="keys: landmarks, fps[, width, height]")
    p.add_argument("--report", required=True, metavar="OUT.json", help="where to write")
    add_report_options(p)
    p.add_argument("--config", default=None, help="config.toml (default: built-in defaults)")
    p.set_defaults(func=_report_landmarks)
