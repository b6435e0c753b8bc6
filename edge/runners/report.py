"""The one-page report: per session, or per runner over a date range, as one self-contained
HTML page (inline CSS with print rules, inline SVG figures, no external requests), so the
same page is what the browser shows, what it prints, and what :mod:`edge.runners.pdf`
turns into a PDF.

A session report holds the key numbers (per-session medians) against their normal ranges,
up to three frames at foot contact with the skeleton (drawn from the stored landmarks, over
the video frame when a clip of that moment was kept), the focus cue and what changed since
the runner's previous session.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from edge.landmarks import SKELETON_EDGES, Channel
from edge.recording.rows import ClipInfo, SessionInfo
from edge.recording.store import SessionStore
from edge.runners.progress import (
    focus_cue,
    metric_table,
    progress,
    session_point,
)
from edge.runners.store import get_runner, runner_sessions, session_runner

N_FRAMES = 3  # frames at contact shown
VIS_MIN = 0.3  # landmarks less visible than this are not drawn
FRAME_ASPECT = 1.0  # width / height of a figure at contact (as laid out by the CSS)
KEY_ROWS = 10  # rows of key numbers at most (the page is one A4 page)
CHANGE_ROWS = 5  # changes since last time listed at most: the largest
_VERDICT_TEXT = {"in": "in range", "near": "near range", "out": "outside range"}


def _esc(x: object) -> str:
    return html.escape(str(x), quote=True)


def _fmt(value: float | None, d: int) -> str:
    if value is None or not math.isfinite(value):
        return "–"
    text = f"{value:.{d}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text  # no "-0"


def _date(t: float) -> str:
    return dt.datetime.fromtimestamp(t).strftime("%Y-%m-%d %H:%M")


def _day(t: float) -> str:
    return dt.datetime.fromtimestamp(t).strftime("%Y-%m-%d")


# --- frames at contact ------------------------------------------------------------------------


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
        cap = cv2.VideoCapture(str(path))
        try:
            cap.set(cv2.CAP_PROP_POS_FRAMES, k)
            ok, img = cap.read()
        finally:
            cap.release()
        if not ok or img is None:
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
    picks = [round(i) for i in np.linspace(0, len(contacts) - 1, min(n * 3, len(contacts)))]
    # A contact inside a kept clip comes first: the video frame under the skeleton.
    on_video = [
        i
        for i, e in enumerate(contacts)
        if any(c.t_start_s <= e.t_s <= c.t_end_s and (store.clips_dir / c.path).is_file()
               for c in clips)
    ]  # fmt: skip
    picks = list(dict.fromkeys(on_video[len(on_video) // 2 :][:1] + picks))
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


# --- data ---------------------------------------------------------------------------------------


def _previous(store: SessionStore, info: SessionInfo, runner_id: int | None) -> SessionInfo | None:
    if runner_id is None:
        return None
    before = [s for s in runner_sessions(store, runner_id) if s.started_at < info.started_at]
    return before[-1] if before else None


def _changes(
    table: Sequence[dict[str, Any]], now: dict[str, Any], then: dict[str, Any] | None
) -> list[dict[str, Any]]:
    if then is None:
        return []
    out = []
    for m in table:
        a, b = then["metrics"].get(m["name"]), now["metrics"].get(m["name"])
        va = a["median"] if a else None
        vb = b["median"] if b else None
        if va is None or vb is None:
            continue
        out.append(
            {
                **m,
                "before": va,
                "after": vb,
                "diff": vb - va,
                "before_verdict": a["verdict"] if a else None,
                "after_verdict": b["verdict"] if b else None,
            }
        )
    return out


def _largest(compared: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The changes worth a line: visible at the precision shown, the largest first (a new
    verdict, then the relative change), at most CHANGE_ROWS."""
    out = [
        c
        for c in compared
        if _fmt(c["before"], c["digits"]) != _fmt(c["after"], c["digits"])
        or c["before_verdict"] != c["after_verdict"]
    ]
    out.sort(
        key=lambda c: (
            c["before_verdict"] == c["after_verdict"],
            -abs(c["diff"]) / max(abs(c["before"]), abs(c["after"]), 1e-9),
        )
    )
    return out[:CHANGE_ROWS]


def session_report_data(store: SessionStore, session_id: int) -> dict[str, Any]:
    info = store.session(session_id)
    runner_id = session_runner(store, info.id)
    runner = get_runner(store, runner_id) if runner_id is not None else None
    point = session_point(store, info)
    prev = _previous(store, info, runner_id)
    prev_point = session_point(store, prev) if prev is not None else None
    table = [m for m in metric_table([point]) if point["metrics"][m["name"]]["median"] is not None]
    table = table[:KEY_ROWS]
    return {
        "kind": "session",
        "session": info,
        "runner": runner.as_json() if runner else None,
        "point": point,
        "metrics": table,
        "focus": focus_cue(store.alerts(info.id)),
        "frames": contact_frames(store, info),
        "previous": prev,
        "compared": (compared := _changes(table, point, prev_point)),
        "changes": _largest(compared),
    }


def runner_report_data(
    store: SessionStore,
    runner_id: int,
    date_from: float | None = None,
    date_to: float | None = None,
) -> dict[str, Any]:
    data = progress(store, runner_id, date_from=date_from, date_to=date_to)
    points = data["sessions"]
    frames: list[dict[str, Any]] = []
    if points:
        last = store.session(points[-1]["session"]["id"])
        frames = contact_frames(store, last)
    return {
        "kind": "runner",
        "runner": data["runner"],
        "metrics": data["metrics"],
        "points": points,
        "date_from": date_from,
        "date_to": date_to,
        "frames": frames,
        "changes": (
            _largest(_changes(data["metrics"], points[-1], points[0])) if len(points) >= 2 else []
        ),
    }


# --- HTML ---------------------------------------------------------------------------------------

CSS = """
@page { size: A4; margin: 12mm; }
* { box-sizing: border-box; }
body { font: 11pt/1.35 system-ui, "DejaVu Sans", sans-serif; color: #1b1f27; margin: 0;
  background: #eef0f4; }
.sheet { background: #fff; max-width: 190mm; margin: 16px auto; padding: 10mm 11mm;
  box-shadow: 0 2px 10px rgba(0,0,0,.15); }
header.top { display: flex; justify-content: space-between; align-items: baseline;
  border-bottom: 2px solid #1b1f27; padding-bottom: 4px; margin-bottom: 8px; }
h1 { font-size: 17pt; margin: 0; }
h2 { font-size: 11.5pt; margin: 10px 0 4px; text-transform: uppercase; letter-spacing: .04em;
  color: #46506a; }
.who { font-size: 13pt; font-weight: 600; }
.meta { color: #555; font-size: 9.5pt; }
.focus { border-left: 5px solid #ff8c42; background: #fff4eb; padding: 6px 10px;
  font-size: 12.5pt; margin: 6px 0; }
.focus .cue { font-weight: 700; }
.focus .praise { font-weight: 600; color: #1e7b3c; }
table { border-collapse: collapse; width: 100%; font-size: 10pt; }
th, td { padding: 3px 6px; border-bottom: 1px solid #dde1e8; text-align: left; }
th { font-weight: 600; color: #46506a; font-size: 9pt; white-space: nowrap; }
td.verdict { white-space: nowrap; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.v-in { color: #11813f; font-weight: 600; }
.v-near { color: #a86400; font-weight: 600; }
.v-out { color: #c2261d; font-weight: 600; }
.frames { display: flex; gap: 8px; }
.frames figure { margin: 0; flex: 1; text-align: center; }
.frames svg { width: 100%; height: 50mm; display: block; border-radius: 4px; background: #1d2330; }
.nowrap { white-space: nowrap; }
.frames figcaption { font-size: 8.5pt; color: #555; }
.changes li { margin: 2px 0; }
footer { margin-top: 8px; font-size: 8pt; color: #777; border-top: 1px solid #dde1e8;
  padding-top: 3px; }
.muted { color: #777; }
@media print {
  body { background: #fff; }
  .sheet { box-shadow: none; margin: 0; max-width: none; padding: 0; }
  .noprint { display: none; }
  section, table, .frames { break-inside: avoid; }
}
"""


def _verdict(v: str | None) -> str:
    if v is None:
        return ""
    return f'<span class="v-{v}">{_VERDICT_TEXT[v]}</span>'


def _range_text(m: dict[str, Any]) -> str:
    r = m.get("range")
    if not r:
        return '<span class="muted">–</span>'
    lo, hi = r["green"]
    d = m["digits"]
    if lo is not None and hi is not None:
        text = f"{lo:.{d}f}–{hi:.{d}f}"
    elif lo is not None:
        text = f"≥ {lo:.{d}f}"
    elif hi is not None:
        text = f"≤ {hi:.{d}f}"
    else:
        text = "any"
    return f'<span title="{_esc(r["source"])}">{_esc(text)}</span>'


def _change_sentence(c: dict[str, Any]) -> str:
    d = c["digits"]
    unit = f" {c['unit']}" if c["unit"] else ""
    diff = round(c["after"], d) - round(c["before"], d)  # the difference of what is shown
    sign = "+" if diff > 0 else ""
    text = (
        f"<b>{_esc(c['label'])}</b>: {_fmt(c['before'], d)} → {_fmt(c['after'], d)}{_esc(unit)}"
        f" ({sign}{_fmt(diff, d)})"
    )
    bv, av = c["before_verdict"], c["after_verdict"]
    if bv != av and av is not None:
        text += f" — now {_verdict(av)}"
    return f"<li>{text}</li>"


def _frames_html(frames: Sequence[dict[str, Any]]) -> str:
    if not frames:
        return '<p class="muted">No stored landmarks at foot contact.</p>'
    figs = []
    for f in frames:
        source = "video + skeleton" if f.get("jpeg") else "skeleton from stored landmarks"
        figs.append(
            f"<figure>{frame_svg(f)}<figcaption>{_esc(f['foot'])} foot contact at "
            f"{f['t']:.1f} s · {source}</figcaption></figure>"
        )
    return f'<div class="frames">{"".join(figs)}</div>'


def _page(title: str, body: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_esc(title)}</title><style>{CSS}</style></head>"
        f'<body data-loaded="true"><div class="sheet">{body}'
        f"<footer>treadwatch · printed {_esc(_date(dt.datetime.now().timestamp()))} · "
        "these figures are measured from video by a pose model: a guide for the therapist or "
        "coach, not a diagnosis</footer></div></body></html>"
    )


def _praise_html(focus: dict[str, Any]) -> str:
    """The praise shown live when the focus cue cleared because the fault was gone."""
    if not focus.get("praise"):
        return ""
    return (
        f' <span class="meta">· praised {focus["praised"]}×:</span>'
        f' <span class="praise">“{_esc(focus["praise"])}”</span>'
    )


def render_session_report(data: dict[str, Any]) -> str:
    info: SessionInfo = data["session"]
    runner = data["runner"]
    who = _esc(runner["name"]) if runner else "Guest"
    point = data["point"]
    focus = data["focus"]
    rows = []
    prev_metrics: dict[str, Any] = {c["name"]: c for c in data["compared"]}
    for m in data["metrics"]:
        p = point["metrics"][m["name"]]
        c = prev_metrics.get(m["name"])
        rows.append(
            f'<tr data-metric="{_esc(m["name"])}"><td>{_esc(m["label"])}</td>'
            f'<td class="num">{_fmt(p["median"], m["digits"])}</td>'
            f'<td>{_esc(m["unit"])}</td><td class="num">{_range_text(m)}</td>'
            f'<td class="verdict">{_verdict(p["verdict"])}</td>'
            f'<td class="num">{_fmt(c["before"], m["digits"]) if c else "–"}</td>'
            f'<td class="num">{p["n"]}</td></tr>'
        )
    focus_html = (
        f'<div class="focus">Focus: <span class="cue">“{_esc(focus["cue"])}”</span>'
        f' <span class="meta">({_esc(focus["rule"].replace("_", " "))}, cued '
        f"{focus['times']}×)</span>{_praise_html(focus)}</div>"
        if focus
        else '<div class="focus">Focus: <span class="cue">no cue was needed</span></div>'
    )
    prev = data["previous"]
    if prev is None:
        since = "<p>First recorded visit: nothing to compare with yet.</p>"
    elif data["compared"] and not data["changes"]:
        since = (
            f'<p class="meta">Compared with {_esc(_date(prev.started_at))} (session {prev.id}).'
            "</p><p>No change at the precision shown.</p>"
        )
    elif data["changes"]:
        since = (
            f'<p class="meta">Compared with {_esc(_date(prev.started_at))} (session {prev.id}).'
            f'</p><ul class="changes">{"".join(_change_sentence(c) for c in data["changes"])}</ul>'
        )
    else:
        since = "<p>No metric measured in both sessions.</p>"
    minutes, seconds = divmod(round(info.duration_s), 60)
    length = f"{minutes} min {seconds:02d} s" if minutes else f"{seconds} s"
    body = (
        '<header class="top"><h1>Running form report</h1>'
        f'<span class="who" id="who">{who}</span></header>'
        f'<p class="meta">{_esc(_date(info.started_at))} · {length} · '
        f"{info.n_strides} steps · session {info.id} · "
        f"{_esc(info.device_id)}</p>"
        f"{focus_html}"
        "<section><h2>Key numbers (median per step)</h2>"
        '<table id="numbers"><thead><tr><th>Measure</th><th class="num">Today</th><th>Unit</th>'
        '<th class="num">Normal range</th><th></th><th class="num">Last time</th>'
        f'<th class="num">Steps</th></tr></thead><tbody>{"".join(rows)}</tbody></table>'
        "</section>"
        f"<section><h2>At foot contact</h2>{_frames_html(data['frames'])}</section>"
        f"<section><h2>Since last time</h2>{since}</section>"
    )
    title = f"treadwatch report — {runner['name'] if runner else 'guest'}"
    return _page(f"{title} — {_day(info.started_at)}", body)


def render_runner_report(data: dict[str, Any]) -> str:
    runner = data["runner"]
    points = data["points"]
    metrics = list(data["metrics"])[:7]
    head = "".join(
        f'<th class="num">{_esc(m["label"])}<br><span class="muted">{_range_text(m)}</span></th>'
        for m in metrics
    )
    rows = []
    for p in points:
        s = p["session"]
        cells = []
        for m in metrics:
            v = p["metrics"].get(m["name"])
            med = v["median"] if v else None
            cls = f' class="num v-{v["verdict"]}"' if v and v["verdict"] else ' class="num"'
            cells.append(f"<td{cls}>{_fmt(med, m['digits'])}</td>")
        focus = p["focus"]["cue"] if p["focus"] else "–"
        rows.append(
            f'<tr data-session="{s["id"]}"><td class="nowrap">{_esc(_day(s["started_at"]))}</td>'
            f"<td>{_esc(focus)}</td>{''.join(cells)}</tr>"
        )
    span = "all visits"
    if data["date_from"] is not None or data["date_to"] is not None:
        a = _day(data["date_from"]) if data["date_from"] is not None else "…"
        b = _day(data["date_to"] - 1) if data["date_to"] is not None else "…"
        span = f"{a} to {b}"
    changes = data["changes"]
    change_html = (
        f'<ul class="changes">{"".join(_change_sentence(c) for c in changes)}</ul>'
        if changes
        else "<p>One visit or fewer in this period: nothing to compare.</p>"
    )
    body = (
        '<header class="top"><h1>Progress report</h1>'
        f'<span class="who" id="who">{_esc(runner["name"])}</span></header>'
        f'<p class="meta">{len(points)} visit(s) · {_esc(span)}</p>'
        "<section><h2>Visits (median per step)</h2>"
        f'<table id="visits"><thead><tr><th>Date</th><th>Focus cue</th>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></section>"
        f"<section><h2>First visit → last visit</h2>{change_html}</section>"
        f"<section><h2>At foot contact, last visit</h2>{_frames_html(data['frames'])}</section>"
    )
    return _page(f"treadwatch progress — {runner['name']}", body)


def session_report_html(store: SessionStore, session_id: int) -> str:
    return render_session_report(session_report_data(store, session_id))


def runner_report_html(
    store: SessionStore,
    runner_id: int,
    date_from: float | None = None,
    date_to: float | None = None,
) -> str:
    return render_runner_report(runner_report_data(store, runner_id, date_from, date_to))
