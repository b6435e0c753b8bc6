"""The float landmark model trimmed to the outputs the engine reads.

``pose_landmark_full.tflite`` computes five outputs; the engine reads three of them (the
landmarks, the pose-presence flag and the heatmap it refines landmarks with). The other two,
a 256×256 segmentation mask and the world landmarks, are computed on every frame for
nothing, and the mask's decoder, at 128×128 and 256×256, is about a third of the invoke.

:func:`trimmed_landmark_model` writes, once, the same network without the ops that only
those two outputs need: the kept outputs are bit-for-bit the fetched model's (same weights,
same ops, same order), and the landmark stage is about 1.5× faster on this machine
(``benchmarks/int8_invoke.py``). The file is derived, so it is never fetched or asked of the
user: it sits beside the fetched model with a record of both SHA-256s, is checked once per
process and rebuilt (0.1 s) whenever it is missing, altered or made from another float model.
Where the flatbuffer tooling is missing (a ``tflite-runtime``-only install) the caller falls
back to the fetched model.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from edge.errors import ModelError
from models.fetch import sha256_of, write_atomic

TRIMMED_FILENAME = "pose_landmark_full_trimmed.tflite"
TRIMMED_RECORD = "pose_landmark_full_trimmed.json"


class TrimToolingMissingError(Exception):
    """The runtime has no flatbuffer tooling (``ai_edge_litert.tools``) to rewrite a model."""


@dataclass(frozen=True, slots=True)
class TrimRecord:
    filename: str
    sha256: str
    source_sha256: str
    outputs: list[list[int]]


def prune_outputs(model: bytes, keep: Callable[[tuple[int, ...]], bool]) -> bytes:
    """The same network computing only the outputs whose shape ``keep`` accepts: ops that
    feed none of them are removed, with the tensors and weight buffers only they used."""
    try:
        from ai_edge_litert.tools import flatbuffer_utils as fbu
    except ImportError as exc:
        raise TrimToolingMissingError(str(exc)) from None

    m: Any = fbu.read_model_from_bytearray(bytearray(model))
    sg = m.subgraphs[0]
    outs = [i for i in sg.outputs if keep(tuple(int(v) for v in sg.tensors[i].shape))]
    if not outs:
        raise ModelError("pruning would remove every output of the model")
    needed = set(outs)
    kept = []
    for op in reversed(sg.operators):
        if any(o in needed for o in op.outputs):
            kept.append(op)
            needed |= {i for i in op.inputs if i >= 0}
    kept.reverse()
    used = sorted(
        {i for op in kept for i in [*op.inputs, *op.outputs] if i >= 0} | set(sg.inputs) | set(outs)
    )
    new_index = {old: new for new, old in enumerate(used)}
    sg.tensors = [sg.tensors[i] for i in used]
    for op in kept:
        op.inputs = [new_index[i] if i >= 0 else i for i in op.inputs]
        op.outputs = [new_index[i] for i in op.outputs]
    sg.inputs = [new_index[i] for i in sg.inputs]
    sg.outputs = [new_index[i] for i in outs]
    sg.operators = kept
    for sig in m.signatureDefs or []:
        sig.inputs = [t for t in sig.inputs if t.tensorIndex in new_index]
        sig.outputs = [t for t in sig.outputs if t.tensorIndex in outs]
        for t in [*sig.inputs, *sig.outputs]:
            t.tensorIndex = new_index[t.tensorIndex]
    # Drop the weights only the removed ops read (buffer 0 is the schema's empty sentinel;
    # metadata entries point at buffers too).
    if len(m.subgraphs) == 1:
        metadata = m.metadata or []
        buffers = sorted({0} | {t.buffer for t in sg.tensors} | {md.buffer for md in metadata})
        new_buffer = {old: new for new, old in enumerate(buffers)}
        m.buffers = [m.buffers[b] for b in buffers]
        for t in sg.tensors:
            t.buffer = new_buffer[t.buffer]
        for md in metadata:
            md.buffer = new_buffer[md.buffer]
    return bytes(fbu.convert_object_to_bytearray(m))


def engine_outputs(shape: tuple[int, ...]) -> bool:
    """The landmark model outputs the engine reads: landmarks, presence flag, heatmap."""
    from edge.pose.landmarker import NUM_OUTPUT_LANDMARKS

    return shape in ((1, NUM_OUTPUT_LANDMARKS * 5), (1, 1)) or (
        len(shape) == 4 and shape[-1] == NUM_OUTPUT_LANDMARKS
    )


def derived_is_current(path: Path, record_path: Path, source_sha256: str) -> bool:
    """Whether the derived model file ``path`` is the one its JSON record (beside it)
    says was made from the file whose SHA-256 is ``source_sha256``, unaltered since."""
    try:
        record = json.loads(record_path.read_text(encoding="utf-8"))
        made_from, digest = record["source_sha256"], record["sha256"]
    except (OSError, ValueError, TypeError, KeyError):
        return False
    return made_from == source_sha256 and path.is_file() and sha256_of(path) == digest


def trimmed_landmark_model(source: Path, source_sha256: str, out_dir: Path) -> Path:
    """The trimmed model made from ``source`` (already verified to be ``source_sha256``) in
    ``out_dir``: reused when its record says it was made from that file and its SHA-256
    still matches, otherwise (re)made. :class:`TrimToolingMissingError` without the tooling;
    :class:`OSError` when ``out_dir`` cannot be written."""
    path = out_dir / TRIMMED_FILENAME
    record_path = out_dir / TRIMMED_RECORD
    if derived_is_current(path, record_path, source_sha256):
        return path
    data = prune_outputs(source.read_bytes(), engine_outputs)
    from ai_edge_litert.tools import flatbuffer_utils as fbu

    m: Any = fbu.read_model_from_bytearray(bytearray(data))
    sg = m.subgraphs[0]
    outputs = [[int(v) for v in sg.tensors[i].shape] for i in sg.outputs]
    write_atomic(path, data)
    record = TrimRecord(TRIMMED_FILENAME, sha256_of(path), source_sha256, outputs)
    write_atomic(record_path, (json.dumps(asdict(record), indent=2) + "\n").encode())
    return path
