"""The one typed configuration: ``config.toml`` → :class:`Config`.

Every section lives next to the code it configures and derives from
:class:`edge.config.base.Section` (unknown keys rejected). Defaults are defined once, on
the fields; ``config.example.toml`` is generated from them (``treadwatch config-example``)
and a test keeps the committed file in step.
"""

from __future__ import annotations

import logging
import tomllib
import types
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError, model_validator

from edge.config.base import Section
from edge.errors import ConfigError
from edge.fleet.config import FleetConfig
from edge.gait.config import AlertsConfig, GaitConfig
from edge.live.config import CaptureConfig, ServerConfig
from edge.live.replay_config import ReplayConfig
from edge.pose.config import ModelsConfig, PoseConfig
from edge.recording.config import RecordingConfig

log = logging.getLogger(__name__)

#: Options that were settings and are now constants of the code that uses them (tuning no
#: installer or therapist sets). A config file that still sets one starts as before: the
#: option is ignored with a warning that names it (an upgrade never stops a device).
RETIRED: frozenset[str] = frozenset(
    {
        "capture.model_width",
        "capture.retry_initial_s",
        "capture.retry_max_s",
        "server.client_queue",
        "server.status_interval_s",
        "server.auth_ttl_s",
        "server.max_body_kib",
        "fleet.keepalive_s",
        "fleet.inflight",
        "recording.retention_interval_s",
        "recording.jpeg_ring_s",
        "recording.jpeg_ring_max_mib",
        "recording.clip_min_gap_s",
        # gait analysis (now edge.gait.tuning)
        "gait.event_delay_s",
        "gait.min_step_s",
        "gait.contact_prominence",
        "gait.min_visibility",
        "gait.head_pitch_neutral_deg",
        "gait.head_baseline_s",
        "gait.head_baseline_tolerance_deg",
        "gait.min_fps_contact_time",
        "gait.min_runner_height",
        "gait.min_contacts",
        "gait.cadence_agreement_spm",
    }
)


class Config(Section):
    """treadwatch configuration. Every section is optional; omitted keys take defaults."""

    models: ModelsConfig = Field(default_factory=ModelsConfig, description="Model files.")
    pose: PoseConfig = Field(default_factory=PoseConfig, description="Pose estimation.")
    gait: GaitConfig = Field(default_factory=GaitConfig, description="Gait analysis.")
    alerts: AlertsConfig = Field(default_factory=AlertsConfig, description="Coaching cues.")
    capture: CaptureConfig = Field(default_factory=CaptureConfig, description="Frame source.")
    server: ServerConfig = Field(default_factory=ServerConfig, description="Web server.")
    recording: RecordingConfig = Field(
        default_factory=RecordingConfig, description="Session recording."
    )
    fleet: FleetConfig = Field(
        default_factory=FleetConfig, description="Reporting to the gym's MQTT broker and hub."
    )
    replay: ReplayConfig = Field(
        default_factory=ReplayConfig, description="Instant slow-motion replay on the tablet."
    )

    @model_validator(mode="after")
    def _meaningful(self) -> Config:
        """Checks across fields (inverted pairs, per-unit ranges): edge.config.checks."""
        from edge.config.checks import problems

        found = problems(self)
        if found:
            raise ValidationError.from_exception_data(type(self).__name__, found)
        return self


def format_validation_error(err: ValidationError, source: str) -> str:
    """One readable line per problem, naming the offending key."""
    lines = []
    for e in err.errors():
        key = ".".join(str(p) for p in e["loc"]) or "(top level)"
        if e["type"] == "extra_forbidden":
            msg = "unknown option (check the spelling against config.example.toml)"
        elif e["type"] == "value_error" and "error" in e.get("ctx", {}):
            msg = str(e["ctx"]["error"])  # our own sentence, without "Value error, "
        else:
            msg = e["msg"]
        value = e.get("input")
        if e["type"] == "string_type" and isinstance(value, int | float):
            msg += f' (write it in quotes: {e["loc"][-1]} = "{value}")'

        lines.append(f"{source}: {key}: {msg}")
    return "\n".join(lines)


def retired_options(data: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """``data`` without the :data:`RETIRED` options, and the dotted names of those it set."""
    found: list[str] = []
    out = dict(data)
    for name in sorted(RETIRED):
        section, key = name.split(".", 1)
        table = out.get(section)
        if isinstance(table, dict) and key in table:
            out[section] = {k: v for k, v in table.items() if k != key}
            found.append(name)
    return out, found


def parse_config(data: dict[str, Any], source: str = "config") -> Config:
    data, retired = retired_options(data)
    if retired:  # one line naming them all (a flood filter may hold back repeats of a line)
        log.warning(
            "%s: ignored, no longer user settings (internal now): %s; remove from the file",
            source,
            ", ".join(retired),
        )
    try:
        return Config.model_validate(data)
    except ValidationError as err:
        raise ConfigError(format_validation_error(err, source)) from None


def load_config(path: Path | str | None) -> Config:
    """Load and validate a TOML config file; ``None`` gives the defaults."""
    if path is None:
        return Config()
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"{p}: config file not found (copy config.example.toml and edit it)"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{p}: cannot read config file: {exc}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{p}: not valid TOML: {exc}") from None
    return parse_config(data, str(p))


# --- example file generation -------------------------------------------------------------


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str | Path):
        return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {value!r} as TOML")


def _section_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            if isinstance(arg, type) and issubclass(arg, BaseModel):
                return arg
    return None


def _emit_section(model: type[BaseModel], instance: BaseModel | None, prefix: str) -> list[str]:
    out: list[str] = []
    nested: list[tuple[str, type[BaseModel], BaseModel | None, str]] = []
    for name, info in model.model_fields.items():
        value = (
            getattr(instance, name)
            if instance is not None
            else info.get_default(call_default_factory=True)
        )
        sub = _section_model(info.annotation)
        desc = info.description or ""
        if sub is not None and not isinstance(value, list | dict):
            nested.append((name, sub, value if isinstance(value, BaseModel) else None, desc))
            continue
        for line in desc.splitlines() or [""]:
            out.append(f"# {line}".rstrip())
        if value is None:
            out.append(f"# {name} =   (unset)")
        else:
            if isinstance(value, BaseModel):
                value = value.model_dump(mode="json")
            out.append(f"{name} = {toml_value(value)}")
        out.append("")
    for name, sub, value, desc in nested:
        table = f"{prefix}.{name}" if prefix else name
        out.append(f"# {desc}".rstrip())
        if value is None:
            out.append("# Optional: uncomment to set.")
            inner = _emit_section(sub, None, table)
            out.append(f"# [{table}]")
            out.extend(("# " + ln if ln and not ln.startswith("#") else ln) for ln in inner)
        else:
            out.append(f"[{table}]")
            out.extend(_emit_section(sub, value, table))
    return out


def example_toml() -> str:
    """The fully commented example configuration, generated from the field definitions."""
    head = [
        "# treadwatch configuration (generated by `treadwatch config-example`; do not edit by",
        "# hand: change the field descriptions in the code instead).",
        "# Every option is shown with its default. Check a file with",
        "# `treadwatch check-config FILE`.",
        "",
    ]
    body = _emit_section(Config, Config(), "")
    text = "\n".join(head + body)
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text.rstrip() + "\n"
