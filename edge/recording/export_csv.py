"""A session's steps as CSV, and read back.

Layout (one row per step): ``index, foot, frame_index, capture_time_s, session_time_s``
(the step's time on the capture clock, which starts with the camera or the video, and the
time into the session, which starts when the runner was recognised: the time every screen
shows, marks and cues included), then for
every metric ``NAME [UNIT]`` (the value; empty when not measurable), ``NAME confidence``,
``NAME reason`` and ``NAME label`` (a category, e.g. foot strike). Numbers are rounded to
what their unit means (``edge.units``: 0.1 deg, 0.001 leg lengths, 1 ms, times to 1 ms,
confidences to 0.01); :func:`parse_strides_csv` reads them back.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence

from edge.gait.records import MetricValue, StrideRecord
from edge.units import CONFIDENCE_DIGITS, fmt

_BASE_COLS = ("index", "foot", "frame_index", "capture_time_s", "session_time_s")
#: The capture time's column as exports before it was named for what it is called it.
_LEGACY_BASE_COLS = ("index", "foot", "frame_index", "t_s", "session_time_s")
_VALUE_COL = re.compile(r"^(?P<name>.+) \[(?P<unit>.*)\]$")


def metric_columns(strides: Sequence[StrideRecord]) -> list[tuple[str, str]]:
    """(name, unit) of every metric present, in first-seen order."""
    seen: dict[str, str] = {}
    for s in strides:
        for name, m in s.metrics.items():
            seen.setdefault(name, m.unit)
    return list(seen.items())


def _num(x: float | None, unit: str) -> str:
    return "" if x is None else fmt(float(x), unit)


def strides_csv(strides: Sequence[StrideRecord], t_start_s: float = 0.0) -> str:
    cols = metric_columns(strides)
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    header = list(_BASE_COLS)
    for name, unit in cols:
        header += [f"{name} [{unit}]", f"{name} confidence", f"{name} reason", f"{name} label"]
    w.writerow(header)
    for s in strides:
        w.writerow(stride_row(s, cols, t_start_s))
    return out.getvalue()


def stride_row(s: StrideRecord, cols: Sequence[tuple[str, str]], t_start_s: float) -> list[str]:
    """One step as a CSV row (the columns of :func:`strides_csv`), numbers rounded to what
    their unit means."""
    t, t_session = fmt(s.t_s, "s"), fmt(s.t_s - t_start_s, "s")
    row = [str(s.index), s.foot, str(s.frame_index), t, t_session]
    for name, unit in cols:
        m = s.metrics.get(name)
        if m is None:
            row += ["", "", "absent", ""]
        else:
            conf = fmt(float(m.confidence), places=CONFIDENCE_DIGITS)
            row += [_num(m.value, unit), conf, m.reason or "", m.label or ""]
    return row


def parse_strides_csv(text: str) -> list[StrideRecord]:
    """Read :func:`strides_csv` back (metrics marked ``absent`` are left out)."""
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or tuple(rows[0][: len(_BASE_COLS)]) not in (_BASE_COLS, _LEGACY_BASE_COLS):
        raise ValueError("not a treadwatch strides CSV")
    header = rows[0]
    metrics: list[tuple[int, str, str]] = []
    for i in range(len(_BASE_COLS), len(header), 4):
        match = _VALUE_COL.match(header[i])
        if match is None:
            raise ValueError(f"unexpected column {header[i]!r}")
        metrics.append((i, match["name"], match["unit"]))
    strides = []
    for row in rows[1:]:
        values: dict[str, MetricValue] = {}
        for i, name, unit in metrics:
            if row[i + 2] == "absent":
                continue
            values[name] = MetricValue(
                value=float(row[i]) if row[i] else None,
                unit=unit,
                confidence=float(row[i + 1]),
                reason=row[i + 2] or None,
                label=row[i + 3] or None,
            )
        foot = row[1]
        if foot not in ("left", "right"):
            raise ValueError(f"bad foot {foot!r}")
        strides.append(
            StrideRecord(
                index=int(row[0]),
                foot="left" if foot == "left" else "right",
                frame_index=int(row[2]),
                t_s=float(row[3]),
                metrics=values,
            )
        )
    return strides
