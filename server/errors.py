"""422 answers that can always be written as JSON.

FastAPI's own handler echoes the offending input back; when that input is ``NaN`` or
``Infinity`` (Python's JSON parser accepts both) the answer itself cannot be encoded and
the client gets a 500 instead of the 422 naming the field. Here inputs that are not finite
numbers are echoed as text.
"""

from __future__ import annotations

import math
from typing import Any

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse


def _printable(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {k: _printable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_printable(v) for v in value]
    return value


async def validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [_printable(jsonable_encoder(e)) for e in exc.errors()]
    return JSONResponse({"detail": errors}, status_code=422)
