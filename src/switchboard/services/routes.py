"""Adding a route to a product's route table (SMS carriers or voice trunks): one rule for both."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncConnection

from switchboard.errors import OperatorError
from switchboard.services.context import Services
from switchboard.store import carriers as store

STEP = 10  # positions are spaced so that a route can be put between two others


async def add_route(
    services: Services,
    *,
    product: str,
    targets: list[str],
    known: Callable[[AsyncConnection], Awaitable[set[str]]],
    what: str,
    position: int | None = None,
    country: str | None = None,
    prefix: str | None = None,
    account_id: int | None = None,
    sender_id: str | None = None,
) -> int:
    """A route to ``targets`` (carrier or trunk names, failover order), last in the table by default."""
    if not targets:
        raise OperatorError(f"a route needs at least one {what}")
    if prefix is not None and not prefix.isdigit():
        raise OperatorError("prefix must be digits")
    async with services.db.write() as conn:
        missing = [t for t in targets if t not in await known(conn)]
        if missing:
            raise OperatorError(f"no {what} {', '.join(missing)}")
        existing = await store.list_routes(conn, product)
        return await store.insert_route(
            conn,
            now=services.clock.now(),
            product=product,
            position=position if position is not None else max((r.position for r in existing), default=0) + STEP,
            country=country.upper() if country else None,
            prefix=prefix,
            account_id=account_id,
            sender_id=sender_id,
            carriers=targets,
        )
