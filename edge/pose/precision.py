"""Which arithmetic the landmark model runs in: fp32, fp16 or int8.

``pose.precision = "auto"`` runs fp16 where the CPU has half-precision arithmetic (Armv8.2
FP16, as on a Raspberry Pi 5's Cortex-A76; Linux lists it as ``asimdhp`` among the
``Features`` of ``/proc/cpuinfo``), fp32 elsewhere (a Pi 4's Cortex-A72, x86). XNNPACK
computes natively in fp16 only on such a CPU: asking for fp16 on any other runs fp32, and
:class:`Precision` says so, with the reason, wherever the precision is shown
(``treadwatch bench``, ``/api/status``).

The CPU is read at the I/O boundary (:func:`read_cpu_fp16`); what follows from it
(:func:`fp16_from_cpuinfo`, :func:`choose_precision`) is pure and tested on given texts.
"""

from __future__ import annotations

import argparse
import ctypes
import platform
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from edge.config.root import Config

Requested = Literal["auto", "fp32", "fp16", "int8"]
Running = Literal["fp32", "fp16", "int8"]

#: Linux's aarch64 hwcap bit for Advanced SIMD half-precision arithmetic (``asimdhp``).
HWCAP_ASIMDHP = 1 << 10
AT_HWCAP = 16
ARM64_MACHINES = ("aarch64", "arm64")


@dataclass(frozen=True, slots=True)
class CpuFp16:
    """Whether the CPU has FP16 arithmetic XNNPACK can run in, and how that was found."""

    available: bool
    evidence: str  # e.g. "CPU has asimdhp", "x86_64 CPU: no FP16 arithmetic"


@dataclass(frozen=True, slots=True)
class Precision:
    """The precision asked for, the one that runs, and why (one line for people)."""

    requested: Requested
    running: Running
    reason: str

    def as_json(self) -> dict[str, str]:
        return {"requested": self.requested, "running": self.running, "reason": self.reason}


def fp16_from_cpuinfo(text: str) -> bool | None:
    """``asimdhp`` among the ``Features`` of a ``/proc/cpuinfo`` text: True or False; None
    when the text lists no ``Features`` (not an Arm CPU's, or not the running CPU's, as
    under qemu-user, which shows the host's file)."""
    found: bool | None = None
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip() == "Features":
            has = "asimdhp" in value.split()
            found = has if found is None else found and has  # every core must have it
    return found


def _hwcap() -> int | None:
    """The kernel's hardware capabilities word (``getauxval(AT_HWCAP)``), if readable."""
    try:
        libc = ctypes.CDLL(None)
        getauxval = libc.getauxval
    except (OSError, AttributeError):
        return None
    getauxval.restype = ctypes.c_ulong
    getauxval.argtypes = [ctypes.c_ulong]
    return int(getauxval(AT_HWCAP))


def cpu_fp16(machine: str, cpuinfo: str | None, hwcap: int | None) -> CpuFp16:
    """FP16 arithmetic from what the system says: the machine name, the ``/proc/cpuinfo``
    text and, on aarch64 where that text lists no features, the hwcap word (what XNNPACK
    itself reads)."""
    if machine.lower() not in ARM64_MACHINES:
        return CpuFp16(False, f"{machine} CPU: no FP16 arithmetic")
    listed = fp16_from_cpuinfo(cpuinfo) if cpuinfo is not None else None
    if listed is not None:
        return CpuFp16(listed, "CPU has asimdhp" if listed else "CPU has no asimdhp")
    if hwcap is not None:
        has = bool(hwcap & HWCAP_ASIMDHP)
        return CpuFp16(has, f"CPU has {'' if has else 'no '}asimdhp (hwcap)")
    return CpuFp16(False, "cannot tell whether the CPU has asimdhp")


def read_cpu_fp16(cpuinfo_path: Path = Path("/proc/cpuinfo")) -> CpuFp16:
    """:func:`cpu_fp16` for the CPU this process runs on."""
    try:
        text: str | None = cpuinfo_path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        text = None
    machine = platform.machine()
    return cpu_fp16(machine, text, _hwcap() if machine.lower() in ARM64_MACHINES else None)


def choose_precision(requested: Requested, cpu: CpuFp16) -> Precision:
    """The precision that runs for ``requested`` on ``cpu`` (before the model files are
    made: :func:`models.resolve.pose_models` may still fall back from fp16 to fp32)."""
    if requested == "int8":
        return Precision(requested, "int8", "int8 configured")
    if requested == "fp32":
        return Precision(requested, "fp32", "fp32 configured")
    if requested == "auto":
        running: Running = "fp16" if cpu.available else "fp32"
        return Precision(requested, running, f"auto: {cpu.evidence}")
    if cpu.available:
        return Precision(requested, "fp16", f"fp16 configured, {cpu.evidence}")
    return Precision(
        requested, "fp32", f"fp16 configured, but {cpu.evidence}: running fp32 instead"
    )


def precision_line(precision: Precision | None) -> str:
    """``fp16 (auto: CPU has asimdhp)``: what ran and why."""
    if precision is None:
        return "the precision of the files given"
    return f"{precision.running} ({precision.reason})"


def with_precision(config: Config, precision: str | None) -> Config:
    """``config`` with ``pose.precision`` replaced by a ``--precision`` option, if given."""
    if precision is None:
        return config
    pose = config.pose.model_copy(update={"precision": precision})
    return config.model_copy(update={"pose": pose})


def add_precision_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--precision",
        choices=("auto", "fp32", "fp16", "int8"),
        default=None,
        help="the landmark model's arithmetic (overrides pose.precision; auto: fp16 where "
        "the CPU has FP16 arithmetic, else fp32)",
    )
