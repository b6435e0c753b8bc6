"""settings.toml is written by a TOML library and one bad key never costs the others.

A newline in a cue text used to write invalid TOML, and at the next start every saved
setting was silently dropped.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from edge.config.root import Config
from edge.config.saved import apply_saved, save, settings_path

AWKWARD = 'land "under" your\nhips \\ ünd fúß — 走'


def _base(tmp_path: Path) -> Config:
    return Config.model_validate(
        {"recording": {"enabled": False, "db_path": str(tmp_path / "sessions.db")}}
    )


def test_awkward_cue_texts_round_trip(tmp_path: Path) -> None:
    base = _base(tmp_path)
    path = settings_path(base)
    data = base.model_dump(mode="python")
    data["alerts"]["overstride"]["cue"] = AWKWARD
    data["alerts"]["head_pitch_deg"]["cue"] = "tab\there 'single' \x7f"
    data["gait"]["view"] = "side-left"
    changed = Config.model_validate(data)
    save(changed, base, path)
    parsed = tomllib.loads(path.read_text(encoding="utf-8"))
    assert parsed["alerts"]["overstride"]["cue"] == AWKWARD
    restarted, warning = apply_saved(base, path)
    assert warning is None
    assert restarted.alerts.overstride.cue == AWKWARD
    assert restarted.alerts.head_pitch_deg.cue == "tab\there 'single' \x7f"
    assert restarted.gait.view == "side-left"


def test_an_invalid_key_is_dropped_with_a_warning_and_the_rest_kept(tmp_path: Path) -> None:
    base = _base(tmp_path)
    path = settings_path(base)
    path.write_text(
        "[gait]\n"
        'view = "upside-down"\n'  # no such view
        "window_s = 12.0\n"
        "windw_s = 3.0\n"  # no such option (a renamed one, after an upgrade)
        "\n[alerts.overstride]\n"
        "threshold = 2.5\n"
        'cue = "feet under you"\n'
        "\n[server]\n"  # not editable on the page
        'settings_pin = "0"\n',
        encoding="utf-8",
    )
    config, warning = apply_saved(base, path)
    assert warning is not None
    for key in ("gait.view", "gait.windw_s", "server"):
        assert key in warning, warning
    assert config.gait.view == base.gait.view
    assert config.gait.window_s == 12.0
    assert config.alerts.overstride.threshold == 2.5
    assert config.alerts.overstride.cue == "feet under you"
    assert config.server.settings_pin == base.server.settings_pin


def test_an_unparseable_file_is_still_ignored_whole(tmp_path: Path) -> None:
    base = _base(tmp_path)
    path = settings_path(base)
    path.write_text('[alerts.overstride]\ncue = "land\nunder"\n', encoding="utf-8")
    config, warning = apply_saved(base, path)
    assert config == base
    assert warning is not None and "cannot read it" in warning


def test_a_saved_threshold_past_the_files_clear_drops_only_that_rule(tmp_path: Path) -> None:
    base = _base(tmp_path)  # overstride: raised at 1.5 landing signs, cleared at 1.0
    path = settings_path(base)
    path.write_text(
        '[gait]\nview = "side-right"\n\n[alerts.overstride]\nthreshold = 0.5\n'
        "\n[alerts.head_pitch_deg]\nthreshold = 25.0\n",
        encoding="utf-8",
    )
    config, warning = apply_saved(base, path)
    assert warning is not None and "alerts.overstride" in warning
    assert "alerts.overstride.clear" in warning  # the field the check named
    assert config.alerts.overstride.threshold == base.alerts.overstride.threshold
    assert config.alerts.head_pitch_deg.threshold == 25.0
    assert config.gait.view == "side-right"
