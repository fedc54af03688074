"""Rendering console pages: one Jinja2 environment (autoescape on for every template), the page context
(who is signed in, the CSRF token, the navigation), and the route class that turns refusals into pages."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import jinja2
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from switchboard.admin.access import Operator
from switchboard.admin.errors import NotSignedIn, Refused
from switchboard.errors import OperatorError
from switchboard.money import format_amount

log = logging.getLogger("switchboard.console")

ROOT = "/console"
TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"

# (path, label, admins only)
NAVIGATION = [
    ("/", "Dashboard", False),
    ("/accounts", "Accounts", False),
    ("/messages", "Messages", False),
    ("/pushes", "Pushes", False),
    ("/inbound", "Inbound", False),
    ("/calls", "Calls", True),
    ("/campaigns", "Campaigns", True),
    ("/rates", "Rates", True),
    ("/routes", "Routes", True),
    ("/carriers", "Carriers", True),
    ("/words", "Words", True),
    ("/templates", "Templates", True),
    ("/users", "Users", True),
    ("/otp", "OTP conversions", False),
    ("/phones", "Phones", True),
    ("/callcenter", "Call center", False),
    ("/smpp", "SMPP", True),
]


def when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S") if moment else ""


def money(micros: int | None) -> str:
    return format_amount(micros) if micros is not None else ""


environment = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
environment.filters["when"] = when
environment.filters["money"] = money
environment.globals["root"] = ROOT


def operator_of(request: Request) -> Operator | None:
    operator: Operator | None = getattr(request.state, "operator", None)
    return operator


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    operator = operator_of(request)
    nav = [
        (ROOT + path, label)
        for path, label, admin in NAVIGATION
        if operator is not None and (operator.is_admin or not admin)
    ]
    page = environment.get_template(template).render(
        request=request,
        operator=operator,
        csrf_token=operator.csrf_token if operator else "",
        nav=nav,
        path=request.url.path,
        page_url=lambda number: page_url(request, number),
        **context,
    )
    return HTMLResponse(page, status_code=status, headers={"Cache-Control": "no-store"})


def see_other(path: str) -> RedirectResponse:
    """Post/redirect/get: after a change, the browser loads the page again."""
    return RedirectResponse(ROOT + path, status_code=303)


def page_url(request: Request, page: int) -> str:
    """This page's path and query with another page number."""
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "page"]
    return f"{request.url.path}?{urlencode([*params, ('page', str(page))])}"


def page_param(request: Request) -> int:
    """The ``page`` query parameter of a GET, 1 when absent or not a positive number."""
    value = request.query_params.get("page", "") if request.method == "GET" else ""
    return int(value) if value.isdigit() and int(value) > 0 else 1


def error_page(request: Request, status: int, message: str) -> HTMLResponse:
    return render(request, "error.html", status=status, status_code=status, message=message)


Handler = Callable[[Request], Coroutine[Any, Any, Response]]


class ConsoleRoute(APIRoute):
    def get_route_handler(self) -> Handler:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except NotSignedIn as exc:
                if request.method == "GET":
                    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                    return RedirectResponse(f"{ROOT}/login?next={quote(target)}", status_code=303)
                return error_page(request, exc.status_code, "Your session has ended: sign in again.")
            except Refused as exc:
                return error_page(request, exc.status_code, exc.message)
            except OperatorError as exc:
                return error_page(request, 422, str(exc))
            except RequestValidationError:
                return error_page(request, 422, "The address or the form has a value that is not valid.")
            except HTTPException as exc:
                if exc.status_code == 400:  # e.g. a form field over Starlette's 1 MiB: a page, not a 500
                    return error_page(request, 400, f"The form was refused: {exc.detail}")
                raise
            except Exception:
                log.exception("console error on %s %s", request.method, request.url.path)
                return error_page(request, 500, "Something went wrong; the error was logged.")
            finally:
                await request.close()  # uploaded files are spooled to temporary files

        return guarded
