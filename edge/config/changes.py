"""What changed between two configurations, option by option (for the session record)."""

from __future__ import annotations

from typing import Any

from edge.config.root import Config
from edge.redact import redact

_MISSING = object()


def _flat(data: Any, prefix: str, out: dict[str, Any]) -> dict[str, Any]:
    if isinstance(data, dict) and data:
        for key, value in data.items():
            _flat(value, f"{prefix}.{key}" if prefix else str(key), out)
    else:
        out[prefix] = data
    return out


def changed_options(old: Config, new: Config) -> dict[str, dict[str, Any]]:
    """``{"alerts.overstride.threshold": {"from": 0.2, "to": 0.25}, ...}``, JSON-ready;
    an option that appears or disappears (a belt zone set or cleared) has ``None`` on the
    other side."""
    # Without secrets: the changes are written into the session (exported, shown to staff).
    a = _flat(redact(old.model_dump(mode="json")), "", {})
    b = _flat(redact(new.model_dump(mode="json")), "", {})
    out: dict[str, dict[str, Any]] = {}
    for key in [*a, *(k for k in b if k not in a)]:
        va, vb = a.get(key, _MISSING), b.get(key, _MISSING)
        if va != vb:
            out[key] = {
                "from": None if va is _MISSING else va,
                "to": None if vb is _MISSING else vb,
            }
    return out
