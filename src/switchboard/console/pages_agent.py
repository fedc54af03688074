"""The agent's own workstation: an agent signs in with the SIP account and password the call center generated
for it (C12/C13), then sets its state, sees its calls and notes them, like the operator's view of the same page.

The session is a cookie sealed with the master key (Fernet: encrypted and authenticated) holding the agent,
its account and an expiry; the forms carry a token derived from it (double submit), so another site cannot
post for the agent. Passwords are compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Sequence

from fastapi import APIRouter, Request
from starlette.responses import Response

from switchboard.admin.access import services_of
from switchboard.admin.errors import Forbidden, Invalid
from switchboard.console.forms import read_form
from switchboard.console.web import ConsoleRoute, render, see_other
from switchboard.domain.callcenter.agents import Status
from switchboard.errors import ApiError
from switchboard.services.callcenter.agents import Agents
from switchboard.services.callcenter.board import Board
from switchboard.store import callcenter as store

router = APIRouter(route_class=ConsoleRoute)
COOKIE = "sb_agent"
HOURS = 12
BUTTONS = {"idle": Status.IDLE, "break": Status.BREAK, "offline": Status.OFFLINE}


def _token(cookie: str) -> str:
    return hashlib.sha256(b"agent-csrf:" + cookie.encode()).hexdigest()[:32]


def session_of(request: Request, cookie_name: str = COOKIE) -> tuple[int, int, str] | None:
    """(account id, person id, csrf token) of a valid agent (or team-leader) cookie, or None."""
    cookie = request.cookies.get(cookie_name, "")
    if not cookie:
        return None
    try:
        account_id, agent_id, expires = (int(part) for part in services_of(request).secrets.open(cookie).split(":"))
    except ValueError:
        return None
    if expires < time.time():
        return None
    return account_id, agent_id, _token(cookie)


def checked(request: Request, token: str, cookie_name: str = COOKIE) -> tuple[int, int]:
    session = session_of(request, cookie_name)
    if session is None:
        raise Forbidden("sign in as the agent")
    if not hmac.compare_digest(token, session[2]):
        raise Forbidden("the form's token does not match the session")
    return session[0], session[1]


@router.get("/agent")
async def agent_home(request: Request) -> Response:
    session = session_of(request)
    if session is None:
        return render(request, "agent_login.html", failed=False)
    account_id, agent_id, token = session
    try:
        desk = await Board(services_of(request)).agent(account_id, agent_id)
    except ApiError:
        return render(request, "agent_login.html", failed=False)
    base = "/console/agent"
    return render(
        request, "cc_agent.html", account_id=account_id, buttons=list(BUTTONS), agent_csrf=token, base=base, **desk
    )


@router.post("/agent/login")
async def agent_login(request: Request) -> Response:
    form = await read_form(request)
    login, password = form.text("account"), form.text("password")
    services = services_of(request)
    async with services.db.read() as conn:
        agent = await store.agent_by_sip_account(conn, login) if login else None
    given = password.encode()
    expected = services.secrets.open(agent["password_enc"]).encode() if agent is not None else b"\x00" * 16
    if agent is None or not hmac.compare_digest(given, expected):
        return render(request, "agent_login.html", status=401, failed=True)
    return signed_in_as(request, COOKIE, agent["account_id"], agent["id"], "/agent")


def signed_in_as(request: Request, cookie_name: str, account_id: int, person_id: int, home: str) -> Response:
    cookie = services_of(request).secrets.seal(f"{account_id}:{person_id}:{int(time.time()) + HOURS * 3600}")
    response = see_other(home)
    secure = request.url.scheme == "https"
    response.set_cookie(cookie_name, cookie, max_age=HOURS * 3600, httponly=True, samesite="strict", secure=secure)
    return response


@router.post("/agent/logout")
async def agent_logout(request: Request) -> Response:
    form = await read_form(request)
    checked(request, form.text("csrf_token"))
    response = see_other("/agent")
    response.delete_cookie(COOKIE, httponly=True, samesite="strict")
    return response


@router.post("/agent/state")
async def agent_state(request: Request) -> Response:
    form = await read_form(request)
    account_id, agent_id = checked(request, form.text("csrf_token"))
    wanted = BUTTONS.get(form.text("state"))
    if wanted is None:
        raise Invalid("state must be idle, break or offline")
    try:
        await Agents(services_of(request)).set_state(account_id, agent_id, wanted)
    except ApiError as exc:
        raise Invalid("the agent is on a call") from exc
    return see_other("/agent")


@router.post("/agent/note")
async def agent_note(request: Request) -> Response:
    form = await read_form(request)
    account_id, agent_id = checked(request, form.text("csrf_token"))
    try:
        await Board(services_of(request)).note(
            account_id, agent_id, form.text("call_id"), form.text("note"), _tags(form.data.getlist("labels"))
        )
    except ApiError as exc:
        raise Invalid("tags must be the group's, the call the agent's") from exc
    return see_other("/agent")


def _tags(values: Sequence[object]) -> list[str]:
    return [v.strip() for v in values if isinstance(v, str) and v.strip()]
