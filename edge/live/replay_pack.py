"""The wire form of a replay clip: one binary answer the page reads in a single request.

Layout: ``b"TWR1"``, the header's length (4 bytes, big-endian), the header (UTF-8 JSON),
then every frame's JPEG back to back. The header lists each frame with its offset and
length in that body, its capture time and landmarks, the landings (with their steps'
metrics), the gait events, the skeleton's edges and the spans of the window no frame
covers (``missing``), so the page can say so.
"""

from __future__ import annotations

import json
import struct
from typing import Any

import numpy as np

from edge.landmarks import SKELETON_EDGES
from edge.live.replay import ReplayClip, ReplayFrame

MAGIC = b"TWR1"
MEDIA_TYPE = "application/x-treadwatch-replay"


def _landmarks(frame: ReplayFrame) -> list[float] | None:
    if frame.landmarks is None:
        return None
    arr = np.round(frame.landmarks.astype(np.float64), 4)
    arr = np.nan_to_num(arr, nan=-1.0, posinf=-1.0, neginf=-1.0)
    out: list[float] = arr.ravel().tolist()
    return out


def clip_header(clip: ReplayClip) -> dict[str, Any]:
    frames = []
    offset = 0
    for f in clip.frames:
        frames.append(
            {
                "id": f.index,
                "t": round(f.t_s, 4),
                "lm": _landmarks(f),
                "o": offset,
                "n": len(f.jpeg),
            }
        )
        offset += len(f.jpeg)
    return {
        "kind": clip.kind,
        "label": clip.label,
        "t_from": round(clip.t_from, 4),
        "t_to": round(clip.t_to, 4),
        "session_t": None if clip.session_t_s is None else round(clip.session_t_s, 4),
        "missing": [list(span) for span in clip.missing],
        "frames": frames,
        "contacts": [
            {
                "frame": c.frame_index,
                "t": round(c.t_s, 4),
                "foot": c.foot,
                "step": c.step,
                "metrics": c.metrics,
            }
            for c in clip.contacts
        ],
        "events": [
            {"kind": e.kind, "foot": e.foot, "frame": e.frame_index, "t": e.t_s}
            for e in clip.events
        ],
        "edges": [[int(a), int(b)] for a, b in SKELETON_EDGES],
    }


def pack_clip(clip: ReplayClip) -> bytes:
    header = json.dumps(clip_header(clip), separators=(",", ":"), allow_nan=False).encode()
    return b"".join((MAGIC, struct.pack(">I", len(header)), header, *(f.jpeg for f in clip.frames)))


def unpack_clip(data: bytes) -> tuple[dict[str, Any], list[bytes]]:
    """The header and the JPEGs of a packed clip (tests, tools)."""
    if data[:4] != MAGIC:
        raise ValueError("not a treadwatch replay")
    (n,) = struct.unpack(">I", data[4:8])
    header: dict[str, Any] = json.loads(data[8 : 8 + n])
    body = data[8 + n :]
    return header, [body[f["o"] : f["o"] + f["n"]] for f in header["frames"]]
