"""API-key lookups cached in Redis (production mode), so authentication does not hit the database.

The cache holds the key and its account's standing (never the balance: getBalance reads it fresh) for
``TTL`` seconds. Every change of a key or an account through the services deletes the entries it affects,
so a disabled key or a locked account is refused on the next request by every API process.

An unknown key is cached too, as a decoy entry of the same shape (the lookup's decoy, see
``tenants.DECOY_API_KEY``) flagged as unknown, so that it costs what a known key costs: one GET and one entry
decoded into the same objects, rather than a database round trip that only unknown keys would make. Creating
a key deletes its entry. Key strings longer than any key are not cached (none of them can exist).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, cast

import orjson
import sqlalchemy as sa

from switchboard.store.tables import api_keys
from switchboard.store.tenants import DECOY_ACCOUNT, DECOY_KEY, Account, ApiKey

TTL = 60
PREFIX = "sb:apikey:"


# Longer key strings are looked up in the database every time: none of them can be a key.
_MAX_KEY_LENGTH = cast(sa.String, api_keys.c.api_key.type).length or 0


@dataclass(frozen=True)
class Cached:
    """A cache hit: the key and its account, or None for a key known to be unknown (a decoy entry)."""

    found: tuple[ApiKey, Account] | None


def _encode(found: tuple[ApiKey, Account] | None) -> bytes:
    def default(value: Any) -> Any:
        if isinstance(value, datetime):
            return value.isoformat()
        raise TypeError

    key, account = found if found is not None else (DECOY_KEY, DECOY_ACCOUNT)
    return orjson.dumps({"key": asdict(key), "account": asdict(account), "decoy": found is None}, default=default)


def _decode(raw: str | bytes) -> Cached:
    data = orjson.loads(raw)
    key, account = data["key"], data["account"]
    key["created_at"] = datetime.fromisoformat(key["created_at"])
    account["created_at"] = datetime.fromisoformat(account["created_at"])
    found = ApiKey(**key), Account(**account)
    return Cached(None if data.get("decoy") else found)


async def get(redis: Any, api_key: str) -> Cached | None:
    """The cached lookup of ``api_key``, None when it is not cached."""
    raw = await redis.get(PREFIX + api_key)
    return _decode(raw) if raw else None


async def put(redis: Any, api_key: str, found: tuple[ApiKey, Account] | None) -> None:
    """Cache the lookup of ``api_key``: its key and account, or (``found`` None) a decoy entry."""
    if len(api_key) <= _MAX_KEY_LENGTH:
        await redis.set(PREFIX + api_key, _encode(found), ex=TTL)


async def forget(redis: Any | None, *api_keys: str) -> None:
    if redis is not None and api_keys:
        await redis.delete(*(PREFIX + k for k in api_keys))
