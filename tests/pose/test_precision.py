"""``pose.precision``: reading FP16 arithmetic from the CPU's description, choosing what
runs, the config key (and the former ``landmark_model``), and the fp16 model file."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from edge.config.root import parse_config
from edge.errors import ConfigError
from edge.pose import config as pose_config
from edge.pose.config import PoseConfig
from edge.pose.interpreter import TFLiteModel
from edge.pose.precision import (
    HWCAP_ASIMDHP,
    CpuFp16,
    choose_precision,
    cpu_fp16,
    fp16_from_cpuinfo,
)
from models import resolve
from models.fp16 import FP16_FILENAME, FP16_RECORD, reduced_precision_support
from models.trim import TRIMMED_FILENAME
from tests.conftest import copy_models

# /proc/cpuinfo as a Raspberry Pi 5 (Cortex-A76) and a Pi 4 (Cortex-A72) print it (two of
# the four identical cores shown), and an x86 machine's.
PI5 = """processor\t: 0
BogoMIPS\t: 108.00
Features\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid asimdrdm \
lrcpc dcpop asimddp
CPU implementer\t: 0x41
CPU part\t: 0xd0b

processor\t: 1
BogoMIPS\t: 108.00
Features\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid asimdrdm \
lrcpc dcpop asimddp
CPU part\t: 0xd0b
"""
PI4 = """processor\t: 0
BogoMIPS\t: 108.00
Features\t: fp asimd evtstrm crc32 cpuid
CPU part\t: 0xd08

processor\t: 1
Features\t: fp asimd evtstrm crc32 cpuid
CPU part\t: 0xd08
"""
X86 = """processor\t: 0
vendor_id\t: GenuineIntel
model name\t: Intel(R) Xeon(R) CPU
flags\t\t: fpu vme de pse tsc msr pae mce cx8 apic sse sse2 avx avx2 f16c fma
"""


def test_asimdhp_is_read_from_the_features_line() -> None:
    assert fp16_from_cpuinfo(PI5) is True
    assert fp16_from_cpuinfo(PI4) is False
    assert fp16_from_cpuinfo(X86) is None  # no Features line: not an Arm CPU's text
    # A core without it (a big.LITTLE mix) means not every thread can compute in fp16.
    assert fp16_from_cpuinfo(PI5 + "\nprocessor\t: 2\nFeatures\t: fp asimd\n") is False


def test_cpu_fp16_from_machine_cpuinfo_and_hwcap() -> None:
    pi5 = cpu_fp16("aarch64", PI5, None)
    assert pi5 == CpuFp16(True, "CPU has asimdhp")
    assert cpu_fp16("aarch64", PI4, HWCAP_ASIMDHP) == CpuFp16(False, "CPU has no asimdhp")
    # x86 (f16c only converts): no FP16 arithmetic, whatever its flags say.
    x86 = cpu_fp16("x86_64", X86, None)
    assert not x86.available and "x86_64" in x86.evidence
    # Under qemu-user /proc/cpuinfo is the host's: the hwcap word decides.
    assert cpu_fp16("aarch64", X86, HWCAP_ASIMDHP | 0b11) == CpuFp16(
        True, "CPU has asimdhp (hwcap)"
    )
    assert not cpu_fp16("aarch64", X86, 0b11).available
    assert not cpu_fp16("aarch64", None, None).available


@pytest.mark.parametrize(
    ("requested", "cpu", "running", "reason"),
    [
        ("auto", PI5, "fp16", "auto: CPU has asimdhp"),
        ("auto", PI4, "fp32", "auto: CPU has no asimdhp"),
        ("fp16", PI5, "fp16", "fp16 configured, CPU has asimdhp"),
        ("fp16", PI4, "fp32", "fp16 configured, but CPU has no asimdhp: running fp32 instead"),
        ("fp32", PI5, "fp32", "fp32 configured"),
        ("int8", PI5, "int8", "int8 configured"),
    ],
)
def test_choice_and_its_reason(requested: Any, cpu: str, running: str, reason: str) -> None:
    chosen = choose_precision(requested, cpu_fp16("aarch64", cpu, None))
    assert (chosen.requested, chosen.running, chosen.reason) == (requested, running, reason)


def test_fp16_asked_for_on_x86_says_fp32_ran() -> None:
    chosen = choose_precision("fp16", cpu_fp16("x86_64", X86, None))
    assert chosen.running == "fp32"
    assert chosen.reason == (
        "fp16 configured, but x86_64 CPU: no FP16 arithmetic: running fp32 instead"
    )


def test_config_key_and_its_values() -> None:
    assert PoseConfig().precision == "auto"
    for value in ("auto", "fp32", "fp16", "int8"):
        assert parse_config({"pose": {"precision": value}}).pose.precision == value
    with pytest.raises(ConfigError, match=r"^f\.toml: pose\.precision: Input should be 'auto'"):
        parse_config({"pose": {"precision": "fp8"}}, "f.toml")


def test_former_landmark_model_key_is_read_as_precision(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Said once per process: start this test as a fresh process would (an earlier test may
    # have loaded a config with the former key already).
    monkeypatch.setattr(pose_config, "_warned", set())
    with caplog.at_level(logging.WARNING):
        assert parse_config({"pose": {"landmark_model": "float"}}).pose.precision == "fp32"
        assert parse_config({"pose": {"landmark_model": "int8"}}).pose.precision == "int8"
    said = [r.getMessage() for r in caplog.records if "landmark_model" in r.getMessage()]
    assert any('read as pose.precision = "fp32"' in m for m in said), said
    # Dumped (settings snapshots, the settings page) under the new key only.
    assert "landmark_model" not in parse_config({"pose": {"landmark_model": "float"}}).model_dump()
    with pytest.raises(ConfigError, match="landmark_model is replaced by precision"):
        parse_config({"pose": {"landmark_model": "float", "precision": "fp16"}})
    with pytest.raises(ConfigError, match=r"pose: landmark_model = 'fp16' is not known"):
        parse_config({"pose": {"landmark_model": "fp16"}})


@pytest.fixture
def cache(model_paths: dict[str, Path], tmp_path: Path) -> Path:
    return copy_models(model_paths, tmp_path / "models")


PI5_CPU = cpu_fp16("aarch64", PI5, None)
X86_CPU = cpu_fp16("x86_64", X86, None)


def test_fp16_model_is_the_trimmed_model_marked_fp16_accumulation(cache: Path) -> None:
    from ai_edge_litert.tools import flatbuffer_utils as fbu

    models = resolve.pose_models(PoseConfig(precision="auto"), cache, cpu=PI5_CPU)
    assert models.landmarks == cache / FP16_FILENAME
    assert models.precision is not None and models.precision.running == "fp16"
    trimmed = (cache / TRIMMED_FILENAME).read_bytes()
    fp16 = models.landmarks.read_bytes()
    # MediaPipe's model allows fp16 only with fp32 accumulation: XNNPACK then runs fp32.
    assert reduced_precision_support(trimmed) == "fp16accfp32"
    assert reduced_precision_support(fp16) == "fp16accfp16"
    # Nothing else changed: the same ops, tensors and weights.
    a, b = fbu.read_model_from_bytearray(bytearray(trimmed)), fbu.read_model(str(models.landmarks))
    assert len(a.subgraphs[0].operators) == len(b.subgraphs[0].operators) > 100
    assert [list(t.shape) for t in a.subgraphs[0].tensors] == [
        list(t.shape) for t in b.subgraphs[0].tensors
    ]
    meta = {md.buffer for md in a.metadata}
    for i, (x, y) in enumerate(zip(a.buffers, b.buffers, strict=True)):
        if i not in meta:
            assert (x.data is None and y.data is None) or np.array_equal(x.data, y.data), i
    record = json.loads((cache / FP16_RECORD).read_text())
    assert record["reduced_precision_support"] == "fp16accfp16"
    assert record["filename"] == FP16_FILENAME
    # Loads and runs; same output shapes as the trimmed model.
    assert (
        TFLiteModel(models.landmarks, 1).output_shapes
        == TFLiteModel(cache / TRIMMED_FILENAME, 1).output_shapes
    )


def test_fp16_model_is_remade_when_altered(cache: Path) -> None:
    path = resolve.fp16_model(cache)
    good = path.read_bytes()
    data = bytearray(good)
    data[-100] ^= 0xFF
    path.write_bytes(bytes(data))
    resolve._verified.clear()  # a new process
    assert resolve.fp16_model(cache).read_bytes() == good


def test_fp16_on_x86_runs_the_trimmed_model_and_says_so(cache: Path) -> None:
    models = resolve.pose_models(PoseConfig(precision="fp16"), cache, cpu=X86_CPU)
    assert models.landmarks == cache / TRIMMED_FILENAME
    assert models.precision is not None and models.precision.running == "fp32"
    assert "running fp32 instead" in models.precision.reason


def test_fp16_falls_back_to_fp32_with_one_log_line_when_it_cannot_be_made(
    cache: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (cache / FP16_FILENAME).mkdir()  # the file cannot be written there
    with caplog.at_level(logging.WARNING, logger="models.resolve"):
        models = resolve.pose_models(PoseConfig(precision="auto"), cache, cpu=PI5_CPU)
    assert models.landmarks == cache / TRIMMED_FILENAME
    assert models.precision is not None and models.precision.running == "fp32"
    assert models.precision.reason.startswith("auto: CPU has asimdhp; the fp16 model cannot be")
    assert models.precision.reason.endswith(": running fp32")
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 1 and "the fp16 model cannot be made" in lines[0], lines
