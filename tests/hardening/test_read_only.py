"""A read-only data directory is reported as read-only (data intact, what to
check), not as a broken database to "move away"."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from edge.config.root import Config
from edge.errors import StorageError
from edge.live.demo import DemoSource
from edge.recording.recorder import Recorder
from edge.recording.store import SessionStore
from server.app import create_app
from server.auth import PIN_HEADER
from tests.recording.synth import SynthSession, recording_config
from tests.support.serving import serve

PIN = "582039"


def _record(tmp: Path) -> Path:
    rec = Recorder(recording_config(tmp))
    synth = SynthSession(duration_s=2.0)
    rec.session_started("s", synth.t0, {})
    for f in synth:
        rec.frame(*f)
    rec.session_ended(synth.t_end)
    rec.close()
    return tmp / "sessions.db"


@pytest.fixture
def read_only_db(tmp_path: Path) -> Iterator[Path]:
    """A recorded database in a directory the process may not write: permissions for a
    normal user; for root (who ignores permissions) a read-only tmpfs mount."""
    db = _record(tmp_path / "rec")
    if os.geteuid() != 0:
        for p in db.parent.iterdir():
            p.chmod(0o444) if p.is_file() else None
        db.parent.chmod(0o555)
        yield db
        db.parent.chmod(0o755)
        return
    mnt = tmp_path / "ro"
    mnt.mkdir()
    mount = ["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(mnt)]
    if subprocess.run(mount, check=False, capture_output=True).returncode:
        pytest.skip("cannot mount a read-only filesystem here (root without CAP_SYS_ADMIN)")
    try:
        for p in db.parent.iterdir():
            if p.is_file():
                shutil.copy2(p, mnt / p.name)
        subprocess.run(["mount", "-o", "remount,ro", str(mnt)], check=True)
        yield mnt / "sessions.db"
    finally:
        subprocess.run(["umount", str(mnt)], check=True)


def test_store_says_read_only_and_what_to_check(read_only_db: Path) -> None:
    with pytest.raises(StorageError) as err:
        SessionStore(read_only_db)
    msg = str(err.value)
    assert "is read-only" in msg
    assert "sessions are intact" in msg
    assert "move the file away" not in msg
    assert "findmnt" in msg


def test_review_says_read_only(read_only_db: Path) -> None:
    cfg = Config.model_validate(
        {"server": {"settings_pin": PIN}, "recording": {"db_path": str(read_only_db)}}
    )
    app = create_app(cfg, DemoSource.from_config(cfg.capture))
    with serve(app, lifespan="off") as host:
        r = httpx.get(f"http://{host}/api/review/sessions", headers={PIN_HEADER: PIN})
    assert r.status_code == 503
    assert "is read-only" in r.json()["detail"]
    assert "move the file away" not in r.json()["detail"]


def test_a_corrupt_file_is_still_called_unusable(tmp_path: Path) -> None:
    db = tmp_path / "sessions.db"
    db.write_bytes(b"not a database" * 1000)
    with pytest.raises(StorageError, match="cannot be used"):
        SessionStore(db)
