"""Fixtures of the fleet tests: a real Mosquitto broker (Debian package ``mosquitto``,
installed by ``make test``); skipped when absent, except under CI=true."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import require
from tests.fleet.broker import Mosquitto, find_mosquitto


@pytest.fixture
def mosquitto(tmp_path: Path) -> Iterator[Mosquitto]:
    exe = find_mosquitto()
    require(exe is not None, "mosquitto not installed (apt-get install mosquitto; make test does)")
    assert exe is not None
    broker = Mosquitto(exe, tmp_path / "broker")
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()
