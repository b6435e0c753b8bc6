"""The capture frame rate a phone wrote into an MP4 / QuickTime file, if it did.

Phones record slow motion at 120-960 fps and store it to play back at ~30 fps: the frames'
timestamps (what OpenCV reports as the rate) are playback time. Android writes the real
rate as a QuickTime metadata item, key ``com.android.capture.fps`` (a big-endian float32),
in ``moov/meta`` (handler ``mdta``: a ``keys`` box naming the keys, an ``ilst`` box holding
one item per key index, each with a ``data`` box: type 23 = float32, 67 = int32, 1 = UTF-8
text). Other writers use similar keys (``…capture-fps``); any key ending in capture fps is
read. An iPhone's original slow-motion file stores the frames at their capture times
already (OpenCV then reports e.g. 240 fps), so it needs nothing from here.

Only box headers are read until ``moov`` is found (the media data is skipped with a seek),
so a large file costs a few reads. No third-party library is needed for this one item:
the well-kept readers (ffprobe, MediaInfo) are programs, not Python packages, and not
installed on the Pi by default.
"""

from __future__ import annotations

import re
import struct
from pathlib import Path
from typing import BinaryIO

#: Container boxes searched for ``meta`` (QuickTime may put it in moov, udta or a trak).
_CONTAINERS = {b"moov", b"trak", b"udta", b"mdia", b"minf", b"meta"}
_KEY = re.compile(r"capture[._-]?fps$", re.IGNORECASE)
_MAX_MOOV = 64 * 1024 * 1024


def _boxes(data: bytes, start: int = 0, end: int | None = None) -> list[tuple[bytes, int, int]]:
    """(type, payload start, payload end) of the boxes in ``data[start:end]``."""
    end = len(data) if end is None else end
    out: list[tuple[bytes, int, int]] = []
    i = start
    while i + 8 <= end:
        size, kind = struct.unpack(">I4s", data[i : i + 8])
        head = 8
        if size == 1:
            if i + 16 > end:
                break
            size = struct.unpack(">Q", data[i + 8 : i + 16])[0]
            head = 16
        elif size == 0:
            size = end - i
        if size < head or i + size > end:
            break
        out.append((kind, i + head, i + size))
        i += size
    return out


def _meta_children(data: bytes, start: int, end: int) -> list[tuple[bytes, int, int]]:
    """A ``meta`` box: MP4's has 4 bytes of version/flags first, QuickTime's does not."""
    plain = _boxes(data, start, end)
    if plain and plain[0][0] == b"hdlr":
        return plain
    return _boxes(data, start + 4, end)


def _decode(kind: int, value: bytes) -> float | None:
    try:
        if kind == 23 and len(value) == 4:
            return float(struct.unpack(">f", value)[0])
        if kind == 24 and len(value) == 8:
            return float(struct.unpack(">d", value)[0])
        if kind in (21, 22, 65, 66, 67, 74, 75, 76, 77, 78) and 1 <= len(value) <= 8:
            signed = kind in (21, 65, 66, 67, 74)
            return float(int.from_bytes(value, "big", signed=signed))
        if kind == 1:
            return float(value.decode("utf-8").strip())
    except (ValueError, UnicodeDecodeError, struct.error):
        return None
    return None


def _capture_fps_in_meta(data: bytes, start: int, end: int) -> float | None:
    children = _meta_children(data, start, end)
    keys: list[str] = []
    for kind, a, b in children:
        if kind == b"keys" and b - a >= 8:
            count = struct.unpack(">I", data[a + 4 : a + 8])[0]
            i = a + 8
            for _ in range(count):
                if i + 8 > b:
                    break
                size = struct.unpack(">I", data[i : i + 4])[0]
                if size < 8 or i + size > b:
                    break
                keys.append(data[i + 8 : i + size].decode("utf-8", "replace"))
                i += size
    for kind, a, b in children:
        if kind != b"ilst":
            continue
        for item, ia, ib in _boxes(data, a, b):
            index = int.from_bytes(item, "big")
            if not 1 <= index <= len(keys) or not _KEY.search(keys[index - 1]):
                continue
            for sub, da, db in _boxes(data, ia, ib):
                if sub == b"data" and db - da >= 8:
                    kind_code = int.from_bytes(data[da + 1 : da + 4], "big")
                    value = _decode(kind_code, data[da + 8 : db])
                    if value is not None and value > 0:
                        return value
    return None


def _search(data: bytes, start: int, end: int) -> float | None:
    for kind, a, b in _boxes(data, start, end):
        if kind == b"meta":
            got = _capture_fps_in_meta(data, a, b)
            if got is not None:
                return got
            found = _search(data, a + (0 if data[a + 4 : a + 8] == b"hdlr" else 4), b)
        elif kind in _CONTAINERS:
            found = _search(data, a, b)
        else:
            continue
        if found is not None:
            return found
    return None


def _read_moov(f: BinaryIO) -> bytes | None:
    while True:
        head = f.read(8)
        if len(head) < 8:
            return None
        size, kind = struct.unpack(">I4s", head)
        skip = size - 8
        if size == 1:
            ext = f.read(8)
            if len(ext) < 8:
                return None
            size = struct.unpack(">Q", ext)[0]
            skip = size - 16
        elif size == 0:
            return f.read(_MAX_MOOV) if kind == b"moov" else None
        if skip < 0:
            return None
        if kind == b"moov":
            if skip > _MAX_MOOV:
                return None
            # the moov payload, re-wrapped as one box so its children parse alike
            return struct.pack(">I4s", 8 + skip, b"moov") + f.read(skip)
        f.seek(skip, 1)


def capture_fps(path: Path) -> float | None:
    """The capture rate the file declares (slow motion), or None when it declares none or
    is not an MP4 / QuickTime file."""
    try:
        with path.open("rb") as f:
            moov = _read_moov(f)
    except OSError:
        return None
    if moov is None:
        return None
    return _search(moov, 0, len(moov))
