"""A runner's progress: each session's per-metric median (the same figure as the session's
own summary, :func:`edge.recording.export.metric_summary`), its normal range, the cue worked
on, and before/after between any two sessions."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from edge.catalogue import KEY_METRICS, info
from edge.errors import StorageError
from edge.gait.records import AlertRecord
from edge.recording.export import session_summary
from edge.recording.rows import SessionInfo
from edge.recording.store import SessionStore
from edge.runners.ranges import range_for
from edge.runners.store import get_runner, runner_sessions, session_runner


def label(metric: str) -> str:
    return info(metric).label


def digits(metric: str) -> int:
    return info(metric).digits


def ordered_metrics(names: Sequence[str]) -> list[str]:
    """Key metrics first in their order, then the others as found."""
    present = list(dict.fromkeys(names))
    return [m for m in KEY_METRICS if m in present] + [m for m in present if m not in KEY_METRICS]


def focus_cue(alerts: Sequence[AlertRecord]) -> dict[str, Any] | None:
    """The cue worked on in a session: the one raised most often (ties: the higher
    priority, i.e. the lower number), with the praise shown when it cleared because the
    fault was gone (``praised``: how often; ``praise``: ``None`` if never). A short session
    judged on all its strides (cues with ``evidence``) has that verdict as its focus, with
    the evidence (how many strides showed the fault; else ``None``). ``None`` when no cue
    was raised."""
    raised = [a for a in alerts if a.state == "raised"]
    judged = [a for a in raised if a.evidence]
    if judged:
        raised = judged
    if not raised:
        return None
    counts = Counter(a.rule for a in raised)
    prio = {a.rule: a.priority for a in raised}
    cue = {a.rule: a.cue for a in raised}
    rule = min(counts, key=lambda r: (-counts[r], prio[r], r))
    praised = [a.feedback for a in alerts if a.rule == rule and a.state == "cleared" and a.feedback]
    evidence = [a.evidence for a in raised if a.rule == rule and a.evidence]
    return {
        "rule": rule,
        "cue": cue[rule],
        "times": counts[rule],
        "praise": praised[-1] if praised else None,
        "praised": len(praised),
        "evidence": evidence[-1] if evidence else None,
    }


def session_point(store: SessionStore, info: SessionInfo) -> dict[str, Any]:
    """One visit: the session, the cue worked on and each metric's figure for the session
    (``median``: the figure every screen shows, ``edge.catalogue.session_figure``, with
    ``n`` the steps it stands on). A metric never measured surely enough has no figure and
    no verdict (``low_confidence``)."""
    summary = session_summary(info, store.strides(info.id))
    metrics = {}
    for name, s in summary.items():
        rng = range_for(name)
        value = s["value"]
        metrics[name] = {
            "unit": s["unit"],
            "n": s["n_sure"],
            "median": value,
            "low_confidence": s["low_confidence"],
            # Judged as shown: a median shown as 170 is in a 170–180 range.
            "verdict": (
                rng.verdict(round(value, digits(name)))
                if rng is not None and value is not None
                else None
            ),
        }
    return {
        "session": info.as_json(),
        "focus": focus_cue(store.alerts(info.id)),
        "metrics": metrics,
    }


def metric_table(points: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The metrics seen in any of ``points``: name, label, unit, digits, normal range."""
    names: list[str] = []
    units: dict[str, str] = {}
    for p in points:
        for name, m in p["metrics"].items():
            names.append(name)
            units.setdefault(name, m["unit"])
    out = []
    for name in ordered_metrics(names):
        rng = range_for(name)
        out.append(
            {
                "name": name,
                "label": label(name),
                "unit": units[name],
                "shown_unit": info(name).unit,
                "digits": digits(name),
                "range": rng.as_json() if rng is not None else None,
            }
        )
    return out


def progress(
    store: SessionStore,
    runner_id: int,
    *,
    date_from: float | None = None,
    date_to: float | None = None,
) -> dict[str, Any]:
    """Visits over time (oldest first) with per-session medians, cues and ranges."""
    runner = get_runner(store, runner_id)
    points = [
        session_point(store, info)
        for info in runner_sessions(store, runner_id, date_from=date_from, date_to=date_to)
    ]
    return {"runner": runner.as_json(), "metrics": metric_table(points), "sessions": points}


def before_after(store: SessionStore, a: int, b: int) -> dict[str, Any]:
    """Session ``a`` (before) against ``b`` (after): each metric's medians and b − a, with
    the range verdicts. Both sessions must belong to the same runner (or both be guests')."""
    infos = [store.session(a), store.session(b)]
    if session_runner(store, infos[0].id) != session_runner(store, infos[1].id):
        raise StorageError("the two sessions belong to different runners")
    pa, pb = (session_point(store, i) for i in infos)
    rows = compare_points(metric_table([pa, pb]), pa, pb)
    return {"before": pa, "after": pb, "rows": rows}


def compare_points(
    table: Sequence[dict[str, Any]],
    before: dict[str, Any],
    after: dict[str, Any],
    *,
    both: bool = False,
) -> list[dict[str, Any]]:
    """Each metric of ``table`` in two visits (:func:`session_point`): its figure before and
    after, ``after − before`` and both range verdicts. Left out: a metric measured in neither
    (e.g. a front-view metric seen from the side), or, with ``both``, in only one."""
    rows = []
    for m in table:
        ma, mb = before["metrics"].get(m["name"]), after["metrics"].get(m["name"])
        va = ma["median"] if ma else None
        vb = mb["median"] if mb else None
        if (va is None or vb is None) if both else (va is None and vb is None):
            continue
        rows.append(
            {
                **m,
                "before": va,
                "after": vb,
                "diff": vb - va if va is not None and vb is not None else None,
                "before_verdict": ma["verdict"] if ma else None,
                "after_verdict": mb["verdict"] if mb else None,
            }
        )
    return rows
