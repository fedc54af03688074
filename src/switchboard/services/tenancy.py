"""Accounts, API keys, apps and balances: what the operator CLI and the admin side call."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.exc import IntegrityError

from switchboard import ids
from switchboard.auth import key_cache
from switchboard.auth.ip import normalise_networks
from switchboard.errors import OperatorError, Product
from switchboard.money import MAX_AMOUNT, MoneyError, parse_amount
from switchboard.services.context import SIGNING_KEYS, Services
from switchboard.services.push_targets import url_problem
from switchboard.store import tenants
from switchboard.store.tenants import Account, ApiKey, App

CURRENCY = re.compile(r"^[A-Z]{3}$")
PUSH_URL = re.compile(r"^https?://[^\s]+$")
MAX_ID_ATTEMPTS = 5


@dataclass
class NewAccount:
    account: Account
    api_key: str
    api_secret: str
    apps: dict[str, str] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "accountId": self.account.id,
            "apiKey": self.api_key,
            "apiSecret": self.api_secret,
            "apps": self.apps,
        }


def _amount(value: str, *, what: str, allow_zero: bool = True) -> int:
    try:
        micros = parse_amount(value)
    except MoneyError as exc:
        raise OperatorError(f"{what}: {exc}") from exc
    if micros < 0 or (micros == 0 and not allow_zero):
        raise OperatorError(f"{what} must be {'zero or ' if allow_zero else ''}positive: {value}")
    return micros


def check_options(product: str, options: dict[str, Any]) -> dict[str, Any]:
    """Only the options a product knows, each of the type of its default."""
    from switchboard.services.callcenter.common import CcOptions
    from switchboard.services.sms import SmsOptions
    from switchboard.services.voice import VoiceOptions

    known: dict[str, Any] = {"sms": SmsOptions(), "voice": VoiceOptions(), "cc": CcOptions()}
    defaults = known.get(product)
    for name, value in options.items():
        if defaults is None or name not in defaults.__dataclass_fields__:
            raise OperatorError(f"no option {name!r} for {product} apps")
        expected = type(getattr(defaults, name))
        if type(value) is not expected or (expected is int and value < 0):
            raise OperatorError(f"option {name} takes a {'non-negative integer' if expected is int else 'boolean'}")
    return options


def _networks(items: list[str]) -> list[str]:
    try:
        return normalise_networks(items)
    except ValueError as exc:
        raise OperatorError(str(exc)) from exc


class Tenancy:
    def __init__(self, services: Services) -> None:
        self.s = services

    async def create_account(
        self,
        *,
        name: str,
        balance: str = "0",
        currency: str = "USD",
        allow_ips: list[str] | None = None,
        gift: str = "0",
        credit: str = "0",
    ) -> NewAccount:
        """An account with its first API key and one app of each product, all or nothing."""
        name = name.strip()
        if not name or len(name) > 100:
            raise OperatorError("account name must be 1 to 100 characters")
        currency = currency.strip().upper()
        if not CURRENCY.match(currency):
            raise OperatorError(f"currency must be a 3-letter code: {currency!r}")
        balance_micros = _amount(balance, what="balance")
        gift_micros = _amount(gift, what="gift")
        credit_micros = _amount(credit, what="credit")
        networks = _networks(allow_ips or [])
        now = self.s.clock.now()
        secret = ids.new_api_secret()
        async with self.s.db.write() as conn:
            account_id = await tenants.insert_account(conn, name=name, currency=currency, now=now)
            await tenants.set_account_flags(conn, account_id, credit=credit_micros)
            if balance_micros or gift_micros:
                await tenants.move_money(
                    conn,
                    account_id=account_id,
                    kind="topup",
                    balance_delta=balance_micros,
                    gift_delta=gift_micros,
                    reference="opening balance",
                    now=now,
                )
            api_key = ids.new_api_key()
            await tenants.insert_key(
                conn,
                account_id=account_id,
                api_key=api_key,
                secret_enc=self.s.secrets.seal(secret),
                allowed_ips=networks,
                allowed_apps=None,
                now=now,
            )
            app_ids: dict[str, str] = {}
            for product in Product:
                app_ids[product.value] = ids.new_app_id()
                await tenants.insert_app(
                    conn,
                    app_id=app_ids[product.value],
                    account_id=account_id,
                    product=product.value,
                    name=f"{name} {product.value}",
                    now=now,
                )
            account = await tenants.get_account(conn, account_id)
        assert account is not None
        await key_cache.forget(self.s.redis, api_key)  # the string may be cached as an unknown key
        return NewAccount(account=account, api_key=api_key, api_secret=secret, apps=app_ids)

    async def account(self, account_id: int) -> Account:
        async with self.s.db.read() as conn:
            account = await tenants.get_account(conn, account_id)
        if account is None:
            raise OperatorError(f"no account {account_id}")
        return account

    async def accounts(self) -> list[Account]:
        async with self.s.db.read() as conn:
            return await tenants.list_accounts(conn)

    async def account_details(self, account_id: int) -> tuple[Account, list[ApiKey], list[App]]:
        async with self.s.db.read() as conn:
            account = await tenants.get_account(conn, account_id)
            if account is None:
                raise OperatorError(f"no account {account_id}")
            return (
                account,
                await tenants.list_keys(conn, account_id),
                await tenants.list_apps(conn, account_id),
            )

    async def topup(self, account_id: int, amount: str, *, gift: bool = False, reference: str = "") -> Account:
        micros = _amount(amount, what="amount", allow_zero=False)
        now = self.s.clock.now()
        async with self.s.db.write() as conn:
            current = await tenants.get_account(conn, account_id)
            if current is None:
                raise OperatorError(f"no account {account_id}")
            if (current.gift if gift else current.balance) + micros > MAX_AMOUNT:
                raise OperatorError(f"the {'gift' if gift else 'balance'} would pass the largest amount")
            await tenants.move_money(
                conn,
                account_id=account_id,
                kind="gift" if gift else "topup",
                balance_delta=0 if gift else micros,
                gift_delta=micros if gift else 0,
                reference=reference or None,
                now=now,
            )
            account = await tenants.get_account(conn, account_id)
        assert account is not None
        return account

    async def set_credit_line(self, account_id: int, amount: str) -> Account:
        micros = _amount(amount, what="credit")
        async with self.s.db.write() as conn:
            current = await tenants.get_account(conn, account_id)
            if current is None:
                raise OperatorError(f"no account {account_id}")
            if current.balance + micros < 0:
                raise OperatorError("the balance is already below that credit line")
            await tenants.set_account_flags(conn, account_id, credit=micros)
            account = await tenants.get_account(conn, account_id)
        assert account is not None
        return account

    async def set_timezone(self, account_id: int, zone: str) -> Account:
        """The zone in which the account's reports and pushes show times (an IANA name such as Asia/Shanghai)."""
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise OperatorError(f"unknown time zone: {zone!r}") from exc
        return await self.set_account_flags(account_id, timezone=zone)

    async def set_account_flags(self, account_id: int, **flags: Any) -> Account:
        async with self.s.db.write() as conn:
            if not await tenants.set_account_flags(conn, account_id, **flags):
                raise OperatorError(f"no account {account_id}")
            account = await tenants.get_account(conn, account_id)
            keys = await tenants.list_keys(conn, account_id)
        assert account is not None
        await key_cache.forget(self.s.redis, *(k.api_key for k in keys))
        return account

    async def create_key(
        self, account_id: int, *, allow_ips: list[str] | None = None, apps: list[str] | None = None
    ) -> tuple[str, str]:
        networks = _networks(allow_ips or [])
        secret = ids.new_api_secret()
        now = self.s.clock.now()
        async with self.s.db.write() as conn:
            if await tenants.get_account(conn, account_id) is None:
                raise OperatorError(f"no account {account_id}")
            for app_id in apps or []:
                app = await tenants.get_app(conn, app_id)
                if app is None or app.account_id != account_id:
                    raise OperatorError(f"app {app_id} is not an app of account {account_id}")
            api_key = ids.new_api_key()
            await tenants.insert_key(
                conn,
                account_id=account_id,
                api_key=api_key,
                secret_enc=self.s.secrets.seal(secret),
                allowed_ips=networks,
                allowed_apps=list(apps) if apps else None,
                now=now,
            )
        await key_cache.forget(self.s.redis, api_key)  # the string may be cached as an unknown key
        return api_key, secret

    async def update_key(self, api_key: str, **values: Any) -> ApiKey:
        if "allowed_ips" in values:
            values["allowed_ips"] = _networks(values["allowed_ips"])
        async with self.s.db.write() as conn:
            if not await tenants.update_key(conn, api_key, **values):
                raise OperatorError(f"no API key {api_key}")
            key = await tenants.get_key(conn, api_key)
        assert key is not None
        await key_cache.forget(self.s.redis, api_key)
        self.s.forget(SIGNING_KEYS)
        return key

    async def create_app(self, account_id: int, product: str, name: str | None = None) -> App:
        try:
            product_value = Product(product).value
        except ValueError as exc:
            raise OperatorError(f"product must be one of {', '.join(p.value for p in Product)}") from exc
        now = self.s.clock.now()
        for _ in range(MAX_ID_ATTEMPTS):
            app_id = ids.new_app_id()
            try:
                async with self.s.db.write() as conn:
                    if await tenants.get_account(conn, account_id) is None:
                        raise OperatorError(f"no account {account_id}")
                    await tenants.insert_app(
                        conn,
                        app_id=app_id,
                        account_id=account_id,
                        product=product_value,
                        name=(name or f"{product_value} app").strip()[:100],
                        now=now,
                    )
                    app = await tenants.get_app(conn, app_id)
                assert app is not None
                return app
            except IntegrityError:
                continue
        raise OperatorError("could not mint a unique appId")

    async def app(self, app_id: str) -> App:
        async with self.s.db.read() as conn:
            app = await tenants.get_app(conn, app_id)
        if app is None:
            raise OperatorError(f"no app {app_id}")
        return app

    async def update_app(self, app_id: str, *, options: dict[str, Any] | None = None, **urls: str | None) -> App:
        values: dict[str, Any] = {}
        for column, url in urls.items():
            if url is None:
                continue
            if url and not PUSH_URL.match(url):
                raise OperatorError(f"{column.replace('_', '-')} must be an http(s) URL: {url!r}")
            problem = url_problem(url, self.s.settings.push_allowed_networks) if url else None
            if problem is not None:
                raise OperatorError(f"{column.replace('_', '-')} {problem}")
            values[column] = url or None
        async with self.s.db.write() as conn:
            app = await tenants.get_app(conn, app_id)
            if app is None:
                raise OperatorError(f"no app {app_id}")
            if options:
                values["options"] = {**app.options, **check_options(app.product, options)}
            if values:
                await tenants.update_app(conn, app_id, **values)
            app = await tenants.get_app(conn, app_id)
        assert app is not None
        return app
