"""The authentication check order and the code each failure gets in each product's table.

Checks run in this order; the first that fails decides the answer (docs/auth.md shows the same table):

 1. ``Api-Key``, ``Sign`` and ``Timestamp`` headers present
 2. ``Timestamp`` a number within +-window of the server clock
 3. the API key exists
 4. ``Sign`` equals md5(key + secret + timestamp), hex in any case, compared in constant time
 5. the key is enabled
 6. the account is not locked
 7. the account's workspace is enabled
 8. the caller's IP is in the key's allow-list (when it has one)
 9. the route's appId is present (where the route needs one), exists, belongs to the key's account and
    is of the route's product
10. the key may use that app (when the key is limited to some apps)

Before them, an IP blocked for repeated unknown keys, or a key blocked from that IP for repeated wrong
signatures, is refused; after them, with replay protection on, a Sign seen before is refused (see
auth/guard.py). An unknown key does the same work as a known one (one row read and decoded into the same
objects: the lookup's decoy row or the key cache's decoy entry; a secret decrypted, a signature compared), so
the time of the answer does not tell them apart.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum

from sqlalchemy.ext.asyncio import AsyncConnection

from switchboard.auth import key_cache
from switchboard.auth.guard import MemoryGuard, RedisGuard
from switchboard.auth.ip import ip_allowed
from switchboard.auth.signature import parse_timestamp, signature_matches
from switchboard.errors import ApiError, Product
from switchboard.services.context import Services
from switchboard.store import tenants
from switchboard.store.tenants import Account, ApiKey, App


class Failure(Enum):
    MISSING_HEADER = "missing header"
    TIMESTAMP = "timestamp not a number or outside the window"
    UNKNOWN_KEY = "unknown API key"
    BAD_SIGNATURE = "signature does not match"
    KEY_DISABLED = "API key disabled"
    ACCOUNT_LOCKED = "account locked"
    WORKSPACE_DISABLED = "workspace disabled"
    IP_DENIED = "IP not in the key's allow-list"
    APP_MISSING = "appId missing"
    APP_UNKNOWN = "appId unknown, of another account or of another product"
    APP_NOT_PERMITTED = "API key may not use this app"
    BLOCKED = "too many authentication failures from this IP"
    REPLAYED = "this Sign was used before"


# Failure -> code, per product. Only codes of the product's own table appear here (ApiError checks).
CODES: dict[Product, dict[Failure, int]] = {
    Product.SMS: {
        Failure.MISSING_HEADER: -1,
        Failure.TIMESTAMP: -16,
        Failure.UNKNOWN_KEY: -1,
        Failure.BAD_SIGNATURE: -1,
        Failure.KEY_DISABLED: -1,
        Failure.ACCOUNT_LOCKED: -13,
        Failure.WORKSPACE_DISABLED: -13,
        Failure.IP_DENIED: -2,
        Failure.APP_MISSING: -22,
        Failure.APP_UNKNOWN: -1,
        Failure.APP_NOT_PERMITTED: -1,
        Failure.BLOCKED: -2,
        Failure.REPLAYED: -1,
    },
    Product.VOICE: {
        Failure.MISSING_HEADER: -1,
        Failure.TIMESTAMP: -16,
        Failure.UNKNOWN_KEY: -1,
        Failure.BAD_SIGNATURE: -1,
        Failure.KEY_DISABLED: -30,
        Failure.ACCOUNT_LOCKED: -29,
        Failure.WORKSPACE_DISABLED: -29,
        Failure.IP_DENIED: -31,
        Failure.APP_MISSING: -22,
        Failure.APP_UNKNOWN: -52,
        Failure.APP_NOT_PERMITTED: -32,
        Failure.BLOCKED: -2,
        Failure.REPLAYED: -1,
    },
    Product.AIVOICE: {
        Failure.MISSING_HEADER: -1,
        Failure.TIMESTAMP: -4,
        Failure.UNKNOWN_KEY: -1,
        Failure.BAD_SIGNATURE: -1,
        Failure.KEY_DISABLED: -1,
        Failure.ACCOUNT_LOCKED: -49,
        Failure.WORKSPACE_DISABLED: -49,
        Failure.IP_DENIED: -6,
        Failure.APP_MISSING: -27,
        Failure.APP_UNKNOWN: -37,
        Failure.APP_NOT_PERMITTED: -37,
        Failure.BLOCKED: -6,
        Failure.REPLAYED: -1,
    },
    Product.CC: {
        Failure.MISSING_HEADER: -1,
        Failure.TIMESTAMP: -16,
        Failure.UNKNOWN_KEY: -1,
        Failure.BAD_SIGNATURE: -1,
        Failure.KEY_DISABLED: -30,
        Failure.ACCOUNT_LOCKED: -29,
        Failure.WORKSPACE_DISABLED: -29,
        Failure.IP_DENIED: -31,
        Failure.APP_MISSING: -22,
        Failure.APP_UNKNOWN: -32,
        Failure.APP_NOT_PERMITTED: -32,
        Failure.BLOCKED: -2,
        Failure.REPLAYED: -1,
    },
}


# The failures that look like guessing credentials; they count towards blocking the IP.
GUESSES = frozenset({Failure.UNKNOWN_KEY.value, Failure.BAD_SIGNATURE.value})


@dataclass(frozen=True)
class Principal:
    """Who is calling: the key, its account, and the app the request names (if any)."""

    key: ApiKey
    account: Account
    app: App | None


# Products whose table names the missing header (REFERENCE.md 3.3), checked in this order; others answer
# CODES[product][Failure.MISSING_HEADER] for any of them.
MISSING_HEADER_CODES: dict[Product, dict[str, int]] = {
    Product.AIVOICE: {"sign": -57, "timestamp": -58, "api-key": -59},
}


def fail(product: Product, failure: Failure) -> ApiError:
    return ApiError(product, CODES[product][failure], failure.value)


def missing_header(product: Product, present: Mapping[str, str | None]) -> ApiError:
    """The error for a request lacking one of the three signing headers (``present``: header -> value)."""
    for header, code in MISSING_HEADER_CODES.get(product, {}).items():
        if present.get(header) is None:
            return ApiError(product, code, f"{Failure.MISSING_HEADER.value}: {header}")
    return fail(product, Failure.MISSING_HEADER)


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    return value.strip() if value and value.strip() else None


class Authenticator:
    def __init__(self, services: Services) -> None:
        self.s = services

    def _guard(self) -> MemoryGuard | RedisGuard:
        guard: MemoryGuard | RedisGuard | None = self.s.caches.get("auth_guard")
        if guard is None:
            guard = RedisGuard(self.s.redis) if self.s.redis is not None else MemoryGuard(self.s.clock)
            self.s.caches["auth_guard"] = guard
        return guard

    def _dummy_sealed_secret(self) -> str:
        sealed: str | None = self.s.caches.get("auth_dummy_secret")
        if sealed is None:
            sealed = self.s.caches["auth_dummy_secret"] = self.s.secrets.seal(secrets.token_hex(16))
        return sealed

    async def authenticate(
        self,
        product: Product,
        headers: Mapping[str, str],
        client_ip: str | None,
        *,
        app_id: str | None,
        app_required: bool,
    ) -> Principal:
        """Run the checks in order. An unknown key counts against the caller's IP; a wrong signature for a known
        key counts against that key from that IP only, so one broken client does not lock out its neighbours
        behind the same address (brute force, see auth/guard.py)."""
        guard, ip = self._guard(), client_ip or "unknown"
        per_key = f"{ip}|{(_header(headers, 'api-key') or '')[:100]}"
        if await guard.blocked(ip) or await guard.blocked(per_key):
            raise fail(product, Failure.BLOCKED)
        try:
            principal = await self._check(product, headers, client_ip, app_id=app_id, app_required=app_required)
        except ApiError as exc:
            if exc.detail not in GUESSES:
                raise
            settings = self.s.settings
            await guard.failed(
                per_key if exc.detail == Failure.BAD_SIGNATURE.value else ip,
                limit=settings.auth_failure_limit,
                window=settings.auth_failure_window,
                block=settings.auth_block_seconds,
            )
            raise
        if self.s.settings.replay_protection:
            sign = headers.get("sign", "").strip().lower()
            if not await guard.first_use(sign, 2 * self.s.settings.timestamp_window):
                raise fail(product, Failure.REPLAYED)
        return principal

    async def _check(
        self,
        product: Product,
        headers: Mapping[str, str],
        client_ip: str | None,
        *,
        app_id: str | None,
        app_required: bool,
    ) -> Principal:
        api_key, signature, timestamp = (_header(headers, h) for h in ("api-key", "sign", "timestamp"))
        if api_key is None or signature is None or timestamp is None:
            raise missing_header(product, {"api-key": api_key, "sign": signature, "timestamp": timestamp})
        seconds = parse_timestamp(timestamp)
        if seconds is None or abs(self.s.clock.time() - seconds) > self.s.settings.timestamp_window:
            raise fail(product, Failure.TIMESTAMP)
        async with self.s.db.read(quick=True) as conn:
            found, app, app_read = await self._lookup(conn, api_key, app_id)
            # The same work whether the key exists or not: a sealed secret opened, a signature compared.
            sealed = found[0].secret_enc if found is not None else self._dummy_sealed_secret()
            matches = signature_matches(api_key, self.s.secrets.open(sealed), timestamp, signature)
            if found is None:
                raise fail(product, Failure.UNKNOWN_KEY)
            key, account = found
            if not matches:
                raise fail(product, Failure.BAD_SIGNATURE)
            self._check_standing(product, key, account, client_ip)
            if app_id and not app_read:
                app = await tenants.get_app(conn, app_id)
        if app_id is None:
            if app_required:
                raise fail(product, Failure.APP_MISSING)
            return Principal(key=key, account=account, app=None)
        if app is None or app.account_id != account.id or app.product != product.value:
            raise fail(product, Failure.APP_UNKNOWN)
        if key.allowed_apps is not None and app.app_id not in key.allowed_apps:
            raise fail(product, Failure.APP_NOT_PERMITTED)
        return Principal(key=key, account=account, app=app)

    async def _lookup(
        self, conn: AsyncConnection, api_key: str, app_id: str | None
    ) -> tuple[tuple[ApiKey, Account] | None, App | None, bool]:
        """The key and its account, and the app when it could be read in the same round trip: (found, app,
        whether the app was read). With Redis the key comes from its cache and the app is read afterwards."""
        if self.s.redis is not None:
            cached = await key_cache.get(self.s.redis, api_key)
            if cached is not None:
                return cached.found, None, False
            found = await tenants.get_key_with_account(conn, api_key)
            await key_cache.put(self.s.redis, api_key, found)  # an unknown key as a decoy entry
            return found, None, False
        if app_id:
            with_app = await tenants.get_key_account_app(conn, api_key, app_id)
            return (with_app[:2] if with_app else None), (with_app[2] if with_app else None), True
        return await tenants.get_key_with_account(conn, api_key), None, True

    @staticmethod
    def _check_standing(product: Product, key: ApiKey, account: Account, client_ip: str | None) -> None:
        if not key.enabled:
            raise fail(product, Failure.KEY_DISABLED)
        if account.locked:
            raise fail(product, Failure.ACCOUNT_LOCKED)
        if not account.workspace_enabled:
            raise fail(product, Failure.WORKSPACE_DISABLED)
        if not ip_allowed(client_ip, key.allowed_ips):
            raise fail(product, Failure.IP_DENIED)
