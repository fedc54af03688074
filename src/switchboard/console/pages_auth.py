"""Console sign-in and sign-out.

The sign-in form is protected against login CSRF by a double-submit token: a random value in an HttpOnly,
SameSite=Strict cookie that the form must echo. Once signed in, the session's own token takes over.
"""

from __future__ import annotations

import hmac
import secrets

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse, Response

from switchboard.admin.access import (
    clear_session_cookie,
    identify,
    services_of,
    set_session_cookie,
    sign_in,
    signed_in,
)
from switchboard.admin.errors import Forbidden
from switchboard.console.forms import read_form
from switchboard.console.web import ROOT, ConsoleRoute, render, see_other
from switchboard.services.users import Users

router = APIRouter(route_class=ConsoleRoute)
LOGIN_COOKIE = "sb_login_csrf"


def safe_next(target: str) -> str:
    """Only a console path is a place to go after signing in (no open redirect)."""
    if target.startswith(ROOT + "/") and not target.startswith("//") and "\\" not in target:
        return target[len(ROOT) :]
    return "/"


def login_page(
    request: Request, status: int = 200, message: str = "", email: str = "", next_target: str | None = None
) -> HTMLResponse:
    token = secrets.token_urlsafe(32)
    response = render(
        request,
        "login.html",
        status=status,
        login_token=token,
        message=message,
        email=email,
        next=request.query_params.get("next", "") if next_target is None else next_target,
    )
    response.set_cookie(
        LOGIN_COOKIE,
        token,
        max_age=3600,
        path=f"{ROOT}/login",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


@router.get("/login")
async def login_form(request: Request) -> Response:
    if await identify(request) is not None:
        return see_other("/")
    return login_page(request)


@router.post("/login")
async def login(request: Request) -> Response:
    form = await read_form(request)
    expected = request.cookies.get(LOGIN_COOKIE, "")
    sent = form.text("login_token")
    if not expected or not sent or not hmac.compare_digest(expected.encode(), sent.encode()):
        raise Forbidden("The sign-in form expired; load it again.")
    user = await sign_in(request, form.text("email"), form.text("password"))
    if user is None:
        return login_page(request, 401, "Wrong email or password.", form.text("email"), form.text("next"))
    session = await Users(services_of(request)).open_session(user)
    response = see_other(safe_next(form.text("next")))
    set_session_cookie(request, response, session)
    response.delete_cookie(LOGIN_COOKIE, path=f"{ROOT}/login")
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    operator = await signed_in(request)
    if operator.session_token:
        await Users(services_of(request)).close_session(operator.session_token)
    response = see_other("/login")
    clear_session_cookie(response)
    return response
