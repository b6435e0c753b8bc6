"""`treadwatch bench`: the verdict from per-stage figures, and a real run on a clip."""

from __future__ import annotations

from pathlib import Path

import pytest

from edge.config.root import Config
from edge.offline.bench import BenchResult
from treadwatch.cli import main


def result(thread_ms: float, capture_ms: float = 3.0, fps: float = 30.0) -> BenchResult:
    return BenchResult(
        frames=100,
        stages_ms={},
        capture_ms=capture_ms,
        analysis_thread_ms=thread_ms,
        target_fps=fps,
        detector_runs=9,
    )


def test_verdict_holds_with_headroom() -> None:
    r = result(20.0)
    assert r.verdict(Config()) == "holds 30 fps with 40 % headroom (20.0 of 33.3 ms)"
    assert r.holdable_fps == pytest.approx(50.0)


def test_verdict_cannot_hold_names_the_fixes() -> None:
    v = result(48.0).verdict(Config())
    assert v.startswith("cannot hold 30 fps (48.0 ms per frame, 33.3 ms available): use ")
    assert "20 fps (capture.fps = 20)" in v
    # Not the int8 model: it is no faster than the (trimmed) float model the engine runs.
    assert "int8" not in v
    # Too slow even for 10 fps: only a faster device is left.
    assert "use a faster device" in result(150.0).verdict(Config())
    # Capture on its own thread can be the bottleneck too.
    assert result(10.0, capture_ms=40.0).verdict(Config()).startswith("cannot hold 30 fps (40.0")


@pytest.mark.data
def test_bench_on_a_clip_prints_every_stage(
    shared_data: Path, model_paths: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    clip = shared_data / "videos" / "front_jog_single.mp4"
    assert main(["bench", "--video", str(clip), "--frames", "20"]) == 0
    out = capsys.readouterr().out
    for stage in ("capture/decode", "detector", "landmarks", "smoothing", "analysis", "encode"):
        assert f"  {stage} " in out
    assert "frames from" in out and "can hold" in out
    last = out.strip().splitlines()[-1]
    assert last.startswith(("holds 30 fps", "cannot hold 30 fps"))


def test_verdict_names_fp16_where_fp32_ran_on_a_cpu_with_fp16_arithmetic() -> None:
    from dataclasses import replace

    from edge.pose.precision import CpuFp16, Precision

    fp32 = replace(result(48.0), precision=Precision("fp32", "fp32", "fp32 configured"))
    pi5, pi4 = CpuFp16(True, "CPU has asimdhp"), CpuFp16(False, "CPU has no asimdhp")
    v = fp32.verdict(Config(), pi5)
    assert v.startswith("cannot hold 30 fps (48.0 ms per frame, 33.3 ms available): use fp16 (")
    assert 'fp16 (pose.precision = "auto") or 20 fps' in v
    assert "fp16" not in fp32.verdict(Config(), pi4)
    fp16 = replace(result(48.0), precision=Precision("auto", "fp16", "auto: CPU has asimdhp"))
    assert "pose.precision" not in fp16.verdict(Config(), pi5)


def test_bench_refuses_zero_frames(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "--video", "x.mp4", "--frames", "0"]) == 2
    assert "--frames must be at least 1" in capsys.readouterr().err


@pytest.mark.data
@pytest.mark.parametrize("precision", ["fp32", "fp16"])
def test_bench_says_which_precision_ran_and_why(
    shared_data: Path,
    model_paths: dict[str, Path],
    capsys: pytest.CaptureFixture[str],
    precision: str,
) -> None:
    from edge.pose.precision import choose_precision, read_cpu_fp16

    clip = shared_data / "videos" / "front_jog_single.mp4"
    args = ["bench", "--video", str(clip), "--frames", "3", "--precision", precision]
    assert main(args) == 0
    first = capsys.readouterr().out.splitlines()[0]
    # This CPU decides: on x86 fp16 runs fp32 and the line says so.
    ran = choose_precision(precision, read_cpu_fp16())  # type: ignore[arg-type]
    assert first.endswith(f"landmark model in {ran.running} ({ran.reason})"), first
    if precision == "fp16" and not read_cpu_fp16().available:
        assert "landmark model in fp32 (fp16 configured, but " in first
        assert first.endswith(": running fp32 instead)")
