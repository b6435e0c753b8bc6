"""The typed configuration: defaults, validation, unknown keys, the example file."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from edge.config.root import Config, example_toml, load_config, parse_config
from edge.errors import ConfigError
from treadwatch.cli import main

REPO = Path(__file__).resolve().parent.parent


def test_defaults_without_file() -> None:
    cfg = load_config(None)
    assert cfg == Config()
    assert cfg.pose.num_threads >= 1


def test_unknown_key_is_rejected_with_its_name() -> None:
    with pytest.raises(ConfigError, match=r"pose\.num_thread: unknown option"):
        parse_config({"pose": {"num_thread": 2}})
    with pytest.raises(ConfigError, match=r"posee: unknown option"):
        parse_config({"posee": {}})


def test_a_rule_check_speaks_its_own_sentence() -> None:
    """Our own checks read as sentences, without the validation library's prefix."""
    with pytest.raises(ConfigError) as err:
        parse_config({"alerts": {"overstride": {"threshold": 0.5, "clear": 1.0}}})
    assert "Value error" not in str(err.value)
    assert str(err.value).endswith(
        "alerts.overstride.clear: 1 is past the threshold 0.5: a cue raised above "
        "its threshold must clear at or below it"
    )


def test_a_value_out_of_range_names_its_range_before_the_pair_order() -> None:
    """A cadence cue's threshold of 400 is outside 60–260 steps/min; that is what is said,
    not that the default clear (160) is on the wrong side of it."""
    with pytest.raises(ConfigError) as err:
        parse_config({"alerts": {"cadence_spm": {"threshold": 400}}})
    msg = str(err.value)
    assert "alerts.cadence_spm.threshold" in msg
    assert "60–260" in msg
    assert "past the threshold" not in msg and "must clear" not in msg


def test_out_of_range_value_names_the_key() -> None:
    with pytest.raises(ConfigError, match=r"pose\.min_presence"):
        parse_config({"pose": {"min_presence": 2.0}})
    with pytest.raises(ConfigError, match=r"pose\.num_threads"):
        parse_config({"pose": {"num_threads": "many"}})


def test_bad_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[pose\nnum_threads = 2\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(bad)


def test_example_file_is_current_and_valid() -> None:
    committed = (REPO / "config.example.toml").read_text(encoding="utf-8")
    assert committed == example_toml(), (
        "regenerate: treadwatch config-example > config.example.toml"
    )
    assert parse_config(tomllib.loads(committed)) == Config()


def test_every_option_is_documented() -> None:
    def walk(model: type) -> list[str]:
        missing = []
        for name, field in model.model_fields.items():  # type: ignore[attr-defined]
            if not field.description:
                missing.append(f"{model.__name__}.{name}")
        return missing

    from pydantic import BaseModel

    seen: list[type] = []

    def sections(model: type[BaseModel]) -> None:
        seen.append(model)
        for field in model.model_fields.values():
            ann = field.annotation
            for cand in (ann, *getattr(ann, "__args__", ())):
                if isinstance(cand, type) and issubclass(cand, BaseModel) and cand not in seen:
                    sections(cand)

    sections(Config)
    assert [m for model in seen for m in walk(model)] == []


def test_check_config_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "good.toml"
    good.write_text("[pose]\nnum_threads = 3\n")
    assert main(["check-config", str(good)]) == 0
    assert "OK" in capsys.readouterr().out
    bad = tmp_path / "bad.toml"
    bad.write_text("[pose]\nnum_threads = 3\nsmooth = false\n")
    assert main(["check-config", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "pose.smooth: unknown option" in err and "Traceback" not in err


def test_a_partial_rule_section_keeps_the_rules_own_defaults() -> None:
    """``[alerts.overstride]`` with only a threshold keeps the rule's metric, unit and cue
    (it used to fall back to the generic rule: no cue, another metric)."""
    from edge.config.root import parse_config
    from edge.gait.config import AlertsConfig

    cfg = parse_config({"alerts": {"overstride": {"threshold": 2.5}}})
    default = AlertsConfig().overstride
    assert cfg.alerts.overstride.threshold == 2.5
    assert cfg.alerts.overstride.model_dump(exclude={"threshold"}) == default.model_dump(
        exclude={"threshold"}
    )


def test_an_old_file_that_sets_a_now_internal_option_still_loads_and_says_so(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    """Tuning options moved into the code (``edge.config.RETIRED``): a config file written
    before still starts the device, each such option ignored with a warning naming it; the
    rest of the file applies, and a misspelt option is still refused."""
    old = tmp_path / "old.toml"
    old.write_text(
        "[server]\nport = 8123\nclient_queue = 50\nauth_ttl_s = 60\n[fleet]\ninflight = 5\n"
        "[capture]\nretry_max_s = 2.0\n[gait]\nmin_step_s = 0.2\n",
        encoding="utf-8",
    )
    with caplog.at_level("WARNING", logger="edge.config"):
        cfg = load_config(old)
    assert cfg.server.port == 8123
    assert cfg.server == Config().server.model_copy(update={"port": 8123})
    warned = sorted(r.getMessage() for r in caplog.records)
    assert warned == [
        f"{old}: ignored, no longer user settings (internal now): capture.retry_max_s, "
        "fleet.inflight, gait.min_step_s, server.auth_ttl_s, server.client_queue; "
        "remove from the file"
    ]
    assert "client_queue" not in example_toml() and "retry_max_s" not in example_toml()
    assert main(["check-config", str(old)]) == 0
    assert capsys.readouterr().out == f"{old}: OK\n"
    with pytest.raises(ConfigError, match=r"server\.client_queu: unknown option"):
        parse_config({"server": {"client_queu": 50}})


def test_interpreter_threads_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """``TREADWATCH_THREADS`` sets the interpreter's threads where the file does not (a suite
    can run at another thread count); the file still wins, and a bad value is named."""
    monkeypatch.setenv("TREADWATCH_THREADS", "1")
    assert parse_config({}).pose.num_threads == 1
    assert parse_config({"pose": {"num_threads": 3}}).pose.num_threads == 3
    monkeypatch.setenv("TREADWATCH_THREADS", "lots")
    with pytest.raises(ConfigError, match=r"TREADWATCH_THREADS='lots': give a whole number"):
        parse_config({})
    monkeypatch.delenv("TREADWATCH_THREADS")
    assert parse_config({}).pose.num_threads == 2
