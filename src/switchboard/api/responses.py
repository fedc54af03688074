"""Rendering: every outcome is HTTP 200 with a JSON body in envelope A."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import Response

from switchboard.errors import SUCCESS_REASON, ApiError


class JsonResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def ok(**fields: Any) -> JsonResponse:
    return JsonResponse({"status": "0", "reason": SUCCESS_REASON, **fields})


def error(exc: ApiError) -> JsonResponse:
    return JsonResponse(exc.body())
