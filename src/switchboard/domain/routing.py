"""Routing: the first enabled route whose filters all match a message gives the carriers to try, in order.

Filters (each optional): country (ISO alpha-2), number prefix, account id, sender id. A route with no
filters matches everything. With no route matching, every enabled carrier is tried in the order it was
added; with no carrier at all, the built-in simulator takes the message.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Route:
    id: int
    position: int
    carriers: list[str]
    country: str | None = None
    prefix: str | None = None
    account_id: int | None = None
    sender_id: str | None = None

    def matches(self, *, country: str, number: str, account_id: int, sender_id: str | None) -> bool:
        return (
            (self.country is None or self.country == country)
            and (self.prefix is None or number.startswith(self.prefix))
            and (self.account_id is None or self.account_id == account_id)
            and (self.sender_id is None or self.sender_id == (sender_id or ""))
        )


def choose_carriers(
    routes: Sequence[Route],
    enabled: Sequence[str],
    *,
    country: str,
    number: str,
    account_id: int,
    sender_id: str | None,
) -> list[str]:
    """Carrier names to try in order (only enabled ones); empty when the matching route has none enabled."""
    for route in sorted(routes, key=lambda r: (r.position, r.id)):
        if route.matches(country=country, number=number, account_id=account_id, sender_id=sender_id):
            return [name for name in route.carriers if name in enabled]
    return list(enabled)
