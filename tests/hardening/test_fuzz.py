"""The whole OpenAPI fuzzed with schemathesis against a real server with a PIN: no answer is
a 5xx, and nothing changes for a caller without the PIN.

Bounded: a few dozen generated cases per operation, well under a minute. ``/video.mjpeg``
(an endless stream) is left out; the WebSocket is not in the OpenAPI.
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings

from edge.config.root import Config
from edge.live.demo import DemoSource
from edge.recording.recorder import Recorder
from server.app import create_app
from server.auth import PIN_HEADER
from tests.recording.synth import SynthSession, recording_config
from tests.support.serving import serve

PIN = "582039"
EXAMPLES = 12
SKIP = {"/video.mjpeg"}
STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any, Path]]:
    tmp = tmp_path_factory.mktemp("fuzz")
    rec = Recorder(recording_config(tmp))
    for n in range(2):
        synth = SynthSession(duration_s=3.0, t0=100.0 + 50 * n)
        rec.session_started(f"s{n}", synth.t0, {})
        for f in synth:
            rec.frame(*f)
        rec.mark("m", t_s=synth.t0 + 1.0)
        rec.session_ended(synth.t_end)
    rec.close()
    db = tmp / "sessions.db"
    cfg = Config.model_validate(
        {"server": {"settings_pin": PIN}, "recording": {"enabled": False, "db_path": str(db)}}
    )
    app = create_app(cfg, DemoSource.from_config(cfg.capture), settings_file=tmp / "settings.toml")
    with serve(app) as host:
        yield f"http://{host}", app, tmp


def _fingerprint(base: str, tmp: Path) -> tuple[str, ...]:
    """What a caller could change: the config in force, the database, the settings file."""
    config = httpx.get(base + "/api/config", timeout=10).text
    files = sorted(p for p in tmp.rglob("*") if p.is_file() and not p.name.endswith("-shm"))
    digest = hashlib.sha256()
    import sqlite3

    conn = sqlite3.connect(tmp / "sessions.db")
    for table in ("sessions", "marks", "strides", "clips"):
        digest.update(repr(conn.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()).encode())
    conn.close()
    return (config, digest.hexdigest(), *(p.name for p in files if p.name == "settings.toml"))


def _fuzz(base: str, app: Any, headers: dict[str, str]) -> Counter[tuple[str, str, int]]:
    schema = schemathesis.openapi.from_dict(app.openapi())
    seen: Counter[tuple[str, str, int]] = Counter()
    session = requests.Session()
    for result in schema.get_all_operations():
        op = result.ok()
        if op.path in SKIP:
            continue

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=op.as_strategy())
        def run(case: Any) -> None:
            r = case.call(base_url=base, session=session, headers=headers, timeout=10)
            seen[(case.method.upper(), case.operation.path, r.status_code)] += 1

        run()
    session.close()
    return seen


def test_fuzz_without_the_pin_changes_nothing(target: tuple[str, Any, Path]) -> None:
    base, app, tmp = target
    before = _fingerprint(base, tmp)
    t0 = time.monotonic()
    seen = _fuzz(base, app, {})
    print(f"{sum(seen.values())} requests without the PIN in {time.monotonic() - t0:.1f} s")
    assert sum(seen.values()) > 150
    assert [k for k in seen if k[2] >= 500] == []
    changed = [k for k in seen if k[0] in STATE_CHANGING and k[2] < 400]
    assert changed == []
    assert _fingerprint(base, tmp) == before


def test_fuzz_with_the_pin_never_answers_5xx(target: tuple[str, Any, Path]) -> None:
    base, app, _ = target
    t0 = time.monotonic()
    seen = _fuzz(base, app, {PIN_HEADER: PIN})
    print(f"{sum(seen.values())} requests with the PIN in {time.monotonic() - t0:.1f} s")
    print(sorted(Counter((m, p, c // 100 * 100) for m, p, c in seen.elements()).items()))
    assert sum(seen.values()) > 150
    assert [k for k in seen if k[2] >= 500] == []
    assert any(k[2] < 300 for k in seen)  # the PIN did open things
