"""Admin API: message search and timelines, pushes (list, attempts, retry), inbound messages, the dashboard.

An account user sees only the account's own traffic; naming another account or a row of it answers 404.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from switchboard.admin import dashboard
from switchboard.admin.access import Operator, services_of, signed_in
from switchboard.admin.errors import NotFound
from switchboard.admin.oversight import MAX_PAGE, MAX_PAGE_SIZE, PAGE_SIZE, Oversight
from switchboard.admin.queries import InboundFilter, MessageFilter, PushFilter
from switchboard.admin.routing import AdminRoute
from switchboard.admin.schemas import MAX_INT64, MIN_INT64
from switchboard.admin.traffic_schemas import (
    DashboardOut,
    InboundOut,
    InboundPage,
    MessagePage,
    PushDetail,
    PushPage,
    TimelineOut,
    dashboard_out,
    message_out,
    push_detail,
    push_out,
    timeline_out,
)

router = APIRouter(route_class=AdminRoute, tags=["admin: traffic"])
SignedIn = Annotated[Operator, Depends(signed_in)]
PageNo = Annotated[int, Query(ge=1, le=MAX_PAGE)]
Size = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)]
AccountParam = Annotated[int | None, Query(alias="accountId", ge=MIN_INT64, le=MAX_INT64)]


def utc(moment: datetime | None) -> datetime | None:
    """A time from a query: naive times are UTC."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def scoped(operator: Operator, account_id: int | None) -> int | None:
    if account_id is not None:
        operator.check_account(account_id)
    return account_id if operator.scope is None else operator.scope


def digits(number: str | None) -> str | None:
    return number.strip().lstrip("+").replace(" ", "") if number else None


@router.get("/messages", response_model=MessagePage)
async def search_messages(
    operator: SignedIn,
    request: Request,
    msg_id: Annotated[str | None, Query(alias="msgId")] = None,
    number: str | None = None,
    order_id: Annotated[str | None, Query(alias="orderId")] = None,
    account_id: AccountParam = None,
    app_id: Annotated[str | None, Query(alias="appId")] = None,
    status: str | None = None,
    start: Annotated[datetime | None, Query(description="Created at or after (ISO 8601; UTC if no offset).")] = None,
    end: Annotated[datetime | None, Query(description="Created at or before.")] = None,
    page: PageNo = 1,
    size: Size = PAGE_SIZE,
) -> MessagePage:
    """Messages, newest first, by msgId, number, orderId, account, app, status and time window."""
    f = MessageFilter(
        msg_id=msg_id or None,
        number=digits(number),
        order_id=order_id or None,
        account_id=scoped(operator, account_id),
        app_id=app_id or None,
        status=status or None,
        start=utc(start),
        end=utc(end),
    )
    found = await Oversight(services_of(request)).messages(f, page, size)
    return MessagePage(
        items=[message_out(m) for m in found.items], page=found.page, size=found.size, has_next=found.has_next
    )


@router.get("/messages/{msg_id}", response_model=TimelineOut)
async def message_timeline(msg_id: str, operator: SignedIn, request: Request) -> TimelineOut:
    """A message and its timeline: accepted, submitted (carrier and its id), receipts, final state, refunds,
    pushes and each of their attempts."""
    timeline = await Oversight(services_of(request)).timeline(msg_id, operator.scope)
    if timeline is None:
        raise NotFound(f"no message {msg_id}")
    return timeline_out(timeline)


@router.get("/pushes", response_model=PushPage)
async def list_pushes(
    operator: SignedIn,
    request: Request,
    status: Annotated[str | None, Query(description="pending | delivered | abandoned")] = None,
    ref: Annotated[str | None, Query(description="The msgId the push is about.")] = None,
    kind: Annotated[str | None, Query(description="report | inbound | call")] = None,
    account_id: AccountParam = None,
    page: PageNo = 1,
    size: Size = PAGE_SIZE,
) -> PushPage:
    f = PushFilter(account_id=scoped(operator, account_id), status=status or None, ref=ref or None, kind=kind or None)
    found = await Oversight(services_of(request)).pushes(f, page, size)
    return PushPage(items=[push_out(p) for p in found.items], page=found.page, size=found.size, has_next=found.has_next)


@router.get("/pushes/{push_id}", response_model=PushDetail)
async def show_push(push_id: int, operator: SignedIn, request: Request) -> PushDetail:
    view = await Oversight(services_of(request)).push(push_id, operator.scope)
    if view is None:
        raise NotFound(f"no push {push_id}")
    return push_detail(view.push, view.attempts)


@router.post("/pushes/{push_id}/retry", response_model=PushDetail)
async def retry_push(push_id: int, operator: SignedIn, request: Request) -> PushDetail:
    """Make a push that is not delivered yet due now."""
    oversight = Oversight(services_of(request))
    view = await oversight.push(push_id, operator.scope)
    if view is None:
        raise NotFound(f"no push {push_id}")
    await oversight.retry_push(push_id, operator.scope)
    view = await oversight.push(push_id, operator.scope)
    assert view is not None
    return push_detail(view.push, view.attempts)


@router.get("/inbound", response_model=InboundPage)
async def list_inbound(
    operator: SignedIn,
    request: Request,
    account_id: AccountParam = None,
    app_id: Annotated[str | None, Query(alias="appId")] = None,
    number: Annotated[str | None, Query(description="The sender's number.")] = None,
    start: datetime | None = None,
    end: datetime | None = None,
    page: PageNo = 1,
    size: Size = PAGE_SIZE,
) -> InboundPage:
    """Inbound (MO) messages, newest first."""
    f = InboundFilter(
        account_id=scoped(operator, account_id),
        app_id=app_id or None,
        number=digits(number),
        start=utc(start),
        end=utc(end),
    )
    found = await Oversight(services_of(request)).inbound(f, page, size)
    items = [InboundOut(**row) for row in found.items]
    return InboundPage(items=items, page=found.page, size=found.size, has_next=found.has_next)


@router.get("/dashboard", response_model=DashboardOut)
async def show_dashboard(
    operator: SignedIn,
    request: Request,
    below: Annotated[str | None, Query(description="Balance alert threshold (default 10).")] = None,
) -> DashboardOut:
    """Messages per hour (last 24 h), delivery rates per country and carrier, queues, carriers, low balances."""
    stats = await dashboard.build(services_of(request), operator.scope, dashboard.alert_threshold(below))
    return dashboard_out(stats)
