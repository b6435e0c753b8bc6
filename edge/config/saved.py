"""Settings changed on the settings page, kept across restarts.

``config.toml`` is the operator's file (on a Pi it is read-only to the service). What a
therapist or the gym changes on the page (view, thresholds, cues, belt zone: the
``gait``, ``alerts`` and ``pose`` sections) is saved, as the differences from
``config.toml``, in ``settings.toml`` beside the session database, and laid over
``config.toml`` at the next start. Deleting ``settings.toml`` returns to ``config.toml``.

The file is written with ``tomli_w``, so any cue text (quotes, newlines, backslashes,
non-ASCII) round-trips. A saved option that no longer validates (say, after an upgrade
renamed it) is dropped with a warning naming it, and the other saved options are kept; a
file that is not TOML at all is ignored with a warning. A gym's Pi must still start.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import tomli_w
from pydantic import ValidationError

from edge.atomic import write_atomic
from edge.config.root import Config

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


def to_toml(changed: dict[str, Any], unset: list[str]) -> str:
    head = (
        "# Saved by treadwatch's settings page: differences from config.toml.\n"
        "# Delete this file to go back to config.toml.\n"
    )
    data: dict[str, Any] = {UNSET_KEY: sorted(unset)} if unset else {}
    data.update(changed)
    return head + tomli_w.dumps(data)


def save(new: Config, base: Config, path: Path) -> None:
    """Write the page's changes atomically; remove the file when nothing differs."""
    changed, unset = differences(new, base)
    if not changed and not unset:
        path.unlink(missing_ok=True)
        return
    write_atomic(path, to_toml(changed, unset))


def merge(base: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """``patch`` laid over ``base``, recursively (neither is changed)."""
    out = dict(base)
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


def _drop(data: dict[str, Any], loc: tuple[str | int, ...]) -> str | None:
    """Remove the saved option at ``loc``, or its deepest saved parent when the option
    itself is not saved (a saved threshold against the file's clear: that rule's saved
    options go). Returns the dotted name removed, or None when nothing of it is saved."""
    node: Any = data
    parent: dict[str, Any] | None = None
    depth = 0
    for key in loc:
        if not isinstance(node, dict) or key not in node:
            break
        parent = node
        depth += 1
        node = node[key]
        if not isinstance(node, dict):
            break
    if parent is None:
        return None
    del parent[str(loc[depth - 1])]
    return ".".join(str(p) for p in loc[:depth])


def _prune_empty(data: dict[str, Any]) -> None:
    for key in list(data):
        if isinstance(data[key], dict):
            _prune_empty(data[key])
            if not data[key]:
                del data[key]


def apply_saved(base: Config, path: Path) -> tuple[Config, str | None]:
    """``base`` with the saved page settings laid over it, and a warning naming what was
    left out: an option that is not editable, unknown or invalid is dropped (the others are
    kept); an unreadable file or one that is not TOML is ignored whole."""
    if not path.is_file():
        return base, None
    try:
        saved = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return base, f"{path}: ignored, cannot read it ({exc}); fix or delete it"
    dropped: list[str] = []
    unset = saved.pop(UNSET_KEY, [])
    if not isinstance(unset, list) or not all(isinstance(u, str) for u in unset):
        dropped.append(f"{UNSET_KEY} (not a list of option names)")
        unset = []
    for key in [k for k in saved if k not in EDITABLE or not isinstance(saved[k], dict)]:
        del saved[key]
        dropped.append(f"{key} (not editable on the settings page)")
    config = base
    for _ in range(100):  # each round drops at least one option
        data = merge(base.model_dump(mode="python"), saved)
        for dotted in unset:
            *parents, leaf = dotted.split(".")
            node = data
            for p in parents:
                node = node.get(p, {}) if isinstance(node, dict) else {}
            if isinstance(node, dict) and leaf in node:
                node[leaf] = None
        try:
            config = Config.model_validate(data)
            break
        except ValidationError as err:
            progress = False
            for e in err.errors():
                loc = tuple(e["loc"])
                name = ".".join(str(p) for p in loc)
                msg = "unknown option" if e["type"] == "extra_forbidden" else e["msg"]
                removed = _drop(saved, loc)
                if removed == name:
                    dropped.append(f"{name} ({msg})")
                    progress = True
                elif removed is not None:
                    dropped.append(f"{removed} ({name}: {msg})")
                    progress = True
                elif unset:  # what the saved "unset" cleared made it invalid
                    dropped.append(f"{UNSET_KEY} ({name}: {msg})")
                    unset = []
                    progress = True
            _prune_empty(saved)
            if not progress:
                return base, f"{path}: ignored ({err.errors()[0]['msg']}); fix or delete it"
    if not dropped:
        return config, None
    return config, (
        f"{path}: saved setting(s) left out: {'; '.join(dropped)}; "
        "the other saved settings apply (fix or delete the file)"
    )
