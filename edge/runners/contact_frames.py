"""Frames at foot contact for the one-page report: the stored landmarks of a few contacts
spread over the session (the landings of replays the therapist kept first; over the video
frame when a kept clip covers that moment), drawn as inline SVG cropped to the body.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from edge.errors import VideoError
from edge.landmarks import SKELETON_EDGES, Channel
from edge.live.replay_stored import is_kept_replay
from edge.media.video import VideoFile
from edge.recording.rows import ClipInfo, SessionInfo
from edge.recording.store import SessionStore

N_FRAMES = 3  # frames at contact shown
VIS_MIN = 0.3  # landmarks less visible than this are not drawn
FRAME_ASPECT = 1.0  # width / height of a figure at contact (as laid out by the CSS)


def _frame_size(info: SessionInfo, clips: Sequence[ClipInfo]) -> tuple[int, int]:
    frame = info.settings.get("frame")
    if isinstance(frame, dict) and frame.get("width") and frame.get("height"):
        return int(frame["width"]), int(frame["height"])
    if clips:
        return clips[0].width, clips[0].height
    return 640, 480


def _clip_jpeg(store: SessionStore, clips: Sequence[ClipInfo], t_s: float) -> bytes | None:
    """The clip frame nearest ``t_s`` as JPEG, when a kept clip covers that moment."""
    import cv2

    for c in clips:
        if not (c.t_start_s <= t_s <= c.t_end_s) or not c.frame_times:
            continue
        path = store.clips_dir / c.path
        if not path.is_file():
            continue
        k = int(np.argmin(np.abs(np.asarray(c.frame_times) - t_s)))
        try:
            with VideoFile(path) as video:
                img = video.frame_at(k)
        except VideoError:
            continue
        if img is None:
            continue
        ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 80])
        if ok:
            return bytes(buf.tobytes())
    return None


def contact_frames(
    store: SessionStore, info: SessionInfo, n: int = N_FRAMES
) -> list[dict[str, Any]]:
    """Up to ``n`` foot contacts spread over the session, each with its stored landmarks
    (frame pixels: x, y, visibility) and the video frame when a clip was kept."""
    contacts = [e for e in store.events(info.id) if e.kind == "contact"]
    if not contacts:
        return []
    clips = store.clips(info.id)
    w, h = _frame_size(info, clips)
    # n contacts spread over the whole session; more in between in case some of them have
    # no landmarks stored (nobody found at that moment).
    last = len(contacts) - 1
    spread = [round(i) for i in np.linspace(0, last, min(n, len(contacts)))]
    spare = [round(i) for i in np.linspace(0, last, min(n * 3, len(contacts)))]
    # Replays the therapist kept come first (the landing each was kept for: its last), and
    # their clips give the video frames.
    replays = [
        c for c in clips if is_kept_replay(c.reason) and (store.clips_dir / c.path).is_file()
    ]
    kept = [
        max(inside)
        for c in replays
        if (inside := [i for i, e in enumerate(contacts) if c.t_start_s <= e.t_s <= c.t_end_s])
    ]
    clips = replays + [c for c in clips if c not in replays]
    # Then a contact inside a kept clip: the video frame under the skeleton.
    on_video = [
        i
        for i, e in enumerate(contacts)
        if any(c.t_start_s <= e.t_s <= c.t_end_s and (store.clips_dir / c.path).is_file()
               for c in clips)
    ]  # fmt: skip
    # Those first; the spread picks nearest to them give way, so the pictures still cover
    # the whole session.
    first = list(dict.fromkeys(kept[:n] + on_video[len(on_video) // 2 :][:1]))[:n]
    rest = list(spread)
    for f in first:
        if rest:
            rest.remove(min(rest, key=lambda i: abs(i - f)))
    picks = list(dict.fromkeys(first + rest + spare))
    out: list[dict[str, Any]] = []
    for i in picks:
        if len(out) >= n:
            break
        ev = contacts[i]
        series = store.landmarks(info.id, ev.t_s - 0.1, ev.t_s + 0.1)
        if not len(series.t_s):
            continue
        k = int(np.argmin(np.abs(series.t_s - ev.t_s)))
        lm = series.xyzv[k]
        if not np.isfinite(lm[:, Channel.X]).any():
            continue
        pts = [
            (float(p[Channel.X]) * w, float(p[Channel.Y]) * h, float(p[Channel.VISIBILITY]))
            for p in lm
        ]
        out.append(
            {
                "t": ev.t_s - info.t_start_s,
                "foot": ev.foot,
                "points": pts,
                "size": (w, h),
                "jpeg": _clip_jpeg(store, clips, float(series.t_s[k])),
            }
        )
    # Later picks may have been skipped: keep them in time order anyway.
    return sorted(out, key=lambda f: float(f["t"]))


def frame_svg(frame: dict[str, Any]) -> str:
    """The skeleton (and the video frame, if any) cropped to the body, as inline SVG."""
    w, h = frame["size"]
    pts = frame["points"]
    seen = [(x, y) for x, y, v in pts if v >= VIS_MIN and math.isfinite(x) and math.isfinite(y)]
    if not seen:
        return ""
    xs, ys = [p[0] for p in seen], [p[1] for p in seen]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    bh = max(y1 - y0, 1.0)
    pad = 0.12 * bh
    # A box of the figure's shape (FRAME_ASPECT, width / height) around the whole body.
    box_h = bh + 2 * pad
    box_w = (x1 - x0) + 2 * pad
    if box_w < box_h * FRAME_ASPECT:
        box_w = box_h * FRAME_ASPECT
    else:
        box_h = box_w / FRAME_ASPECT
    vx, vy = (x0 + x1) / 2 - box_w / 2, (y0 + y1) / 2 - box_h / 2
    stroke = box_h / 110
    parts = [
        f'<svg class="frame" viewBox="{vx:.1f} {vy:.1f} {box_w:.1f} {box_h:.1f}" '
        f'preserveAspectRatio="xMidYMid meet" role="img" '
        f'aria-label="skeleton at {frame["foot"]} foot contact">',
        f'<rect x="{vx:.1f}" y="{vy:.1f}" width="{box_w:.1f}" height="{box_h:.1f}" '
        'fill="#1d2330"/>',
    ]
    if frame.get("jpeg"):
        data = base64.b64encode(frame["jpeg"]).decode("ascii")
        parts.append(
            f'<image href="data:image/jpeg;base64,{data}" x="0" y="0" width="{w}" height="{h}"/>'
        )
    for a, b in SKELETON_EDGES:
        xa, ya, va = pts[int(a)]
        xb, yb, vb = pts[int(b)]
        if min(va, vb) < VIS_MIN:
            continue
        color = "#39d98a" if min(va, vb) >= 0.7 else "#7cc4ff"
        parts.append(
            f'<line x1="{xa:.1f}" y1="{ya:.1f}" x2="{xb:.1f}" y2="{yb:.1f}" '
            f'stroke="{color}" stroke-width="{stroke:.2f}" stroke-linecap="round"/>'
        )
    for i, (x, y, v) in enumerate(pts):
        if i >= 11 and v >= VIS_MIN:
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{stroke * 0.9:.2f}" fill="#ffffff"/>'
            )
    parts.append("</svg>")
    return "".join(parts)
