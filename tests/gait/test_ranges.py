"""Normal ranges: one table, consistent with the metrics, sourced, and carried as ``band``
by the report, the live messages and the stored step metrics."""

from __future__ import annotations

import pytest

from edge.gait.config import AlertsConfig
from edge.gait.metrics import METRICS
from edge.gait.ranges import RANGES, band, ranges_json
from edge.gait.records import MetricValue, StrideRecord
from edge.gait.report import analyze_landmarks
from edge.gait.synthetic import RunnerParams, generate
from edge.live.messages import metric_json, stride_message
from edge.recording.export import stride_json


def test_every_range_fits_its_metric_and_names_a_source() -> None:
    assert set(RANGES) <= set(METRICS)
    for name, r in RANGES.items():
        assert r.unit == METRICS[name].unit, name
        assert r.amber[0] <= r.green[0] < r.green[1] <= r.amber[1], name
        assert len(r.source) > 20, name
    # foot strike is shown, not judged (PRODUCT.md): no band
    assert "foot_strike" not in RANGES


def test_bands() -> None:
    assert band("cadence_spm", 172.0) == "green"
    assert band("cadence_spm", 155.0) == "amber"
    assert band("cadence_spm", 140.0) == "red"
    assert band("overstride", 0.05) == "green"
    assert band("overstride", 0.25) == "red"
    assert band("foot_strike", 10.0) is None
    assert band("cadence_spm", None) is None
    assert band("cadence_spm", float("nan")) is None


def test_red_begins_where_the_cue_fires() -> None:
    """A value that raises a cue is never shown green."""
    cfg = AlertsConfig()
    for name, rule in cfg.rules().items():
        metric = rule.metric or name
        if metric not in RANGES:
            continue
        v = rule.threshold + (1e-3 if rule.direction == "above" else -1e-3)
        assert band(metric, v) != "green", (name, v)


def test_band_in_live_and_stored_metrics_only_where_a_range_applies() -> None:
    ok = MetricValue(171.0, "steps/min", 0.9)
    assert metric_json(ok, "cadence_spm")["band"] == "green"
    assert "band" not in metric_json(ok)  # no name, no range
    strike = MetricValue(12.0, "deg", 0.9, label="rearfoot")
    assert "band" not in metric_json(strike, "foot_strike")
    assert "band" not in metric_json(
        MetricValue(None, "leg lengths", 0.0, "occluded"), "overstride"
    )
    s = StrideRecord(0, "left", 3, 1.0, {"cadence_spm": ok, "foot_strike": strike})
    msg = stride_message(s, {"cadence_spm": MetricValue(150.0, "steps/min", 0.8)})
    assert msg["metrics"]["cadence_spm"]["band"] == "green"
    assert msg["current"]["cadence_spm"]["band"] == "amber"
    stored = stride_json(s)["metrics"]
    assert stored["cadence_spm"]["band"] == "green" and "band" not in stored["foot_strike"]


def test_report_carries_bands_and_ranges() -> None:
    p = RunnerParams(noise=0.002, overstride=0.3, cadence_spm=158.0)
    clip = generate(p, 10.0)
    rep = analyze_landmarks(clip.landmarks, p.fps, aspect=p.aspect)
    assert rep.summary.overstride.band == "red"
    assert rep.summary.cadence_spm.band == "amber"
    assert rep.summary.trunk_lean_deg.band == "green"
    assert rep.summary.foot_strike.band is None
    assert rep.strides[3].metrics["overstride"].band == "red"
    assert rep.ranges["overstride"].source == RANGES["overstride"].source
    assert set(rep.ranges) == set(ranges_json())


@pytest.mark.parametrize("name", sorted(RANGES))
def test_ranges_json_shape(name: str) -> None:
    r = ranges_json()[name]
    assert set(r) == {"green", "amber", "unit", "source"}
    assert len(r["green"]) == 2 and len(r["amber"]) == 2
