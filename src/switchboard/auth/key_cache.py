"""API-key lookups cached in Redis (production mode), so authentication does not hit the database.

The cache holds the key and its account's standing (never the balance: getBalance reads it fresh) for
``TTL`` seconds. Every change of a key or an account through the services deletes the entries it affects,
so a disabled key or a locked account is refused on the next request by every API process.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

import orjson

from switchboard.store.tenants import Account, ApiKey

TTL = 60
PREFIX = "sb:apikey:"


def _encode(key: ApiKey, account: Account) -> bytes:
    def default(value: Any) -> Any:
        if isinstance(value, datetime):
            return value.isoformat()
        raise TypeError

    return orjson.dumps({"key": asdict(key), "account": asdict(account)}, default=default)


def _decode(raw: str | bytes) -> tuple[ApiKey, Account]:
    data = orjson.loads(raw)
    key, account = data["key"], data["account"]
    key["created_at"] = datetime.fromisoformat(key["created_at"])
    account["created_at"] = datetime.fromisoformat(account["created_at"])
    return ApiKey(**key), Account(**account)


async def get(redis: Any, api_key: str) -> tuple[ApiKey, Account] | None:
    raw = await redis.get(PREFIX + api_key)
    return _decode(raw) if raw else None


async def put(redis: Any, key: ApiKey, account: Account) -> None:
    await redis.set(PREFIX + key.api_key, _encode(key, account), ex=TTL)


async def forget(redis: Any | None, *api_keys: str) -> None:
    if redis is not None and api_keys:
        await redis.delete(*(PREFIX + k for k in api_keys))
