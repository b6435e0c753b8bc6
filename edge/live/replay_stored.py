"""A kept replay read back from the session store, as a reference stride from an earlier visit.

A replay kept on the live page is a clip of its session (reason ``replay``). For a
side-by-side with a runner's earlier visit, the first visit that kept one is read back:
its video frames (re-encoded as JPEG, as the page shows them), the landmarks stored for
those frames, and the steps (with their metrics) and events inside it. A runner's clips are
only there with their consent, so nothing here needs asking again.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import cv2
import numpy as np

from edge.errors import VideoError
from edge.landmarks import Channel
from edge.live.messages import metrics_json
from edge.live.replay import (
    NoReplayError,
    ReplayClip,
    ReplayContact,
    ReplayEvent,
    ReplayFrame,
    missing_spans,
)
from edge.media.video import VideoFile
from edge.recording.store import SessionStore

REASON = "replay"
#: A stored landmark counts for a video frame when it is this close in time (s).
MATCH_S = 0.05
JPEG_QUALITY = 80


def is_kept_replay(reason: str) -> bool:
    return REASON in reason.split(",")


def first_kept_replay(
    store: SessionStore, session_ids: list[int], exclude: int | None
) -> tuple[int, int] | None:
    """``(session id, clip id)`` of the first kept replay among ``session_ids`` (oldest
    first), leaving out ``exclude`` (today's session)."""
    for sid in session_ids:
        if sid == exclude:
            continue
        for clip in store.clips(sid):
            if is_kept_replay(clip.reason) and (store.clips_dir / clip.path).is_file():
                return sid, clip.id
    return None


def stored_clip(store: SessionStore, clip_id: int, kind: str, label: str) -> ReplayClip:
    """A kept clip as a replay: frames, their landmarks, steps and events."""
    clip = store.clip(clip_id)
    path = store.clips_dir / clip.path
    times = list(clip.frame_times)
    jpegs: list[bytes] = []
    try:
        with VideoFile(path) as video:
            for img in video:
                if len(jpegs) >= len(times):
                    break
                ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
                if ok:
                    jpegs.append(buf.tobytes())
    except VideoError:
        jpegs = []
    if len(jpegs) < 2:
        raise NoReplayError("the kept replay's video could not be read back")
    times = times[: len(jpegs)]
    t0, t1 = times[0], times[-1]
    series = store.landmarks(clip.session_id, t0 - MATCH_S, t1 + MATCH_S)
    frames = []
    for k, (t, jpeg) in enumerate(zip(times, jpegs, strict=True)):
        lm = None
        index = -1 - k  # no stored landmark: an index no analysed frame has
        if len(series.t_s):
            j = int(np.argmin(np.abs(series.t_s - t)))
            if abs(series.t_s[j] - t) <= MATCH_S:
                xyv = series.xyzv[j][:, [Channel.X, Channel.Y, Channel.VISIBILITY]]
                lm = np.ascontiguousarray(xyv, dtype=np.float32)
                index = int(series.frame_index[j])
        frames.append(ReplayFrame(index, t, jpeg, lm))
    contacts = tuple(
        ReplayContact(s.frame_index, s.t_s, s.foot, s.index, json.dumps(metrics_json(s.metrics)))
        for s in store.strides(clip.session_id)
        if t0 <= s.t_s <= t1
    )
    events = tuple(
        ReplayEvent(e.kind, e.foot, e.frame_index, e.t_s)
        for e in store.events(clip.session_id)
        if t0 <= e.t_s <= t1
    )
    if not contacts:
        raise NoReplayError("the kept replay holds no landing")
    info = store.session(clip.session_id)
    return ReplayClip(
        kind=kind,
        label=label,
        frames=tuple(frames),
        contacts=contacts,
        events=events,
        t_from=t0,
        t_to=t1,
        missing=missing_spans(frames, t0, t1),
        session_t_s=info.t_start_s,
    )


def visit_label(store: SessionStore, session_id: int) -> str:
    day = datetime.fromtimestamp(store.session(session_id).started_at, UTC)
    return f"Visit of {day:%Y-%m-%d}"
