"""Alert rules: silent on a clean runner, the right cue within five strides of a fault,
cleared after it stops; at most two cues at once; hysteresis and cooldown."""

from __future__ import annotations

from dataclasses import replace

import pytest

from edge.gait.alerts import AlertEngine
from edge.gait.analyzer import GaitAnalyzer
from edge.gait.config import AlertsConfig, GaitConfig
from edge.gait.records import AlertRecord, MetricValue, StrideRecord
from edge.gait.synthetic import RunnerParams, SyntheticClip, generate, generate_schedule

BASE = RunnerParams(noise=0.002, swap_prob=0.05, overstride=0.05, trunk_lean_deg=6.0)


def run(clip: SyntheticClip) -> tuple[list[StrideRecord], list[AlertRecord]]:
    a = GaitAnalyzer(GaitConfig(), AlertsConfig(), clip.fps, aspect=clip.params.aspect)
    strides: list[StrideRecord] = []
    alerts: list[AlertRecord] = []
    for i, (t, lm) in enumerate(zip(clip.timestamps, clip.landmarks, strict=True)):
        upd = a.push(i, float(t), lm)
        strides += upd.strides
        alerts += upd.alerts
    return strides, alerts


def strides_after(strides: list[StrideRecord], t0: float, alert: AlertRecord) -> float:
    """Strides (two steps) from the first step at or after ``t0`` to the alert's step."""
    first = next(s.index for s in strides if s.t_s >= t0)
    return (alert.stride_index - first + 1) / 2.0


@pytest.mark.parametrize("view", ["side-left", "front"])
def test_no_alert_on_a_clean_runner(view: str) -> None:
    _, alerts = run(generate(replace(BASE, view=view), 40.0))  # type: ignore[arg-type]
    assert alerts == []


FAULTS = [
    ({"overstride": 0.32}, "overstride", "side-right"),
    ({"head_pitch_deg": 32.0}, "head_pitch_deg", "side-left"),
    ({"trunk_lean_deg": 22.0}, "trunk_lean_deg", "side-left"),
    ({"cadence_spm": 145.0}, "cadence_spm", "side-left"),
    ({"arm_crossover": 0.3}, "arm_crossover", "front"),
]


@pytest.mark.parametrize(("fault", "rule", "view"), FAULTS)
def test_fault_raises_the_right_cue_and_clears(
    fault: dict[str, float], rule: str, view: str
) -> None:
    clean = replace(BASE, view=view)  # type: ignore[arg-type]
    faulty = replace(clean, **fault)  # type: ignore[arg-type]
    strides, alerts = run(generate_schedule([(clean, 10.0), (faulty, 15.0), (clean, 20.0)]))
    raised = [a for a in alerts if a.state == "raised"]
    assert [a.rule for a in raised] == [rule], alerts
    assert raised[0].cue
    assert raised[0].t_s >= 10.0
    assert strides_after(strides, 10.0, raised[0]) <= 5.0
    cleared = [a for a in alerts if a.state == "cleared"]
    assert [a.rule for a in cleared] == [rule]
    assert cleared[0].t_s >= 25.0
    assert strides_after(strides, 25.0, cleared[0]) <= 5.0


def test_at_most_two_cues_at_once_highest_priority_first() -> None:
    bad = replace(BASE, overstride=0.32, head_pitch_deg=32.0, trunk_lean_deg=22.0)
    _, alerts = run(generate(bad, 20.0))
    active: set[str] = set()
    for a in alerts:
        if a.state == "raised":
            active.add(a.rule)
        else:
            active.discard(a.rule)
        assert len(active) <= 2
    # the two most important (priorities 1 and 2) end up shown, not trunk lean (3)
    assert active == {"overstride", "head_pitch_deg"}


def _stride(i: int, t: float, value: float | None, conf: float = 0.9) -> StrideRecord:
    return StrideRecord(
        index=i,
        foot="left",
        frame_index=i,
        t_s=t,
        metrics={"overstride": MetricValue(value, "leg lengths", conf)},
    )


def test_rule_hysteresis_cooldown_and_confidence() -> None:
    cfg = AlertsConfig()
    rule = cfg.overstride
    eng = AlertEngine(cfg)
    t = 0.0
    out: list[AlertRecord] = []

    def feed(values: list[float], conf: float = 0.9) -> None:
        nonlocal t
        for v in values:
            t += 0.35
            out.extend(eng.on_stride(_stride(len(out) + int(t * 100), t, v, conf)))

    feed([0.3] * 5, conf=0.2)  # unsure strides are ignored
    assert out == []
    feed([0.3, 0.1, 0.3, 0.3])  # 3 of the last 5 over the threshold
    assert [a.state for a in out] == ["raised"]
    assert out[0].value == pytest.approx(0.3)
    feed([0.17] * 6)  # below the threshold but not below `clear`: stays raised
    assert len(out) == 1
    feed([0.1, 0.1, 0.1])
    assert [a.state for a in out] == ["raised", "cleared"]
    feed([0.3] * 5)  # inside the cooldown: quiet
    assert len(out) == 2
    t += rule.cooldown_s
    feed([0.3] * 3)
    assert [a.state for a in out] == ["raised", "cleared", "raised"]


def test_rules_are_config() -> None:
    cfg = AlertsConfig.model_validate({"overstride": {"threshold": 0.1, "clear": 0.05}})
    assert cfg.overstride.threshold == 0.1
    assert cfg.overstride.cue == AlertsConfig().overstride.cue or cfg.overstride.cue == ""
    assert set(AlertsConfig().rules()) >= {
        "overstride",
        "arm_crossover",
        "head_pitch_deg",
        "trunk_lean_deg",
        "cadence_spm",
    }
    assert all(r.cue for r in AlertsConfig().rules().values())
    off = AlertsConfig(enabled=False)
    assert AlertEngine(off).on_stride(_stride(0, 1.0, 0.9)) == []


def test_cue_clears_when_its_metric_can_no_longer_be_measured() -> None:
    """A view change (or a limb leaving the frame) must not leave a cue up for ever."""
    cfg = AlertsConfig()
    eng = AlertEngine(cfg)
    out: list[AlertRecord] = []
    for i in range(4):
        out += eng.on_stride(_stride(i, 0.35 * i, 0.3, 0.9))
    assert [a.state for a in out] == ["raised"]
    for i in range(4, 4 + cfg.overstride.last_m - 1):  # unmeasurable, not yet long enough
        out += eng.on_stride(_stride(i, 0.35 * i, None, 0.0))
    assert len(out) == 1
    out += eng.on_stride(_stride(9, 3.2, 0.3, 0.05))  # a value, but not confident
    assert [(a.state, a.value) for a in out] == [("raised", pytest.approx(0.3)), ("cleared", None)]
