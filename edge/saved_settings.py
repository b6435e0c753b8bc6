"""Settings changed on the settings page, kept across restarts.

``config.toml`` is the operator's file (on a Pi it is read-only to the service). What a
therapist or the gym changes on the page (view, thresholds, cues, belt zone: the
``gait``, ``alerts`` and ``pose`` sections) is saved, as the differences from
``config.toml``, in ``settings.toml`` beside the session database, and laid over
``config.toml`` at the next start. Deleting ``settings.toml`` returns to ``config.toml``.

A saved file that no longer validates (say, after an upgrade renamed an option) is
ignored with a warning naming the problem: a gym's Pi must still start.
"""

from __future__ import annotations

import os
import tempfile
import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from edge.config import Config, format_validation_error, toml_value

#: Sections the settings page may change; the rest only in the config file.
EDITABLE: tuple[str, ...] = ("gait", "alerts", "pose")
FILENAME = "settings.toml"
#: Key listing options the page cleared (TOML has no null), e.g. ``["pose.belt_zone"]``.
UNSET_KEY = "unset"


def settings_path(config: Config) -> Path:
    """``settings.toml`` beside the session database (a writable place on the device)."""
    return config.recording.resolved_db_path().parent / FILENAME


def _diff(
    new: dict[str, Any], base: dict[str, Any], prefix: str
) -> tuple[dict[str, Any], list[str]]:
    changed: dict[str, Any] = {}
    unset: list[str] = []
    for key, value in new.items():
        old = base.get(key)
        dotted = f"{prefix}.{key}" if prefix else key
        if value is None:
            if old is not None:
                unset.append(dotted)
        elif isinstance(value, dict) and isinstance(old, dict):
            sub, sub_unset = _diff(value, old, dotted)
            if sub:
                changed[key] = sub
            unset += sub_unset
        elif value != old:
            changed[key] = value
    return changed, unset


def differences(new: Config, base: Config) -> tuple[dict[str, Any], list[str]]:
    """The editable options where ``new`` differs from ``base``, and the ones it cleared."""
    n = new.model_dump(mode="json", include=set(EDITABLE))
    b = base.model_dump(mode="json", include=set(EDITABLE))
    return _diff(n, b, "")


def _tables(data: dict[str, Any], prefix: str) -> list[str]:
    lines = [f"{k} = {toml_value(v)}" for k, v in data.items() if not isinstance(v, dict)]
    for key, value in data.items():
        if isinstance(value, dict):
            table = f"{prefix}.{key}" if prefix else key
            lines += ["", f"[{table}]", *_tables(value, table)]
    return lines


def to_toml(changed: dict[str, Any], unset: list[str]) -> str:
    head = [
        "# Saved by treadwatch's settings page: differences from config.toml.",
        "# Delete this file to go back to config.toml.",
    ]
    top = [f"{UNSET_KEY} = {toml_value(sorted(unset))}"] if unset else []
    return "\n".join([*head, *top, *_tables(changed, "")]).strip() + "\n"


def save(new: Config, base: Config, path: Path) -> None:
    """Write the page's changes atomically; remove the file when nothing differs."""
    changed, unset = differences(new, base)
    if not changed and not unset:
        path.unlink(missing_ok=True)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(to_toml(changed, unset))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError:
        Path(tmp).unlink(missing_ok=True)
        raise


def merge(base: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """``patch`` laid over ``base``, recursively (neither is changed)."""
    out = dict(base)
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


def apply_saved(base: Config, path: Path) -> tuple[Config, str | None]:
    """``base`` with the saved page settings laid over it, and a warning if the file was
    ignored (unreadable, not TOML, or no longer valid)."""
    if not path.is_file():
        return base, None
    try:
        saved = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return base, f"{path}: ignored, cannot read it ({exc}); fix or delete it"
    unset = saved.pop(UNSET_KEY, [])
    stray = [k for k in saved if k not in EDITABLE]
    if stray or not isinstance(unset, list):
        what = ", ".join(stray) if stray else UNSET_KEY
        return base, f"{path}: ignored, unexpected {what}; fix or delete it"
    data = merge(base.model_dump(mode="python"), saved)
    for dotted in unset:
        *parents, leaf = str(dotted).split(".")
        node = data
        for p in parents:
            node = node.get(p, {}) if isinstance(node, dict) else {}
        if isinstance(node, dict) and leaf in node:
            node[leaf] = None
    try:
        return Config.model_validate(data), None
    except ValidationError as err:
        problem = format_validation_error(err, str(path)).splitlines()[0]
        return base, f"{problem} (saved settings ignored; fix or delete the file)"
