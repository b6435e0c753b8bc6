"""Slow motion from the file's metadata: the capture rate a phone writes into an MP4, read
without ffprobe, so a slow-motion clip needs no --capture-fps."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np
import pytest

from edge.media.mp4meta import capture_fps
from treadwatch.cli import main


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def _meta(key: str, type_code: int, value: bytes, *, mp4_style: bool = False) -> bytes:
    """A QuickTime metadata box (handler mdta, keys, ilst) as Android writes it."""
    hdlr = _box(b"hdlr", b"\0" * 8 + b"mdta" + b"\0" * 13)
    keys = _box(b"keys", b"\0\0\0\0" + struct.pack(">I", 1) + _box(b"mdta", key.encode()))
    data = _box(b"data", struct.pack(">I", type_code) + b"\0\0\0\0" + value)
    ilst = _box(b"ilst", _box(struct.pack(">I", 1), data))
    return _box(b"meta", (b"\0\0\0\0" if mp4_style else b"") + hdlr + keys + ilst)


def _mp4(tmp_path: Path, fps: float = 30.0, frames: int = 8) -> Path:
    import cv2

    path = tmp_path / "clip.mp4"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (160, 120))
    for i in range(frames):
        writer.write(np.full((120, 160, 3), 20 * i, np.uint8))
    writer.release()
    return path


def _add_to_moov(path: Path, box: bytes, *, under_udta: bool = False) -> None:
    """Insert ``box`` at the end of the file's moov (which follows mdat here, so no media
    offset moves) and fix the moov size."""
    data = path.read_bytes()
    i = 0
    seen: list[bytes] = []
    while i < len(data):
        size, kind = struct.unpack(">I4s", data[i : i + 8])
        seen.append(kind)
        if kind == b"moov":
            break
        i += size
    assert b"mdat" in seen, seen  # moov after the media data
    extra = _box(b"udta", box) if under_udta else box
    moov = data[i : i + size]
    new = struct.pack(">I", size + len(extra)) + moov[4:] + extra
    path.write_bytes(data[:i] + new + data[i + size :])


def test_android_capture_fps_is_read_and_the_file_still_plays(tmp_path: Path) -> None:
    import cv2

    path = _mp4(tmp_path)
    assert capture_fps(path) is None  # an ordinary clip declares nothing
    _add_to_moov(path, _meta("com.android.capture.fps", 23, struct.pack(">f", 240.0)))
    assert capture_fps(path) == pytest.approx(240.0)
    cap = cv2.VideoCapture(str(path))
    assert cap.get(cv2.CAP_PROP_FPS) == pytest.approx(30.0)
    n = 0
    while cap.read()[0]:
        n += 1
    assert n == 8


@pytest.mark.parametrize(
    ("key", "code", "value", "want"),
    [
        ("com.android.capture.fps", 67, struct.pack(">i", 120), 120.0),  # int32
        ("com.example.capture-fps", 1, b"960", 960.0),  # text
        ("com.android.version", 23, struct.pack(">f", 240.0), None),  # another key
    ],
)
def test_other_encodings_and_an_mp4_style_meta_under_udta(
    tmp_path: Path, key: str, code: int, value: bytes, want: float | None
) -> None:
    path = _mp4(tmp_path)
    _add_to_moov(path, _meta(key, code, value, mp4_style=True), under_udta=True)
    assert capture_fps(path) == want


def test_not_an_mp4_or_truncated_is_none(tmp_path: Path) -> None:
    text = tmp_path / "x.mp4"
    text.write_text("not a video at all")
    assert capture_fps(text) is None
    assert capture_fps(tmp_path / "missing.mp4") is None
    path = _mp4(tmp_path)
    _add_to_moov(path, _meta("com.android.capture.fps", 23, struct.pack(">f", 240.0)))
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(path.read_bytes()[:-20])
    assert capture_fps(cut) is None


@pytest.mark.model
def test_analyze_uses_the_declared_capture_rate(
    tmp_path: Path, model_paths: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    path = _mp4(tmp_path, frames=6)
    _add_to_moov(path, _meta("com.android.capture.fps", 23, struct.pack(">f", 240.0)))
    out = tmp_path / "r.json"
    assert main(["analyze", str(path), "--report", str(out)]) == 0
    assert "captured at 240 fps" in capsys.readouterr().out
    rep = json.loads(out.read_text())
    assert rep["capture_fps"] == pytest.approx(240.0)
    assert rep["capture_fps_source"] == "metadata"
    # given on the command line, the option wins
    assert main(["analyze", str(path), "--report", str(out), "--capture-fps", "120", "-q"]) == 0
    rep = json.loads(out.read_text())
    assert (rep["capture_fps"], rep["capture_fps_source"]) == (120.0, "option")
