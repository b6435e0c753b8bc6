"""The one-page report: per session, or per runner over a date range, as one self-contained
HTML page (inline CSS with print rules, inline SVG figures, no external requests), so the
same page is what the browser shows, what it prints, and what :mod:`edge.runners.pdf`
turns into a PDF.

A session report holds the key numbers (per-session medians) against their normal ranges,
up to three frames at foot contact with the skeleton (drawn from the stored landmarks, over
the video frame when a clip of that moment was kept; :mod:`edge.runners.contact_frames`),
the focus cue and what changed since the runner's previous session
(:mod:`edge.runners.report_data`). The page's style sheet is ``report.css`` beside this
module.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Sequence
from functools import cache
from importlib.resources import files
from typing import Any

from edge.recording.rows import SessionInfo
from edge.recording.store import SessionStore
from edge.runners.contact_frames import frame_svg
from edge.runners.report_data import fmt, runner_report_data, session_report_data

_VERDICT_TEXT = {"in": "in range", "near": "near range", "out": "outside range"}


@cache
def report_css() -> str:
    """The report's style sheet (package data, read once)."""
    return files("edge.runners").joinpath("report.css").read_text(encoding="utf-8")


def _esc(x: object) -> str:
    return html.escape(str(x), quote=True)


def _date(t: float) -> str:
    return dt.datetime.fromtimestamp(t).strftime("%Y-%m-%d %H:%M")


def _day(t: float) -> str:
    return dt.datetime.fromtimestamp(t).strftime("%Y-%m-%d")


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
        f"<b>{_esc(c['label'])}</b>: {fmt(c['before'], d)} → {fmt(c['after'], d)}{_esc(unit)}"
        f" ({sign}{fmt(diff, d)})"
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
        f"<title>{_esc(title)}</title><style>{report_css()}</style></head>"
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


def _how_often(focus: dict[str, Any]) -> str:
    """ "cued 3×" live; for a short session judged whole, how many strides showed it."""
    return str(focus["evidence"]) if focus.get("evidence") else f"cued {focus['times']}×"


def _no_cue_html(data: dict[str, Any], focus: dict[str, Any] | None) -> str:
    """Why each number outside its normal range (other than the focus's) raised no cue: the
    cue rule's verdict on the session's strides, never "no cue was needed"."""
    point = data["point"]
    lines = []
    for m in data["metrics"]:
        if point["metrics"][m["name"]]["verdict"] not in ("near", "out"):
            continue
        verdicts = [c for c in data["cues"] if m["name"] in (c["rule"], c["metric"])]
        if not verdicts or (focus is not None and verdicts[0]["rule"] == focus["rule"]):
            continue
        v = verdicts[0]
        why = f"not cued live: {v['reason']}" if v["raised"] else f"no cue: {v['reason']}"
        lines.append(f"<li>{_esc(m['label'])} outside its range, {_esc(why)}</li>")
    return f'<ul class="no-cue meta">{"".join(lines)}</ul>' if lines else ""


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
        verdict = (
            '<span class="muted">low confidence: not judged</span>'
            if p["low_confidence"]
            else _verdict(p["verdict"])
        )
        rows.append(
            f'<tr data-metric="{_esc(m["name"])}"><td>{_esc(m["label"])}</td>'
            f'<td class="num">{fmt(p["median"], m["digits"])}</td>'
            f'<td>{_esc(m["shown_unit"] or m["unit"])}</td><td class="num">{_range_text(m)}</td>'
            f'<td class="verdict">{verdict}</td>'
            f'<td class="num">{fmt(c["before"], m["digits"]) if c else "–"}</td>'
            f'<td class="num">{p["n"]}</td></tr>'
        )
    focus_html = (
        f'<div class="focus">Focus: <span class="cue">“{_esc(focus["cue"])}”</span>'
        f' <span class="meta">({_esc(focus["rule"].replace("_", " "))}, '
        f"{_esc(_how_often(focus))})</span>{_praise_html(focus)}</div>"
        if focus
        else '<div class="focus">Focus: <span class="cue">no cue was raised</span></div>'
    ) + _no_cue_html(data, focus)
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
        "<section><h2>Key numbers (median of the sure steps; cadence while running)</h2>"
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
            cells.append(f"<td{cls}>{fmt(med, m['digits'])}</td>")
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
