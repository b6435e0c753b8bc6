"""Settings that cannot mean anything are refused with the field named.

An alert rule whose clear value is on the wrong side of its threshold, a belt zone whose
right edge is left of its left edge, a threshold outside what its metric can measure
(per unit: degrees, steps/min, leg lengths, ...): ``check-config`` refuses them, and so does
``PUT /api/config`` (422 naming the field). ``settings_pin = 246813`` gets the hint to quote it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from edge.config.root import Config
from edge.live.demo import DemoSource
from server.app import create_app
from server.auth import PIN_HEADER
from tests.support.serving import serve
from treadwatch.cli import main

PIN = "246813"

#: (TOML text, patch for PUT /api/config, the field that must be named)
BAD: list[tuple[str, dict[str, Any], str]] = [
    (
        "[alerts.overstride]\nthreshold = 0.2\nclear = 0.3\n",  # raised above 0.2, clears above?
        {"alerts": {"overstride": {"threshold": 0.2, "clear": 0.3}}},
        "alerts.overstride.clear",
    ),
    (
        # a "below" rule, inverted
        "[alerts.cadence_spm]\ndirection = 'below'\nthreshold = 160.0\nclear = 150.0\n",
        {"alerts": {"cadence_spm": {"threshold": 160.0, "clear": 150.0}}},
        "alerts.cadence_spm.clear",
    ),
    (
        "[pose.belt_zone]\nx_min = 0.8\nx_max = 0.2\n",
        {"pose": {"belt_zone": {"x_min": 0.8, "y_min": 0.0, "x_max": 0.2, "y_max": 1.0}}},
        "pose.belt_zone.x_max",
    ),
    (
        "[pose.belt_zone]\ny_min = 0.6\ny_max = 0.6\n",
        {"pose": {"belt_zone": {"x_min": 0.0, "y_min": 0.6, "x_max": 1.0, "y_max": 0.6}}},
        "pose.belt_zone.y_max",
    ),
    (
        "[alerts.head_pitch_deg]\nthreshold = 120.0\nclear = 80.0\n",  # > 90° below level
        {"alerts": {"head_pitch_deg": {"threshold": 120.0, "clear": 80.0}}},
        "alerts.head_pitch_deg.threshold",
    ),
    (
        "[alerts.elbow_angle_deg]\nthreshold = 200.0\n",  # a joint angle is 0–180°
        {"alerts": {"elbow_angle_deg": {"threshold": 200.0}}},
        "alerts.elbow_angle_deg.threshold",
    ),
    (
        # cadence is 60–260 steps/min
        "[alerts.cadence_spm]\ndirection = 'below'\nthreshold = 30.0\nclear = 65.0\n",
        {"alerts": {"cadence_spm": {"threshold": 30.0, "clear": 65.0}}},
        "alerts.cadence_spm.threshold",
    ),
    (
        "[alerts.overstride]\nthreshold = 5.0\nclear = 0.15\n",  # five of four landing signs
        {"alerts": {"overstride": {"threshold": 5.0}}},
        "alerts.overstride.threshold",
    ),
    (
        "[alerts.trunk_lean_deg]\nthreshold = 15.0\nclear = -95.0\n",  # clear is checked too
        {"alerts": {"trunk_lean_deg": {"clear": -95.0}}},
        "alerts.trunk_lean_deg.clear",
    ),
]


@pytest.mark.parametrize(("toml", "field"), [(t, f) for t, _, f in BAD])
def test_check_config_refuses_naming_the_field(
    toml: str, field: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "c.toml"
    path.write_text(toml, encoding="utf-8")
    assert main(["check-config", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert f"{path}: {field}: " in err[0]


def test_sane_settings_pass(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "c.toml"
    path.write_text(
        "[alerts.overstride]\nthreshold = 0.25\nclear = 0.25\n"  # no hysteresis is allowed
        "[alerts.cadence_spm]\ndirection = 'below'\nthreshold = 165.0\nclear = 170.0\n"
        "[alerts.trunk_lean_deg]\nthreshold = -5.0\ndirection = 'below'\nclear = -2.0\n"
        "[pose.belt_zone]\nx_min = 0.2\nx_max = 0.8\ny_min = 0.1\ny_max = 0.9\n",
        encoding="utf-8",
    )
    assert main(["check-config", str(path)]) == 0
    assert "OK" in capsys.readouterr().out


def test_a_pin_written_as_a_number_gets_the_hint_to_quote_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "c.toml"
    path.write_text("[server]\nsettings_pin = 246813\n", encoding="utf-8")
    assert main(["check-config", str(path)]) == 2
    err = capsys.readouterr().err
    assert "server.settings_pin" in err
    assert 'settings_pin = "246813"' in err


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    cfg = Config.model_validate({"server": {"settings_pin": PIN}, "recording": {"enabled": False}})
    app = create_app(cfg, DemoSource.from_config(cfg.capture))
    with (
        serve(app) as host,
        httpx.Client(base_url=f"http://{host}", timeout=10.0, headers={PIN_HEADER: PIN}) as c,
    ):
        yield c


@pytest.mark.parametrize(("patch", "field"), [(p, f) for _, p, f in BAD])
def test_the_settings_api_refuses_naming_the_field(
    patch: dict[str, Any], field: str, client: httpx.Client
) -> None:
    before = client.get("/api/config").json()
    r = client.put("/api/config", json=patch)
    assert r.status_code == 422, r.text
    fields = [d["field"] for d in r.json()["detail"]]
    assert field in fields, fields
    assert client.get("/api/config").json() == before  # nothing applied
