"""Repository for accounts, API keys, apps and the ledger. Functions take an open connection."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from switchboard.store.tables import accounts, api_keys, apps, ledger

# The statements of every request, built once: building a Core statement and its cache key on each call cost
# more CPU than executing it (values are bound at execution).
_ACCOUNT = sa.select(accounts).where(accounts.c.id == sa.bindparam("account_id"))
# FOR NO KEY UPDATE: serialises the account's money changes without blocking the foreign-key checks of rows
# that merely reference the account (its pushes, ledger and messages written by other transactions), which a
# plain FOR UPDATE would hold behind every send of a busy account.
_ACCOUNT_FOR_UPDATE = _ACCOUNT.with_for_update(key_share=True)
_MOVE_MONEY = (
    accounts.update()
    .where(
        accounts.c.id == sa.bindparam("account_id"),
        accounts.c.balance + sa.bindparam("balance_delta", type_=sa.BigInteger) + accounts.c.credit >= 0,
        accounts.c.gift + sa.bindparam("gift_delta", type_=sa.BigInteger) >= 0,
    )
    .values(
        balance=accounts.c.balance + sa.bindparam("balance_delta", type_=sa.BigInteger),
        gift=accounts.c.gift + sa.bindparam("gift_delta", type_=sa.BigInteger),
    )
)
_ADD_LEDGER = ledger.insert()
_APP = sa.select(apps).where(apps.c.app_id == sa.bindparam("app_id"))
_KEY = sa.select(api_keys).where(api_keys.c.api_key == sa.bindparam("api_key"))


@dataclass(frozen=True)
class Account:
    id: int
    name: str
    currency: str
    balance: int
    gift: int
    credit: int
    locked: bool
    workspace_enabled: bool
    timezone: str
    created_at: datetime


@dataclass(frozen=True)
class ApiKey:
    id: int
    account_id: int
    api_key: str
    secret_enc: str
    enabled: bool
    allowed_ips: list[str]
    allowed_apps: list[str] | None
    created_at: datetime


@dataclass(frozen=True)
class App:
    id: int
    app_id: str
    account_id: int
    product: str
    name: str
    report_url: str | None
    inbound_url: str | None
    call_url: str | None
    options: dict[str, Any]
    created_at: datetime


# An unknown key costs what a known one costs (the time of the answer must not tell them apart): the key lookups
# always return exactly one row of the same columns and types, the key's or, when there is none, a decoy, and
# both are decoded into the same objects before the decoy is turned into None. The decoy never authenticates:
# the lookup answers None for it whatever key string was asked (the ``decoy`` column decides, and a real row
# sorts first), and even taken for a key it would fail every check (its key string is never issued, its
# secret is no sealed token, the key is disabled, the account locked and its workspace off).
DECOY_API_KEY = "never-issued"  # ids.new_api_key issues letters and digits only
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NOT_SEALED = "decoy: not a sealed secret, nothing opens it"
DECOY_KEY = ApiKey(
    id=0,
    account_id=0,
    api_key=DECOY_API_KEY,
    secret_enc=_NOT_SEALED,
    enabled=False,
    allowed_ips=[],
    allowed_apps=None,
    created_at=_EPOCH,
)
DECOY_ACCOUNT = Account(
    id=0,
    name="decoy",
    currency="XXX",
    balance=0,
    gift=0,
    credit=0,
    locked=True,
    workspace_enabled=False,
    timezone="UTC",
    created_at=_EPOCH,
)
_KEY_LABELS = {f: f"key_{f}" for f in ApiKey.__dataclass_fields__}
_ACCOUNT_LABELS = {f: f"account_{f}" for f in Account.__dataclass_fields__}
_REAL_KEY = (
    sa.select(
        *(api_keys.c[f].label(label) for f, label in _KEY_LABELS.items()),
        *(accounts.c[f].label(label) for f, label in _ACCOUNT_LABELS.items()),
        sa.literal_column("0", sa.Integer).label("decoy"),
    )
    .join_from(api_keys, accounts, accounts.c.id == api_keys.c.account_id)
    .where(api_keys.c.api_key == sa.bindparam("api_key"))
)


def _inline(value: object, column: sa.Column[Any]) -> sa.ColumnElement[Any]:
    """A decoy value written into the statement as a literal of the column's type (a bound value would cost
    every execution its processing, real keys' included). Only this module's constants come here."""
    if value is None:
        return sa.null()
    if isinstance(value, bool):
        return sa.true() if value else sa.false()
    if isinstance(value, int):
        return sa.literal_column(str(value), column.type)
    if isinstance(value, datetime):
        text = value.strftime("%Y-%m-%d %H:%M:%S.%f")
    elif isinstance(value, list):
        assert not value, value
        text = "[]"
    else:
        text = str(value)
    assert "'" not in text, value
    return sa.literal_column(f"'{text}'", column.type)


_DECOY_ROW = sa.select(
    *(_inline(getattr(DECOY_KEY, f), api_keys.c[f]).label(label) for f, label in _KEY_LABELS.items()),
    *(_inline(getattr(DECOY_ACCOUNT, f), accounts.c[f]).label(label) for f, label in _ACCOUNT_LABELS.items()),
    sa.literal_column("1", sa.Integer).label("decoy"),
)
# The key and its account, or the decoy: always one row.
_KEY_WITH_ACCOUNT = sa.union_all(_REAL_KEY, _DECOY_ROW).order_by(sa.literal_column("decoy")).limit(1)
# The same with the request's app, when it names one (whoever owns it: the caller checks), in one round trip;
# the app is read and decoded for the decoy too.
_FOUND_KEY = _KEY_WITH_ACCOUNT.subquery("found")
_KEY_WITH_ACCOUNT_AND_APP = sa.select(_FOUND_KEY, apps).select_from(
    _FOUND_KEY.outerjoin(apps, apps.c.app_id == sa.bindparam("app_id"))
)


def _key_with_account(row: sa.Row[Any]) -> tuple[ApiKey, Account] | None:
    """The key and account of a lookup's row, None for the decoy (decoded all the same: see DECOY_API_KEY)."""
    m = row._mapping
    key = ApiKey(**{f: m[label] for f, label in _KEY_LABELS.items()})
    account = Account(**{f: m[label] for f, label in _ACCOUNT_LABELS.items()})
    return None if m["decoy"] else (key, account)


def _account(row: sa.Row[Any]) -> Account:
    m = row._mapping
    return Account(**{f: m[accounts.c[f]] for f in Account.__dataclass_fields__})


def _key(row: sa.Row[Any]) -> ApiKey:
    m = row._mapping
    return ApiKey(**{f: m[api_keys.c[f]] for f in ApiKey.__dataclass_fields__})


def _app(row: sa.Row[Any]) -> App:
    m = row._mapping
    return App(**{f: m[apps.c[f]] for f in App.__dataclass_fields__})


async def insert_account(conn: AsyncConnection, *, name: str, currency: str, now: datetime) -> int:
    result = await conn.execute(
        accounts.insert().values(name=name, currency=currency, created_at=now).returning(accounts.c.id)
    )
    return int(result.scalar_one())


async def get_account(conn: AsyncConnection, account_id: int, *, for_update: bool = False) -> Account | None:
    query = _ACCOUNT_FOR_UPDATE if for_update else _ACCOUNT
    row = (await conn.execute(query, {"account_id": account_id})).first()
    return _account(row) if row else None


async def list_accounts(conn: AsyncConnection) -> list[Account]:
    rows = await conn.execute(sa.select(accounts).order_by(accounts.c.id))
    return [_account(r) for r in rows]


async def set_account_flags(conn: AsyncConnection, account_id: int, **flags: Any) -> bool:
    result = await conn.execute(accounts.update().where(accounts.c.id == account_id).values(**flags))
    return result.rowcount == 1


async def add_ledger_entry(
    conn: AsyncConnection,
    *,
    account_id: int,
    kind: str,
    balance_delta: int,
    gift_delta: int,
    reference: str | None,
    now: datetime,
) -> None:
    await conn.execute(
        _ADD_LEDGER,
        {
            "account_id": account_id,
            "kind": kind,
            "balance_delta": balance_delta,
            "gift_delta": gift_delta,
            "reference": reference,
            "created_at": now,
        },
    )


async def move_money(
    conn: AsyncConnection,
    *,
    account_id: int,
    kind: str,
    balance_delta: int,
    gift_delta: int = 0,
    reference: str | None,
    now: datetime,
) -> bool:
    """Change the buckets by the deltas and write the ledger row, in the caller's transaction.

    The update is conditional: it matches no row (and returns False) when the result would leave the
    gift below zero or the balance below minus the credit line, so concurrent spenders cannot overdraw.
    """
    result = await conn.execute(
        _MOVE_MONEY, {"account_id": account_id, "balance_delta": balance_delta, "gift_delta": gift_delta}
    )
    if result.rowcount != 1:
        return False
    await add_ledger_entry(
        conn,
        account_id=account_id,
        kind=kind,
        balance_delta=balance_delta,
        gift_delta=gift_delta,
        reference=reference,
        now=now,
    )
    return True


async def ledger_totals(conn: AsyncConnection, account_id: int) -> tuple[int, int]:
    """Sums of the ledger's balance and gift deltas: they must equal the account's buckets."""
    row = (
        await conn.execute(
            sa.select(
                sa.func.coalesce(sa.func.sum(ledger.c.balance_delta), 0),
                sa.func.coalesce(sa.func.sum(ledger.c.gift_delta), 0),
            ).where(ledger.c.account_id == account_id)
        )
    ).one()
    return int(row[0]), int(row[1])


async def insert_key(
    conn: AsyncConnection,
    *,
    account_id: int,
    api_key: str,
    secret_enc: str,
    allowed_ips: list[str],
    allowed_apps: list[str] | None,
    now: datetime,
) -> None:
    await conn.execute(
        api_keys.insert().values(
            account_id=account_id,
            api_key=api_key,
            secret_enc=secret_enc,
            allowed_ips=allowed_ips,
            allowed_apps=allowed_apps,
            created_at=now,
        )
    )


async def get_key(conn: AsyncConnection, api_key: str) -> ApiKey | None:
    row = (await conn.execute(_KEY, {"api_key": api_key})).first()
    return _key(row) if row else None


async def get_key_with_account(conn: AsyncConnection, api_key: str) -> tuple[ApiKey, Account] | None:
    """The key and its account in one round trip (the hot path of authentication); an unknown key reads and
    decodes the decoy row instead, so it does the same work."""
    row = (await conn.execute(_KEY_WITH_ACCOUNT, {"api_key": api_key})).one()
    return _key_with_account(row)


async def get_key_account_app(
    conn: AsyncConnection, api_key: str, app_id: str
) -> tuple[ApiKey, Account, App | None] | None:
    """The key, its account and the app ``app_id`` (None when no app has that id) in one round trip; an unknown
    key reads the decoy row and the app all the same."""
    row = (await conn.execute(_KEY_WITH_ACCOUNT_AND_APP, {"api_key": api_key, "app_id": app_id})).one()
    found = _key_with_account(row)
    app = _app(row) if row._mapping[apps.c.id] is not None else None
    return (*found, app) if found is not None else None


async def list_keys(conn: AsyncConnection, account_id: int) -> list[ApiKey]:
    rows = await conn.execute(sa.select(api_keys).where(api_keys.c.account_id == account_id).order_by(api_keys.c.id))
    return [_key(r) for r in rows]


async def update_key(conn: AsyncConnection, api_key: str, **values: Any) -> bool:
    result = await conn.execute(api_keys.update().where(api_keys.c.api_key == api_key).values(**values))
    return result.rowcount == 1


async def insert_app(
    conn: AsyncConnection,
    *,
    app_id: str,
    account_id: int,
    product: str,
    name: str,
    now: datetime,
) -> None:
    await conn.execute(
        apps.insert().values(
            app_id=app_id, account_id=account_id, product=product, name=name, options={}, created_at=now
        )
    )


async def get_app(conn: AsyncConnection, app_id: str) -> App | None:
    row = (await conn.execute(_APP, {"app_id": app_id})).first()
    return _app(row) if row else None


async def list_apps(conn: AsyncConnection, account_id: int) -> list[App]:
    rows = await conn.execute(sa.select(apps).where(apps.c.account_id == account_id).order_by(apps.c.id))
    return [_app(r) for r in rows]


async def update_app(conn: AsyncConnection, app_id: str, **values: Any) -> bool:
    result = await conn.execute(apps.update().where(apps.c.app_id == app_id).values(**values))
    return result.rowcount == 1


async def debit(conn: AsyncConnection, *, account_id: int, cost: int, reference: str, now: datetime) -> int | None:
    """Charge ``cost``: the gift bucket first, then the balance down to minus the credit line.

    Returns the part paid from the gift, or None (nothing changed) when gift + balance + credit does not
    cover it. The account row is locked for the rest of the caller's transaction, and the update is
    conditional as well, so concurrent debits can never overdraw.
    """
    account = await get_account(conn, account_id, for_update=True)
    if account is None or account.gift + account.balance + account.credit < cost:
        return None
    from_gift = min(account.gift, cost)
    if cost == 0:
        return 0
    moved = await move_money(
        conn,
        account_id=account_id,
        kind="debit",
        balance_delta=-(cost - from_gift),
        gift_delta=-from_gift,
        reference=reference,
        now=now,
    )
    return from_gift if moved else None


@dataclass(frozen=True)
class Debit:
    """One charge of a group commit: what it takes from the balance and from the gift, and its reference."""

    balance: int
    gift: int
    reference: str


async def debit_many(conn: AsyncConnection, *, account_id: int, debits: list[Debit], now: datetime) -> bool:
    """Apply charges the caller has already checked against the locked account row (``get_account`` with
    ``for_update``): one conditional update by their sum and one ledger row each. False (nothing changed) when
    the account no longer covers them."""
    if not debits:
        return True
    result = await conn.execute(
        _MOVE_MONEY,
        {
            "account_id": account_id,
            "balance_delta": -sum(d.balance for d in debits),
            "gift_delta": -sum(d.gift for d in debits),
        },
    )
    if result.rowcount != 1:
        return False
    await conn.execute(
        _ADD_LEDGER,
        [
            {
                "account_id": account_id,
                "kind": "debit",
                "balance_delta": -d.balance,
                "gift_delta": -d.gift,
                "reference": d.reference,
                "created_at": now,
            }
            for d in debits
        ],
    )
    return True
