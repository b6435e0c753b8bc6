"""Settings: ``GET/PUT /api/config`` (the PIN login is :mod:`server.web`).

``PUT`` takes a partial configuration of the sections a therapist may change on the page
(``gait``, ``alerts``, ``pose``), merges it over the one in force, validates the result
with the same models as ``config.toml`` and applies it to the pipeline from its next frame.
An invalid value gives a 422 whose ``detail`` names the field (``gait.view``). Accepted
changes are saved (``edge.config.saved``: differences from the config file, beside the
sessions) and come back at the next start; the response header ``X-Settings-Saved`` says
whether that worked (``no`` when the app has no settings file, or the disk refused).
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from edge.config.root import Config
from edge.config.saved import EDITABLE, merge, save
from edge.redact import redact
from server.auth import require_settings
from server.routes.live import rules_json
from server.state import State

log = logging.getLogger(__name__)

router = APIRouter(prefix="/api", tags=["config"])


def public_config(config: Config) -> dict[str, Any]:
    data: dict[str, Any] = redact(config.model_dump(mode="json"))
    return data


def _error(field: str, msg: str, kind: str) -> dict[str, Any]:
    return {"loc": ["body", *field.split(".")], "field": field, "msg": msg, "type": kind}


@router.get("/config")
def get_config(state: State) -> dict[str, Any]:
    return public_config(state.config)


@router.get("/config/schema")
def get_schema() -> dict[str, Any]:
    """JSON schema of the editable sections (the settings form is built from it)."""
    schema = Config.model_json_schema()
    props = schema.get("properties", {})
    schema["properties"] = {k: v for k, v in props.items() if k in EDITABLE}
    schema["editable"] = list(EDITABLE)
    return schema


@router.put("/config", dependencies=[Depends(require_settings)])
def put_config(patch: Annotated[dict[str, Any], Body()], state: State) -> JSONResponse:
    errors = [
        _error(key, "not editable from the page; change it in the config file", "not_editable")
        for key in patch
        if key not in EDITABLE
    ]
    errors += [
        _error(key, "must be an object of options", "dict_type")
        for key in patch
        if key in EDITABLE and not isinstance(patch[key], dict)
    ]
    if errors:
        return JSONResponse({"detail": errors}, status_code=422)
    with state.config_lock:
        merged = merge(state.config.model_dump(mode="python"), patch)
        try:
            new = Config.model_validate(merged)
        except ValidationError as exc:
            detail = []
            for e in exc.errors():
                field = ".".join(str(p) for p in e["loc"])
                msg = "unknown option" if e["type"] == "extra_forbidden" else e["msg"]
                detail.append(_error(field, msg, e["type"]))
            return JSONResponse({"detail": detail}, status_code=422)
        state.config = new
        state.pipeline.apply_config(new)
        # Open pages recompute their numbers over the new cue windows.
        state.hub.publish({"type": "rules", "rules": rules_json(new)})
        saved = "no"
        if state.settings_file is not None and state.base_config is not None:
            try:
                save(new, state.base_config, state.settings_file)
                saved = "yes"
            except OSError as exc:
                log.warning("settings apply now but were not saved: %s", exc)
    return JSONResponse(public_config(new), headers={"X-Settings-Saved": saved})
