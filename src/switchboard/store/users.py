"""Repository for console users, their server-side sessions and their bearer tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from switchboard.store.console_tables import user_sessions, user_tokens, users

ADMIN = "admin"
ACCOUNT = "account"
ROLES = (ADMIN, ACCOUNT)


@dataclass(frozen=True)
class User:
    id: int
    email: str
    password_hash: str
    role: str
    account_id: int | None
    enabled: bool
    created_at: datetime

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN


@dataclass(frozen=True)
class Session:
    token_hash: str
    user: User
    csrf_token: str
    expires_at: datetime


@dataclass(frozen=True)
class Token:
    id: int
    user_id: int
    prefix: str
    created_at: datetime


def _user(mapping: Any) -> User:
    return User(**{f: mapping[users.c[f]] for f in User.__dataclass_fields__})


async def insert_user(
    conn: AsyncConnection, *, email: str, password_hash: str, role: str, account_id: int | None, now: datetime
) -> int:
    result = await conn.execute(
        users.insert()
        .values(email=email, password_hash=password_hash, role=role, account_id=account_id, created_at=now)
        .returning(users.c.id)
    )
    return int(result.scalar_one())


async def get_user(conn: AsyncConnection, user_id: int) -> User | None:
    row = (await conn.execute(sa.select(users).where(users.c.id == user_id))).first()
    return _user(row._mapping) if row else None


async def get_user_by_email(conn: AsyncConnection, email: str) -> User | None:
    row = (await conn.execute(sa.select(users).where(users.c.email == email))).first()
    return _user(row._mapping) if row else None


async def list_users(conn: AsyncConnection) -> list[User]:
    return [_user(r._mapping) for r in await conn.execute(sa.select(users).order_by(users.c.id))]


async def update_user(conn: AsyncConnection, user_id: int, **values: Any) -> bool:
    result = await conn.execute(users.update().where(users.c.id == user_id).values(**values))
    return result.rowcount == 1


async def admin_exists(conn: AsyncConnection) -> bool:
    query = sa.select(users.c.id).where(users.c.role == ADMIN, users.c.enabled.is_(True)).limit(1)
    return (await conn.execute(query)).first() is not None


async def insert_session(
    conn: AsyncConnection, *, token_hash: str, user_id: int, csrf_token: str, now: datetime, expires_at: datetime
) -> None:
    await conn.execute(
        user_sessions.insert().values(
            token_hash=token_hash, user_id=user_id, csrf_token=csrf_token, created_at=now, expires_at=expires_at
        )
    )


async def get_session(conn: AsyncConnection, token_hash: str) -> Session | None:
    """The session and its user, whatever their state (the caller checks expiry and ``enabled``)."""
    query = (
        sa.select(users, user_sessions.c.token_hash, user_sessions.c.csrf_token, user_sessions.c.expires_at)
        .join(user_sessions, user_sessions.c.user_id == users.c.id)
        .where(user_sessions.c.token_hash == token_hash)
    )
    row = (await conn.execute(query)).first()
    if row is None:
        return None
    m = row._mapping
    return Session(
        m[user_sessions.c.token_hash], _user(m), m[user_sessions.c.csrf_token], m[user_sessions.c.expires_at]
    )


async def delete_session(conn: AsyncConnection, token_hash: str) -> bool:
    result = await conn.execute(user_sessions.delete().where(user_sessions.c.token_hash == token_hash))
    return result.rowcount == 1


async def delete_sessions(
    conn: AsyncConnection, *, user_id: int | None = None, expired_before: datetime | None = None
) -> int:
    """Sessions of one user (all of them), or every session that expired before a moment."""
    query = user_sessions.delete()
    if user_id is not None:
        query = query.where(user_sessions.c.user_id == user_id)
    if expired_before is not None:
        query = query.where(user_sessions.c.expires_at < expired_before)
    return int((await conn.execute(query)).rowcount)


async def insert_token(conn: AsyncConnection, *, user_id: int, token_hash: str, prefix: str, now: datetime) -> int:
    result = await conn.execute(
        user_tokens.insert()
        .values(user_id=user_id, token_hash=token_hash, prefix=prefix, created_at=now)
        .returning(user_tokens.c.id)
    )
    return int(result.scalar_one())


async def user_for_token(conn: AsyncConnection, token_hash: str) -> User | None:
    query = sa.select(users).join(user_tokens, user_tokens.c.user_id == users.c.id)
    row = (await conn.execute(query.where(user_tokens.c.token_hash == token_hash))).first()
    return _user(row._mapping) if row else None


async def list_tokens(conn: AsyncConnection, user_id: int) -> list[Token]:
    rows = await conn.execute(sa.select(user_tokens).where(user_tokens.c.user_id == user_id).order_by(user_tokens.c.id))
    return [Token(r.id, r.user_id, r.prefix, r.created_at) for r in rows]


async def delete_token(conn: AsyncConnection, user_id: int, token_id: int) -> bool:
    result = await conn.execute(
        user_tokens.delete().where(user_tokens.c.id == token_id, user_tokens.c.user_id == user_id)
    )
    return result.rowcount == 1
