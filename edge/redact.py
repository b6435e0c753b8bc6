"""Secrets out of everything that leaves the configuration: the one place that knows them.

A session's settings snapshot is stored in SQLite, exported, published to the hub and shown
to staff; the public config (``/api/config``), the settings changes recorded mid-session
and the start-up lines are read by anyone near the device. All of them pass through
:func:`redact`, which drops every key in :data:`SECRET_KEYS` and the credentials of any
URL in any string value (``rtsp://user:pw@cam/stream``, ``mqtt://user:pw@broker``).
"""

from __future__ import annotations

import re
from typing import Any

#: Option names whose value is a credential, in any section (``server.settings_pin``,
#: ``fleet.username`` / ``fleet.password``): left out wherever the settings go.
SECRET_KEYS = frozenset({"settings_pin", "password", "username"})

#: ``scheme://`` followed by a userinfo part (everything up to the last ``@`` before the
#: path): ``user@``, ``user:pw@``, even a password with an unencoded ``@`` in it.
_URL_USERINFO = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.\-]*://)[^/?#\s]*@")


def redact_url(text: str) -> str:
    """``text`` with the user and password of every URL in it removed
    (``rtsp://user:pw@cam:554/s`` -> ``rtsp://cam:554/s``)."""
    return _URL_USERINFO.sub(r"\g<scheme>", text)


def redact(data: Any) -> Any:
    """A copy of JSON-like ``data`` without secrets: keys in :data:`SECRET_KEYS` dropped at
    any depth, URL credentials removed from every string (keys too)."""
    if isinstance(data, dict):
        return {
            redact_url(k) if isinstance(k, str) else k: redact(v)
            for k, v in data.items()
            if not (isinstance(k, str) and _is_secret_key(k))
        }
    if isinstance(data, list | tuple):
        return [redact(v) for v in data]
    if isinstance(data, str):
        return redact_url(data)
    return data


def _is_secret_key(key: str) -> bool:
    """``password`` and also a dotted option name ending in one (``fleet.password``)."""
    return key.rpartition(".")[2] in SECRET_KEYS
