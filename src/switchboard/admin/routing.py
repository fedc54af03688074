"""The admin API's route class: refusals become plain HTTP statuses with ``{"detail": ...}``, never the Onbuka
envelope, and an unexpected error is a logged 500 rather than escaping to the API's error middleware.

Each route documents, in the OpenAPI document, the refusals it can answer (``refusals``) with their real body
shapes, and answers JSON through ``AdminJson`` (a JSONResponse, so that the document has the response models'
schemas, where the app's default response class is a plain Response made for the Onbuka API).
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable, Coroutine
from typing import Annotated, Any, get_args, get_origin, get_type_hints

import orjson
from fastapi import params
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from switchboard.admin.access import SAFE_METHODS, admin_only, signed_in
from switchboard.admin.errors import Refused
from switchboard.admin.schemas import MAX_INT64, InvalidRequest, Problem
from switchboard.errors import OperatorError

log = logging.getLogger("switchboard.admin")

Handler = Callable[[Request], Coroutine[Any, Any, Response]]


class AdminJson(JSONResponse):
    """The admin API's answers: JSON written by orjson (the bytes it has always answered)."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def problem(status: int, detail: Any) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse({"detail": detail}, status_code=status, headers=headers)


UNPARSABLE = {
    "model": Problem,
    "description": "The body cannot be read: it is not UTF-8 JSON, or a session request's form is broken.",
}
NOT_SIGNED_IN = {
    "model": Problem,
    "description": "Not signed in: no valid session cookie or bearer token (or, signing in, a wrong password).",
    "headers": {"WWW-Authenticate": {"description": "`Bearer`", "required": True, "schema": {"type": "string"}}},
}
FORBIDDEN = {
    "model": Problem,
    "description": "Signed in but not allowed: an admin's operation, or a session request without its CSRF token.",
}
NOT_FOUND = {
    "model": Problem,
    "description": "Unknown, outside the caller's account, or the admin API is off (no enabled admin user yet).",
}
INVALID = {
    "model": InvalidRequest,
    "description": "The request does not validate (`detail` lists the errors) or was refused (`detail` says why).",
}
TOO_MANY = {"model": Problem, "description": "Too many failed sign-ins from the caller's address; try later."}


def _dependencies(hint: Any) -> set[Callable[..., Any]]:
    if get_origin(hint) is not Annotated:
        return set()
    return {m.dependency for m in get_args(hint)[1:] if isinstance(m, params.Depends) and m.dependency is not None}


def _is_body(hint: Any) -> bool:
    if get_origin(hint) is list:
        hint = get_args(hint)[0]
    return isinstance(hint, type) and issubclass(hint, BaseModel)


def refusals(endpoint: Callable[..., Any], methods: Any, openapi_extra: dict[str, Any] | None) -> dict[int | str, Any]:
    """The refusals an endpoint can answer, from its dependencies, its method and its inputs."""
    hints = get_type_hints(endpoint, include_extras=True)
    depends: set[Callable[..., Any]] = set()
    takes_input = bool(openapi_extra and "requestBody" in openapi_extra)
    takes_body = False
    for name in inspect.signature(endpoint).parameters:
        hint = hints.get(name)
        found = _dependencies(hint)
        depends |= found
        takes_input = takes_input or (not found and hint is not Request)
        takes_body = takes_body or _is_body(hint)
    changes_state = any(m.upper() not in SAFE_METHODS for m in methods or ())
    checks_csrf = changes_state and bool(depends & {signed_in, admin_only})
    answers: dict[int | str, Any] = {}
    if takes_body or checks_csrf:
        answers[400] = UNPARSABLE  # FastAPI's and Starlette's own refusal of a body they cannot parse
    answers[401] = NOT_SIGNED_IN
    if admin_only in depends or checks_csrf:
        answers[403] = FORBIDDEN
    answers[404] = NOT_FOUND
    if takes_input:
        answers[422] = INVALID
    return answers


def _beyond_any_id(value: Any) -> bool:
    text = str(value)
    return text.isascii() and text.isdigit() and int(text) > MAX_INT64


class AdminRoute(APIRoute):
    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        documented = refusals(endpoint, kwargs.get("methods"), kwargs.get("openapi_extra"))
        kwargs["responses"] = {**documented, **(kwargs.get("responses") or {})}
        super().__init__(path, endpoint, **kwargs)

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
