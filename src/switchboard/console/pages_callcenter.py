"""Console pages of the call center: the team leader's wall board of an account's agent groups (live, every 3 s)
and an agent's workstation (state buttons, the group's tags, own records with a note and tags after a call).

Admins pick the account (``?account=``); an account's users see their own account only (another account's
agent is "not found").
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from switchboard.admin.access import Operator, services_of, signed_in
from switchboard.admin.errors import Invalid, NotFound
from switchboard.console.forms import read_form
from switchboard.console.web import ConsoleRoute, render, see_other
from switchboard.domain.callcenter.agents import Status
from switchboard.errors import ApiError
from switchboard.services.callcenter.agents import Agents
from switchboard.services.callcenter.board import SERVICE_LEVEL_SECONDS, Board
from switchboard.services.tenancy import Tenancy

router = APIRouter(route_class=ConsoleRoute)
SignedIn = Annotated[Operator, Depends(signed_in)]
BUTTONS = {"idle": Status.IDLE, "break": Status.BREAK, "offline": Status.OFFLINE}


def tags(values: Sequence[object]) -> list[str]:
    return [v.strip() for v in values if isinstance(v, str) and v.strip()]


def account_of(operator: Operator, raw: str | None) -> int | None:
    """The account the page is about: the user's own, or the one an admin picked (None: not picked yet)."""
    if operator.scope is not None:
        return operator.scope
    return int(raw) if raw and raw.isdigit() else None


@router.get("/callcenter")
async def board_page(operator: SignedIn, request: Request) -> Response:
    services = services_of(request)
    account_id = account_of(operator, request.query_params.get("account"))
    accounts = await Tenancy(services).accounts() if operator.is_admin else []
    boards = await Board(services).groups(account_id) if account_id is not None else []
    return render(
        request,
        "callcenter.html",
        boards=boards,
        accounts=accounts,
        account_id=account_id,
        level_seconds=SERVICE_LEVEL_SECONDS,
    )


@router.get("/callcenter/agents/{agent_id}")
async def agent_page(agent_id: int, operator: SignedIn, request: Request) -> Response:
    account_id = account_of(operator, request.query_params.get("account"))
    if account_id is None:
        raise NotFound("not found")
    try:
        desk = await Board(services_of(request)).agent(account_id, agent_id)
    except ApiError as exc:
        raise NotFound("not found") from exc
    return render(request, "cc_agent.html", account_id=account_id, buttons=list(BUTTONS), **desk)


@router.post("/callcenter/agents/{agent_id}/state")
async def agent_state(agent_id: int, operator: SignedIn, request: Request) -> Response:
    form = await read_form(request)
    account_id = account_of(operator, form.optional("account"))
    wanted = BUTTONS.get(form.text("state"))
    if account_id is None or wanted is None:
        raise Invalid("state must be idle, break or offline")
    try:
        await Agents(services_of(request)).set_state(account_id, agent_id, wanted)
    except ApiError as exc:
        if exc.code == -24:
            raise NotFound("not found") from exc
        raise Invalid("the agent is on a call") from exc
    return see_other(f"/callcenter/agents/{agent_id}?account={account_id}")


@router.post("/callcenter/agents/{agent_id}/note")
async def agent_note(agent_id: int, operator: SignedIn, request: Request) -> Response:
    form = await read_form(request)
    account_id = account_of(operator, form.optional("account"))
    if account_id is None:
        raise NotFound("not found")
    try:
        await Board(services_of(request)).note(
            account_id, agent_id, form.text("call_id"), form.text("note"), tags(form.data.getlist("labels"))
        )
    except ApiError as exc:
        if exc.code == -24:
            raise NotFound("not found") from exc
        raise Invalid("tags must be the group's") from exc
    return see_other(f"/callcenter/agents/{agent_id}?account={account_id}")
