"""The team leader's own wall board: a team leader signs in with the login and password the call center
generated (C8/C9) and sees the live board of its groups only. Sessions as the agent's (pages_agent.py)."""

from __future__ import annotations

import hmac
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from switchboard.admin.access import services_of
from switchboard.console.forms import read_form
from switchboard.console.pages_agent import checked, session_of, signed_in_as
from switchboard.console.web import ConsoleRoute, render, see_other
from switchboard.services.callcenter.board import SERVICE_LEVEL_SECONDS, Board
from switchboard.store import callcenter as store

router = APIRouter(route_class=ConsoleRoute)
COOKIE = "sb_leader"


@router.get("/leader")
async def leader_home(request: Request) -> Response:
    session = session_of(request, COOKIE)
    services = services_of(request)
    leader = None
    if session is not None:
        async with services.db.read() as conn:
            leader = await store.leader(conn, session[0], session[1])
    if session is None or leader is None or not leader["enabled"]:
        return render(request, "agent_login.html", failed=False, who="team leader", action="/leader/login")
    boards = await Board(services).groups(session[0], only=list(leader["group_ids"]))
    context: dict[str, Any] = {"accounts": [], "account_id": session[0], "level_seconds": SERVICE_LEVEL_SECONDS}
    return render(request, "callcenter.html", boards=boards, leader=leader, leader_csrf=session[2], **context)


@router.post("/leader/login")
async def leader_login(request: Request) -> Response:
    form = await read_form(request)
    login, password = form.text("account"), form.text("password")
    services = services_of(request)
    async with services.db.read() as conn:
        leader = await store.leader_by_login(conn, login) if login else None
    expected = services.secrets.open(leader["password_enc"]).encode() if leader is not None else b"\x00" * 16
    if leader is None or not leader["enabled"] or not hmac.compare_digest(password.encode(), expected):
        return render(request, "agent_login.html", status=401, failed=True, who="team leader", action="/leader/login")
    return signed_in_as(request, COOKIE, leader["account_id"], leader["id"], "/leader")


@router.post("/leader/logout")
async def leader_logout(request: Request) -> Response:
    form = await read_form(request)
    checked(request, form.text("csrf_token"), COOKIE)
    response = see_other("/leader")
    response.delete_cookie(COOKIE, httponly=True, samesite="strict")
    return response
