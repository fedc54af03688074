"""The admin API's route class: refusals become plain HTTP statuses with ``{"detail": ...}``, never the Onbuka
envelope, and an unexpected error is a logged 500 rather than escaping to the API's error middleware."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from switchboard.admin.errors import Refused
from switchboard.errors import OperatorError

log = logging.getLogger("switchboard.admin")

Handler = Callable[[Request], Coroutine[Any, Any, Response]]


def problem(status: int, detail: Any) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse({"detail": detail}, status_code=status, headers=headers)


MAX_ID = 2**63 - 1


def _beyond_any_id(value: Any) -> bool:
    text = str(value)
    return text.isascii() and text.isdigit() and int(text) > MAX_ID


class AdminRoute(APIRoute):
    def get_route_handler(self) -> Handler:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            if any(_beyond_any_id(value) for value in request.path_params.values()):
                return problem(404, "not found")  # no row can have an id the database cannot even store
            try:
                return await handler(request)
            except Refused as exc:
                return problem(exc.status_code, exc.message)
            except OperatorError as exc:
                return problem(422, str(exc))
            except RequestValidationError as exc:
                return problem(422, jsonable_encoder(exc.errors()))
            except HTTPException:
                raise
            except Exception:
                log.exception("admin API error on %s %s", request.method, request.url.path)
                return problem(500, "internal error")
            finally:
                await request.close()  # uploaded files are spooled to temporary files

        return guarded
