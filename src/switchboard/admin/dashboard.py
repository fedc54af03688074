"""The dashboard's numbers: traffic per hour, delivery rates, queues, carriers' live state, low balances.

Read-only. Carrier state comes from ``services.caches["carriers"]``, which exists only in a process that runs
the dispatch role (``serve``); elsewhere it is None and the dashboard says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from switchboard.admin import queries
from switchboard.money import parse_amount
from switchboard.services.context import Services
from switchboard.services.tenancy import Tenancy
from switchboard.store.tenants import Account

HOURS = 24
DEFAULT_ALERT_BELOW = "10"


@dataclass(frozen=True)
class Rate:
    key: str
    delivered: int
    total: int

    @property
    def percent(self) -> float:
        return 100.0 * self.delivered / self.total if self.total else 0.0


@dataclass(frozen=True)
class CarrierState:
    name: str
    state: str
    up: bool
    details: dict[str, Any]
    binds: list[dict[str, Any]]


@dataclass
class Dashboard:
    start: datetime
    hourly: list[tuple[datetime, int, int]]  # hour, created, delivered
    by_country: list[Rate]
    by_carrier: list[Rate]
    queued: int
    statuses: dict[str, int]
    pending_pushes: int
    carriers: list[CarrierState] | None
    alerts: list[Account]
    alert_below: int


def carrier_states(services: Services) -> list[CarrierState] | None:
    """Live connector states of this process, or None when no dispatcher runs here."""
    carriers: Any = services.caches.get("carriers")
    if carriers is None:
        return None
    states = []
    for name, status in sorted(carriers.status().items()):
        binds = [b for b in status.get("binds", []) if isinstance(b, dict)]
        state = str(status.get("state") or ("bound" if status.get("bound") else "down"))
        details = {k: v for k, v in status.items() if k not in ("binds", "state", "name") and not isinstance(v, dict)}
        states.append(CarrierState(name, state, state in ("up", "bound"), details, binds))
    return states


def alert_threshold(text: str | None) -> int:
    try:
        return max(0, parse_amount(text or DEFAULT_ALERT_BELOW))
    except ValueError:
        return parse_amount(DEFAULT_ALERT_BELOW)


async def build(services: Services, scope: int | None, alert_below: int) -> Dashboard:
    now = services.clock.now()
    start = now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=HOURS - 1)
    since = now - timedelta(hours=HOURS)
    async with services.db.read() as conn:
        hourly = await queries.hourly(conn, start, HOURS, scope)
        countries = await queries.outcomes_by(conn, "country", since, scope)
        carriers = await queries.outcomes_by(conn, "carrier", since, scope)
        statuses = await queries.status_counts(conn, scope)
        pending = await queries.pending_pushes(conn, scope)
    accounts = await Tenancy(services).accounts() if scope is None else [await Tenancy(services).account(scope)]
    return Dashboard(
        start=start,
        hourly=[(start + timedelta(hours=i), made, done) for i, (made, done) in enumerate(hourly)],
        by_country=[Rate(*row) for row in countries],
        by_carrier=[Rate(*row) for row in carriers],
        queued=statuses.get("queued", 0),
        statuses=statuses,
        pending_pushes=pending,
        carriers=carrier_states(services) if scope is None else None,
        alerts=[a for a in accounts if a.balance + a.gift < alert_below],
        alert_below=alert_below,
    )
