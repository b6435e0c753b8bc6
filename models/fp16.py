"""The trimmed landmark model marked for fp16 inference with fp16 accumulation.

XNNPACK computes a float model in fp16 on a CPU with half-precision arithmetic only when
the model's ``reduced_precision_support`` metadata allows fp16 inference *and* fp16
accumulation. MediaPipe's landmark model says ``fp16accfp32`` (fp16 allowed, accumulation
in fp32), so XNNPACK runs it in fp32 everywhere. The other route, forcing fp16 through the
delegate's flags, is not open on the classic ``Interpreter`` the engine uses.

:func:`fp16_landmark_model` writes, once, the trimmed model (:mod:`models.trim`) with that
one metadata entry set to ``fp16accfp16``: same ops, same weights, same outputs; on a CPU
without FP16 arithmetic XNNPACK ignores the entry and computes exactly what the trimmed
model computes. Like the trimmed model it is derived, never fetched: it sits beside the
fetched models with a record of its SHA-256 and its source's, is checked once per process
and rebuilt whenever it is missing, altered or made from another file.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from models.fetch import sha256_of, write_atomic
from models.trim import TrimToolingMissingError, derived_is_current

FP16_FILENAME = "pose_landmark_full_fp16.tflite"
FP16_RECORD = "pose_landmark_full_fp16.json"
#: The metadata key XNNPACK reads, and the value that lets it compute in fp16 throughout.
REDUCED_PRECISION_KEY = "reduced_precision_support"
FP16_WITH_FP16_ACCUMULATION = "fp16accfp16"


@dataclass(frozen=True, slots=True)
class Fp16Record:
    filename: str
    sha256: str
    source_sha256: str
    reduced_precision_support: str


def _flatbuffer_utils() -> Any:
    try:
        from ai_edge_litert.tools import flatbuffer_utils as fbu
    except ImportError as exc:
        raise TrimToolingMissingError(str(exc)) from None
    return fbu


def _name(raw: Any) -> str:
    return raw.decode() if isinstance(raw, bytes) else str(raw)


def reduced_precision_support(model: bytes) -> str | None:
    """The model's ``reduced_precision_support`` metadata value, or None without one."""
    fbu = _flatbuffer_utils()
    m: Any = fbu.read_model_from_bytearray(bytearray(model))
    for md in m.metadata or []:
        if _name(md.name) == REDUCED_PRECISION_KEY:
            data = m.buffers[md.buffer].data
            return bytes(data if data is not None else b"").rstrip(b"\0").decode()
    return None


def with_fp16_accumulation(model: bytes) -> bytes:
    """The same model with ``reduced_precision_support = "fp16accfp16"`` (the entry is
    rewritten where there is one, added where there is none)."""
    fbu = _flatbuffer_utils()
    from ai_edge_litert import schema_py_generated as schema

    m: Any = fbu.read_model_from_bytearray(bytearray(model))
    value = list(FP16_WITH_FP16_ACCUMULATION.encode())
    entry = next((md for md in m.metadata or [] if _name(md.name) == REDUCED_PRECISION_KEY), None)
    if entry is None:
        buffer = schema.BufferT()
        m.buffers.append(buffer)
        entry = schema.MetadataT()
        entry.name = REDUCED_PRECISION_KEY
        entry.buffer = len(m.buffers) - 1
        m.metadata = [*(m.metadata or []), entry]
    elif sum(1 for md in m.metadata if md.buffer == entry.buffer) > 1:
        m.buffers.append(schema.BufferT())  # the buffer is shared: give this entry its own
        entry.buffer = len(m.buffers) - 1
    m.buffers[entry.buffer].data = value
    return bytes(fbu.convert_object_to_bytearray(m))


def fp16_landmark_model(source: Path, source_sha256: str, out_dir: Path) -> Path:
    """The fp16 variant of ``source`` (the trimmed model, already verified to be
    ``source_sha256``) in ``out_dir``: reused when its record says it was made from that
    file and its SHA-256 still matches, otherwise (re)made.
    :class:`~models.trim.TrimToolingMissingError` without the flatbuffer tooling;
    :class:`OSError` when ``out_dir`` cannot be written."""
    path = out_dir / FP16_FILENAME
    record_path = out_dir / FP16_RECORD
    if derived_is_current(path, record_path, source_sha256):
        return path
    write_atomic(path, with_fp16_accumulation(source.read_bytes()))
    record = Fp16Record(FP16_FILENAME, sha256_of(path), source_sha256, FP16_WITH_FP16_ACCUMULATION)
    write_atomic(record_path, (json.dumps(asdict(record), indent=2) + "\n").encode())
    return path
