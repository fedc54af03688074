"""Repository for what operators configure: rates, sensitive words and templates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from switchboard.domain.pricing import Rate
from switchboard.store.tables import rates, templates, words


def _account_is(column: Any, account_id: int | None) -> Any:
    return column.is_(None) if account_id is None else column == account_id


async def load_rates(conn: AsyncConnection, product: str, account_id: int) -> list[Rate]:
    rows = await conn.execute(
        sa.select(rates).where(
            rates.c.product == product, sa.or_(rates.c.account_id.is_(None), rates.c.account_id == account_id)
        )
    )
    return [Rate(r.country, r.prefix, r.account_id, r.price, r.currency) for r in rows]


async def list_rates(conn: AsyncConnection, product: str | None = None) -> list[dict[str, Any]]:
    query = sa.select(rates).order_by(rates.c.product, rates.c.account_id, rates.c.country, rates.c.prefix)
    if product:
        query = query.where(rates.c.product == product)
    return [dict(r._mapping) for r in await conn.execute(query)]


async def upsert_rate(
    conn: AsyncConnection,
    *,
    product: str,
    country: str,
    prefix: str,
    account_id: int | None,
    price: int,
    currency: str,
    now: datetime,
) -> None:
    match = sa.and_(
        rates.c.product == product,
        rates.c.country == country,
        rates.c.prefix == prefix,
        _account_is(rates.c.account_id, account_id),
    )
    updated = await conn.execute(rates.update().where(match).values(price=price, currency=currency, updated_at=now))
    if updated.rowcount == 0:
        await conn.execute(
            rates.insert().values(
                product=product,
                country=country,
                prefix=prefix,
                account_id=account_id,
                price=price,
                currency=currency,
                updated_at=now,
            )
        )


async def delete_rate(
    conn: AsyncConnection, *, product: str, country: str, prefix: str, account_id: int | None
) -> bool:
    result = await conn.execute(
        rates.delete().where(
            rates.c.product == product,
            rates.c.country == country,
            rates.c.prefix == prefix,
            _account_is(rates.c.account_id, account_id),
        )
    )
    return result.rowcount > 0


async def words_for(conn: AsyncConnection, account_id: int) -> list[str]:
    rows = await conn.execute(
        sa.select(words.c.word).where(sa.or_(words.c.account_id.is_(None), words.c.account_id == account_id))
    )
    return [r[0] for r in rows]


async def add_word(conn: AsyncConnection, word: str, account_id: int | None, now: datetime) -> bool:
    exists = await conn.execute(
        sa.select(words.c.id).where(words.c.word == word, _account_is(words.c.account_id, account_id))
    )
    if exists.first():
        return False
    await conn.execute(words.insert().values(word=word, account_id=account_id, created_at=now))
    return True


async def remove_word(conn: AsyncConnection, word: str, account_id: int | None) -> bool:
    result = await conn.execute(words.delete().where(words.c.word == word, _account_is(words.c.account_id, account_id)))
    return result.rowcount > 0


async def list_words(conn: AsyncConnection) -> list[dict[str, Any]]:
    rows = await conn.execute(sa.select(words).order_by(words.c.account_id, words.c.word))
    return [dict(r._mapping) for r in rows]


@dataclass(frozen=True)
class Template:
    id: int
    app_id: str
    content: str
    approved: bool


async def app_templates(conn: AsyncConnection, app_id: str) -> list[Template]:
    rows = await conn.execute(sa.select(templates).where(templates.c.app_id == app_id).order_by(templates.c.id))
    return [Template(r.id, r.app_id, r.content, r.approved) for r in rows]


async def add_template(conn: AsyncConnection, app_id: str, content: str, approved: bool, now: datetime) -> int:
    result = await conn.execute(
        templates.insert()
        .values(app_id=app_id, content=content, approved=approved, created_at=now)
        .returning(templates.c.id)
    )
    return int(result.scalar_one())


async def set_template_approved(conn: AsyncConnection, template_id: int, approved: bool) -> bool:
    result = await conn.execute(templates.update().where(templates.c.id == template_id).values(approved=approved))
    return result.rowcount == 1


async def remove_template(conn: AsyncConnection, template_id: int) -> bool:
    return (await conn.execute(templates.delete().where(templates.c.id == template_id))).rowcount == 1
