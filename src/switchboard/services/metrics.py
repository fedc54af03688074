"""What the operator sees at ``/metrics`` (Prometheus text format).

Counters are read from the live objects of this process when scraped (the dispatcher, the delivery events,
the carriers' own counters), and the queue depths come from the database, so every process reports what
it does and any process reports the shared queues.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from prometheus_client import CollectorRegistry, Gauge, generate_latest

from switchboard.services.context import Services
from switchboard.store.tables import messages, pushes


async def render(services: Services) -> bytes:
    registry = CollectorRegistry()
    queue = Gauge("switchboard_messages", "Messages by status", ["status"], registry=registry)
    push_gauge = Gauge("switchboard_pushes", "Pushes by status", ["status"], registry=registry)
    async with services.db.read() as conn:
        for status, count in await conn.execute(
            sa.select(messages.c.status, sa.func.count()).group_by(messages.c.status)
        ):
            queue.labels(status).set(count)
        for status, count in await conn.execute(sa.select(pushes.c.status, sa.func.count()).group_by(pushes.c.status)):
            push_gauge.labels(status).set(count)
    _process_counters(services, registry)
    return bytes(generate_latest(registry))


def _process_counters(services: Services, registry: CollectorRegistry) -> None:
    dispatcher: Any = services.caches.get("dispatcher")
    if dispatcher is not None:
        gauge = Gauge("switchboard_dispatch_total", "Dispatch outcomes in this process", ["outcome"], registry=registry)
        for outcome, count in dispatcher.counters.items():
            gauge.labels(outcome).set(count)
    events: Any = services.caches.get("delivery_events")
    if events is not None:
        gauge = Gauge("switchboard_receipts_total", "Receipts applied by this process", ["result"], registry=registry)
        for result, count in events.counters.items():
            gauge.labels(result).set(count)
        dropped = Gauge(
            "switchboard_held_receipts_dropped_total",
            "Receipts matching no message dropped because the carrier's held receipts were at their cap",
            ["carrier"],
            registry=registry,
        )
        for carrier, count in getattr(events, "dropped", {}).items():
            dropped.labels(carrier).set(count)
    carriers: Any = services.caches.get("carriers")
    if carriers is not None:
        up = Gauge("switchboard_carrier_up", "1 when the carrier's connection is up", ["carrier"], registry=registry)
        counters = Gauge("switchboard_carrier_total", "Carrier counters", ["carrier", "counter"], registry=registry)
        for name, status in carriers.status().items():
            # SMPP connectors report how many binds are up ("bound"), not a "state" (as the dashboard reads them).
            state = status.get("state") or ("bound" if status.get("bound") else "down")
            up.labels(name).set(1 if state in ("up", "bound") else 0)
            for key, value in status.items():
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    counters.labels(name, key).set(value)
