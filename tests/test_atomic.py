"""The one atomic-file-write helper: the target is the old file or the whole new one."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import numpy as np
import pytest

from edge.atomic import atomic_path, write_atomic


def test_text_and_bytes_replace_the_file_and_leave_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "out.csv"  # missing directories are made
    write_atomic(target, "a,b\n1,2\n")
    assert target.read_text(encoding="utf-8") == "a,b\n1,2\n"
    write_atomic(target, b"\x00\x01")
    assert target.read_bytes() == b"\x00\x01"
    assert sorted(p.name for p in target.parent.iterdir()) == ["out.csv"]


def test_a_failed_write_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "settings.toml"
    target.write_text("old\n", encoding="utf-8")
    with pytest.raises(RuntimeError, match="half way"), atomic_path(target) as tmp:
        tmp.write_text("new, but cut off", encoding="utf-8")
        raise RuntimeError("half way")
    assert target.read_text(encoding="utf-8") == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["settings.toml"]


def test_suffix_and_permissions(tmp_path: Path) -> None:
    target = tmp_path / "landmarks.npz"
    old = os.umask(0o022)
    try:
        with atomic_path(target, suffix=".npz") as tmp:
            assert tmp.name.endswith(".npz") and tmp.parent == tmp_path
            np.savez_compressed(tmp, x=np.arange(3))  # would append .npz to another name
    finally:
        os.umask(old)
    with np.load(target) as data:
        assert data["x"].tolist() == [0, 1, 2]
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
