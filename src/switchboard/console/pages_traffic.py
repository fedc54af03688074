"""Console pages for traffic: message search and the message timeline, pushes with attempts, inbound messages.

Account users see their own account's traffic only; another account's message or push answers 404.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from switchboard.admin.access import Operator, services_of, signed_in
from switchboard.admin.errors import NotFound
from switchboard.admin.oversight import Oversight
from switchboard.admin.queries import InboundFilter, MessageFilter, PushFilter
from switchboard.console.web import ConsoleRoute, page_param, render, see_other
from switchboard.store.messages import CANCELLED, DELIVERED, EXPIRED, FAILED, QUEUED, SCHEDULED, SUBMITTED
from switchboard.store.pushes import ABANDONED, PENDING
from switchboard.store.pushes import DELIVERED as PUSH_DELIVERED

router = APIRouter(route_class=ConsoleRoute)
SignedIn = Annotated[Operator, Depends(signed_in)]
MESSAGE_STATES = (SCHEDULED, QUEUED, SUBMITTED, DELIVERED, FAILED, EXPIRED, CANCELLED)
PUSH_STATES = (PENDING, PUSH_DELIVERED, ABANDONED)


class Query:
    """The search form's values as typed (kept to fill the form again) and their parsed forms."""

    def __init__(self, request: Request) -> None:
        self.values = {k: v.strip() for k, v in request.query_params.items() if k != "page"}
        self.problems: list[str] = []

    def text(self, name: str) -> str | None:
        return self.values.get(name) or None

    def digits(self, name: str) -> str | None:
        value = self.text(name)
        return value.lstrip("+").replace(" ", "") if value else None

    def number(self, name: str) -> int | None:
        value = self.text(name)
        if value is None:
            return None
        if not value.isdigit():
            self.problems.append(f"{name} must be a number")
            return None
        return int(value)

    def moment(self, name: str) -> datetime | None:
        value = self.text(name)
        if value is None:
            return None
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            self.problems.append(f"{name} is not a date and time: {value}")
            return None
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)

    def account(self, operator: Operator) -> int | None:
        account_id = self.number("account")
        if account_id is not None:
            operator.check_account(account_id)
        return operator.scope if operator.scope is not None else account_id


@router.get("/messages")
async def messages_page(operator: SignedIn, request: Request) -> Response:
    q = Query(request)
    f = MessageFilter(
        msg_id=q.text("msg_id"),
        number=q.digits("number"),
        order_id=q.text("order_id"),
        account_id=q.account(operator),
        app_id=q.text("app"),
        status=q.text("status"),
        start=q.moment("start"),
        end=q.moment("end"),
    )
    found = await Oversight(services_of(request)).messages(f, page_param(request)) if not q.problems else None
    return render(request, "messages.html", q=q.values, problems=q.problems, found=found, states=MESSAGE_STATES)


@router.get("/messages/{msg_id}")
async def message_page(msg_id: str, operator: SignedIn, request: Request) -> Response:
    timeline = await Oversight(services_of(request)).timeline(msg_id, operator.scope)
    if timeline is None:
        raise NotFound(f"No message {msg_id}.")
    return render(request, "message.html", t=timeline, m=timeline.message)


@router.get("/pushes")
async def pushes_page(operator: SignedIn, request: Request) -> Response:
    q = Query(request)
    f = PushFilter(account_id=q.account(operator), status=q.text("status"), ref=q.text("ref"), kind=q.text("kind"))
    found = await Oversight(services_of(request)).pushes(f, page_param(request)) if not q.problems else None
    return render(request, "pushes.html", q=q.values, problems=q.problems, found=found, states=PUSH_STATES)


@router.get("/pushes/{push_id}")
async def push_page(push_id: int, operator: SignedIn, request: Request) -> Response:
    view = await Oversight(services_of(request)).push(push_id, operator.scope)
    if view is None:
        raise NotFound(f"No push {push_id}.")
    return render(request, "push.html", p=view.push, attempts=view.attempts)


@router.post("/pushes/{push_id}/retry")
async def retry_push(push_id: int, operator: SignedIn, request: Request) -> Response:
    if await Oversight(services_of(request)).push(push_id, operator.scope) is None:
        raise NotFound(f"No push {push_id}.")
    await Oversight(services_of(request)).retry_push(push_id, operator.scope)
    return see_other(f"/pushes/{push_id}")


@router.get("/inbound")
async def inbound_page(operator: SignedIn, request: Request) -> Response:
    q = Query(request)
    f = InboundFilter(
        account_id=q.account(operator),
        app_id=q.text("app"),
        number=q.digits("number"),
        start=q.moment("start"),
        end=q.moment("end"),
    )
    found = await Oversight(services_of(request)).inbound(f, page_param(request)) if not q.problems else None
    return render(request, "inbound.html", q=q.values, problems=q.problems, found=found)
