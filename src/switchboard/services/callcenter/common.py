"""What the call-center services share: per-app options, the principal's account, time rendering, logins."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from switchboard.auth.authenticate import Principal
from switchboard.ids import ALNUM
from switchboard.store import callcenter as store
from switchboard.store import tenants

LOGIN_DIGITS = 10
PASSWORD_LENGTH = 16


@dataclass(frozen=True)
class CcOptions:
    """Per-app call-center options (``switchboard app update APP --option max_groups=10``); the account's first
    call-center app's options apply to calls that name no app."""

    max_groups: int = 50  # agent groups per account (-23); 0: the call center is not sold to it (-75)
    max_agents: int = 500  # agents per account (-36)
    max_rate: int = 10  # calloutRate a task may use (C25: -36 above it)

    @classmethod
    def of(cls, options: dict[str, Any]) -> CcOptions:
        return cls(**{f.name: options[f.name] for f in fields(cls) if f.name in options})


async def options_for(conn: AsyncConnection, principal: Principal) -> CcOptions:
    if principal.app is not None:
        return CcOptions.of(principal.app.options)
    apps = [a for a in await tenants.list_apps(conn, principal.account.id) if a.product == "cc"]
    return CcOptions.of(apps[0].options) if apps else CcOptions()


def stamp(value: datetime | None) -> str | None:
    """``yyyy-MM-dd HH:mm:ss`` (UTC), the call center's time format."""
    return value.strftime("%Y-%m-%d %H:%M:%S") if value is not None else None


def new_password() -> str:
    return "".join(secrets.choice(ALNUM) for _ in range(PASSWORD_LENGTH))


async def new_logins(conn: AsyncConnection, how_many: int) -> list[str]:
    """``how_many`` 10-digit logins used by no agent, team leader or voice phone."""
    found: set[str] = set()
    while len(found) < how_many:
        low = 10 ** (LOGIN_DIGITS - 1)
        wanted = {str(secrets.randbelow(9 * low) + low) for _ in range(how_many - len(found))}
        found |= wanted - await store.logins_taken(conn, sorted(wanted))
    return sorted(found)
