"""JSON shapes of the admin API for configuration and traffic: rates, words, templates, routes, messages with
their timelines, pushes, inbound messages, and the dashboard."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from switchboard.admin.dashboard import Dashboard
from switchboard.admin.oversight import Timeline
from switchboard.admin.schemas import Int64, Model
from switchboard.domain.routing import Route
from switchboard.money import format_amount
from switchboard.store.catalog import Template


class RateIn(Model):
    product: str = "sms"
    country: str = Field(description="ISO 3166 alpha-2, or * for every country")
    price: str
    currency: str = "USD"
    prefix: str = ""
    account_id: Int64 | None = None


class RateOut(Model):
    product: str
    country: str
    prefix: str
    account_id: int | None
    price: str
    currency: str
    updated_at: datetime


class Count(Model):
    count: int


class WordIn(Model):
    word: str
    account_id: Int64 | None = None


class WordOut(Model):
    word: str
    account_id: int | None


class TemplateIn(Model):
    content: str
    approved: bool = False


class TemplateOut(Model):
    id: int
    app_id: str
    content: str
    approved: bool


class ApprovalIn(Model):
    approved: bool = True


class RouteIn(Model):
    carriers: list[str]
    position: Int64 | None = None
    country: str | None = None
    prefix: str | None = None
    account_id: Int64 | None = None
    sender_id: str | None = None


class RouteOut(Model):
    id: int
    position: int
    carriers: list[str]
    country: str | None
    prefix: str | None
    account_id: int | None
    sender_id: str | None


class MessageOut(Model):
    msg_id: str
    account_id: int
    app_id: str
    number: str
    country: str
    content: str
    sender_id: str | None
    order_id: str | None
    segments: int
    cost: str
    currency: str
    status: str
    carrier: str | None
    carrier_msg_id: str | None
    error_code: str | None
    created_at: datetime
    submitted_at: datetime | None
    final_at: datetime | None


class MessagePage(Model):
    items: list[MessageOut]
    page: int
    size: int
    has_next: bool


class EventOut(Model):
    at: datetime | None
    step: str
    summary: str
    tone: str


class PartOut(Model):
    part: int
    carrier: str
    carrier_key: str
    state: str
    error_code: str | None
    updated_at: datetime


class AttemptOut(Model):
    at: datetime
    http_status: int | None
    error: str | None
    duration_ms: int


class PushOut(Model):
    id: int
    account_id: int
    app_id: str
    kind: str
    ref: str
    url: str
    status: str
    attempts: int
    last_error: str | None
    next_attempt_at: datetime
    created_at: datetime
    delivered_at: datetime | None


class PushDetail(PushOut):
    body: str
    attempt_log: list[AttemptOut]


class PushPage(Model):
    items: list[PushOut]
    page: int
    size: int
    has_next: bool


class TimelineOut(Model):
    message: MessageOut
    parts: list[PartOut]
    pushes: list[PushDetail]
    events: list[EventOut]


class InboundOut(Model):
    msg_id: str
    account_id: int | None
    app_id: str | None
    source: str
    destination: str
    content: str
    carrier: str
    country: str
    received_at: datetime


class InboundPage(Model):
    items: list[InboundOut]
    page: int
    size: int
    has_next: bool


class RateStat(Model):
    key: str
    delivered: int
    total: int
    percent: float


class HourStat(Model):
    hour: datetime
    created: int
    delivered: int


class DashboardOut(Model):
    hourly: list[HourStat]
    by_country: list[RateStat]
    by_carrier: list[RateStat]
    queued: int
    statuses: dict[str, int]
    pending_pushes: int
    carriers: list[dict[str, Any]] | None
    low_balance_accounts: list[int]


def rate_out(row: dict[str, Any]) -> RateOut:
    return RateOut(**{**row, "price": format_amount(row["price"])})


def template_out(t: Template) -> TemplateOut:
    return TemplateOut(id=t.id, app_id=t.app_id, content=t.content, approved=t.approved)


def route_out(r: Route) -> RouteOut:
    return RouteOut(
        id=r.id,
        position=r.position,
        carriers=r.carriers,
        country=r.country,
        prefix=r.prefix,
        account_id=r.account_id,
        sender_id=r.sender_id,
    )


def message_out(row: dict[str, Any]) -> MessageOut:
    return MessageOut(**{**row, "cost": format_amount(row["cost"])})


def push_out(row: dict[str, Any]) -> PushOut:
    return PushOut(**row)


def push_detail(row: dict[str, Any], attempts: list[dict[str, Any]]) -> PushDetail:
    return PushDetail(**row, attempt_log=[AttemptOut(**a) for a in attempts])


def timeline_out(t: Timeline) -> TimelineOut:
    return TimelineOut(
        message=message_out(t.message),
        parts=[PartOut(**p) for p in t.parts],
        pushes=[push_detail(v.push, v.attempts) for v in t.pushes],
        events=[EventOut(at=e.at, step=e.step, summary=e.summary, tone=e.tone) for e in t.events],
    )


def dashboard_out(d: Dashboard) -> DashboardOut:
    def stats(rates: Any) -> list[RateStat]:
        return [RateStat(key=r.key, delivered=r.delivered, total=r.total, percent=round(r.percent, 2)) for r in rates]

    carriers = None
    if d.carriers is not None:
        carriers = [{"name": c.name, "state": c.state, "up": c.up, **c.details, "binds": c.binds} for c in d.carriers]
    return DashboardOut(
        hourly=[HourStat(hour=h, created=c, delivered=ok) for h, c, ok in d.hourly],
        by_country=stats(d.by_country),
        by_carrier=stats(d.by_carrier),
        queued=d.queued,
        statuses=d.statuses,
        pending_pushes=d.pending_pushes,
        carriers=carriers,
        low_balance_accounts=[a.id for a in d.alerts],
    )
