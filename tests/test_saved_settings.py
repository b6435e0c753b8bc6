"""Settings changed on the page survive a restart; a bad saved file never stops the start.

The HTTP test drives the real app on a loopback port: PUT /api/config with the PIN, then a
"restart" reads the config file plus the saved settings the way ``treadwatch serve`` does.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import httpx

from edge.config.root import Config
from edge.config.saved import apply_saved, differences, save, settings_path
from edge.live.demo import DemoSource
from server.app import create_app
from server.auth import PIN_HEADER
from tests.support.serving import serve

PIN = "515083"


def _base(tmp_path: Path) -> Config:
    return Config.model_validate(
        {
            "server": {"settings_pin": PIN},
            "capture": {"demo_phase_s": 5.0},
            "gait": {"window_s": 12.0},  # from the operator's config file
            "pose": {"belt_zone": {"x_min": 0.1, "y_min": 0.2, "x_max": 0.9, "y_max": 0.95}},
            "recording": {"enabled": False, "db_path": str(tmp_path / "sessions.db")},
        }
    )


def test_changes_saved_from_the_page_come_back_after_restart(tmp_path: Path) -> None:
    base = _base(tmp_path)
    path = settings_path(base)
    assert path == tmp_path / "settings.toml"
    app = create_app(
        base, DemoSource.from_config(base.capture), base_config=base, settings_file=path
    )
    with serve(app) as host, httpx.Client(base_url=f"http://{host}", timeout=10.0) as c:
        h = {PIN_HEADER: PIN}
        r = c.put("/api/config", json={"gait": {"view": "front"}}, headers=h)
        assert r.status_code == 200 and r.headers["X-Settings-Saved"] == "yes"
        r = c.put(
            "/api/config",
            json={"alerts": {"overstride": {"threshold": 2.5}}, "pose": {"belt_zone": None}},
            headers=h,
        )
        assert r.status_code == 200 and r.headers["X-Settings-Saved"] == "yes"
        # a rejected change saves nothing
        r = c.put("/api/config", json={"gait": {"view": "sideways"}}, headers=h)
        assert r.status_code == 422
    saved = tomllib.loads(path.read_text(encoding="utf-8"))
    assert saved == {
        "unset": ["pose.belt_zone"],
        "gait": {"view": "front"},
        "alerts": {"overstride": {"threshold": 2.5}},
    }
    restarted, warning = apply_saved(base, path)
    assert warning is None
    assert restarted.gait.view == "front"
    assert restarted.gait.window_s == 12.0  # untouched options still come from the file
    assert restarted.alerts.overstride.threshold == 2.5
    assert restarted.pose.belt_zone is None


def test_back_to_the_file_removes_the_saved_settings(tmp_path: Path) -> None:
    base = _base(tmp_path)
    path = settings_path(base)
    changed = base.model_copy(update={"gait": base.gait.model_copy(update={"view": "rear"})})
    save(changed, base, path)
    assert path.is_file()
    assert differences(changed, base) == ({"gait": {"view": "rear"}}, [])
    save(base, base, path)
    assert not path.exists()


def test_a_bad_saved_file_is_ignored_with_a_warning(tmp_path: Path) -> None:
    base = _base(tmp_path)
    path = settings_path(base)
    for text, expected in (
        ("[gait\nview = 1", "cannot read it"),
        ('[server]\nsettings_pin = "0"\n', "server (not editable"),
        ('[gait]\nview = "upside-down"\n', "gait.view"),
        ("[gait]\nwindw_s = 3.0\n", "gait.windw_s (unknown option)"),
    ):
        path.write_text(text, encoding="utf-8")
        config, warning = apply_saved(base, path)
        assert config == base
        assert warning is not None and expected in warning, warning


def test_no_saved_file_means_the_config_file(tmp_path: Path) -> None:
    base = _base(tmp_path)
    assert apply_saved(base, settings_path(base)) == (base, None)
