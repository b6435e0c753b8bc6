"""The wire models: the store's metrics column keeps its bytes, older rows still read, and
every record survives a trip through its model and JSON."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from edge.gait.records import AlertRecord, GaitEvent, MetricValue, StrideRecord
from edge.wire import (
    AlertWire,
    EventWire,
    MetricWire,
    StepWire,
    metrics_from_json,
    metrics_to_json,
)

METRICS = {
    "overstride": MetricValue(0.1234, "leg", 0.8),
    "foot_strike": MetricValue(None, "", 0.0, reason="foot not seen", label="rearfoot"),
}


def test_the_stored_metrics_column_keeps_its_bytes() -> None:
    assert metrics_to_json(METRICS) == (
        '{"overstride":{"value":0.1234,"unit":"leg","confidence":0.8},'
        '"foot_strike":{"unit":"","confidence":0.0,"reason":"foot not seen","label":"rearfoot"}}'
    )
    assert metrics_from_json(metrics_to_json(METRICS)) == METRICS
    with pytest.raises(ValueError):
        metrics_to_json({"x": MetricValue(float("nan"), "deg")})


def test_older_and_newer_rows_still_read() -> None:
    # A row with only a value (older), an unknown field (newer): defaults and ignored.
    assert metrics_from_json('{"a":{"value":3},"b":{"value":1.5,"unit":"deg","band":"red"}}') == {
        "a": MetricValue(3.0, "", 0.0),
        "b": MetricValue(1.5, "deg", 0.0),
    }
    with pytest.raises(ValidationError):
        metrics_from_json('{"a":{"value":"3"}}')  # a number as text is not a number


def test_records_round_trip_through_their_models_and_json() -> None:
    stride = StrideRecord(3, "right", 90, 3.0333, METRICS)
    alert = AlertRecord("raised", "overstride", "land under your hips", 0.31, 3, 3.04, 1)
    event = GaitEvent("toe_off", "left", 95, 3.2, 0.7)
    step_text = json.dumps(StepWire.from_record(stride).model_dump())
    assert StepWire.model_validate_json(step_text).to_record() == stride
    alert_text = json.dumps(AlertWire.from_record(alert).model_dump())
    assert AlertWire.model_validate_json(alert_text).to_record() == alert
    assert EventWire.model_validate(EventWire.from_record(event).model_dump()).kind == "toe_off"
    # A non-finite alert value leaves as null; a metric's None fields are kept in the model.
    nan_alert = AlertRecord("cleared", "r", "c", float("inf"), 0, 1.0, 0)
    assert AlertWire.from_record(nan_alert).value is None
    assert MetricWire.from_record(METRICS["foot_strike"]).model_dump()["value"] is None
