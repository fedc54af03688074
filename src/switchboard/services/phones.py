"""SIP phones of voice apps: sipAdd (V2), sipQuery (V3), sipReset (V4), and the operator's view of them.

A sipAdd request makes one group of 1-50 phones. Every phone gets a generated SIP account (10 digits, unique
across the platform, the digest user name it registers with) and a generated password, sealed with the
master key: sipQuery answers passwords, so they are stored encrypted, not hashed. Group and phone names are
unique within an app (-20); an app holds at most ``max_phones`` phones (app option, default 500; -23).
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from switchboard.auth.authenticate import Principal
from switchboard.domain.voice.phones import PageRequest, SipAddRequest, check_sip_add
from switchboard.domain.voice.validation import voice_error
from switchboard.errors import ApiError, OperatorError, Product
from switchboard.ids import ALNUM
from switchboard.services.context import Services
from switchboard.services.voice import VoiceOptions
from switchboard.store import phones as store
from switchboard.store import tenants
from switchboard.store.tables import apps
from switchboard.store.tenants import App

DEFAULT_MAX_PHONES = 500
ACCOUNT_DIGITS = 10
PASSWORD_LENGTH = 16


def new_account() -> str:
    return str(secrets.randbelow(9 * 10 ** (ACCOUNT_DIGITS - 1)) + 10 ** (ACCOUNT_DIGITS - 1))


def new_password() -> str:
    return "".join(secrets.choice(ALNUM) for _ in range(PASSWORD_LENGTH))


@dataclass(frozen=True)
class PhoneView:
    """A phone with its registration state, for the operator (CLI, console)."""

    phone: store.Phone
    contacts: list[store.Registration]

    @property
    def registered(self) -> bool:
        return bool(self.contacts)


class PhoneService:
    def __init__(self, services: Services) -> None:
        self.s = services

    @staticmethod
    def max_phones(app: App) -> int:
        return VoiceOptions.of(app.options).max_phones or DEFAULT_MAX_PHONES

    async def add(self, app: App, request: SipAddRequest) -> None:
        """V2: all phones of the group or none (the operator's ``phone add`` too)."""
        app_id, now = app.app_id, self.s.clock.now()
        async with self.s.db.write() as conn:
            # Serialises sipAdd per app on PostgreSQL, so two requests cannot both take a name or the last room.
            await conn.execute(sa.select(apps.c.id).where(apps.c.app_id == app_id).with_for_update())
            if await store.names_taken(conn, app_id, request.group_name, request.phone_name):
                raise voice_error(-20, "groupName or phoneName already used in this app")
            if await store.count_phones(conn, app_id) + request.quantity > self.max_phones(app):
                raise voice_error(-23, f"an app holds at most {self.max_phones(app)} phones")
            accounts: set[str] = set()
            while len(accounts) < request.quantity:
                wanted = {new_account() for _ in range(request.quantity - len(accounts))}
                accounts |= wanted - await store.accounts_taken(conn, sorted(wanted))
            rows = [
                {
                    "account": account,
                    "account_id": app.account_id,
                    "app_id": app_id,
                    "group_name": request.group_name,
                    "phone_name": request.phone_name,
                    "display_num": request.display_num,
                    "password_enc": self.s.secrets.seal(new_password()),
                    "created_at": now,
                    "password_at": now,
                }
                for account in sorted(accounts)
            ]
            await store.insert_phones(conn, rows)

    async def query(self, principal: Principal, page: PageRequest) -> dict[str, Any]:
        """V3: the app's phones with their accounts and passwords, oldest first."""
        assert principal.app is not None
        async with self.s.db.read() as conn:
            total, phones = await store.page_phones(
                conn, principal.app.app_id, offset=(page.current - 1) * page.size, limit=page.size
            )
        return {
            "total": total,
            "size": page.size,
            "current": page.current,
            "pages": math.ceil(total / page.size),
            "searchCount": True,
            "records": [
                {
                    "groupName": p.group_name,
                    "phoneName": p.phone_name,
                    "account": p.account,
                    "password": self.s.secrets.open(p.password_enc),
                    "displayNum": p.display_num or "",
                }
                for p in phones
            ],
        }

    async def reset(self, principal: Principal, account: str) -> dict[str, str]:
        """V4: a new password for a phone of the app (-24 when the app has no such phone)."""
        assert principal.app is not None
        password = new_password()
        async with self.s.db.write() as conn:
            phone = await store.get_phone(conn, account, app_id=principal.app.app_id)
            if phone is None:
                raise voice_error(-24, "no such phone in this app")
            await store.set_password(conn, phone.id, self.s.secrets.seal(password), self.s.clock.now())
            # Registrations made with the old password end now: the phone must register again.
            await store.remove_registration(conn, phone.id)
        return {"account": account, "password": password}


class PhoneAdmin:
    """The operator's view: phones with their registration state, passwords on request."""

    def __init__(self, services: Services) -> None:
        self.s = services

    async def phones(self, *, app_id: str | None = None, limit: int = 500) -> list[PhoneView]:
        async with self.s.db.read() as conn:
            phones = await store.list_phones(conn, app_id=app_id, limit=limit)
            contacts = await store.registrations(conn, [p.id for p in phones], now=self.s.clock.now())
        by_phone: dict[int, list[store.Registration]] = {}
        for c in contacts:
            by_phone.setdefault(c.phone_id, []).append(c)
        return [PhoneView(p, by_phone.get(p.id, [])) for p in phones]

    async def phone(self, account: str) -> PhoneView:
        async with self.s.db.read() as conn:
            phone = await store.get_phone(conn, account)
            if phone is None:
                raise OperatorError(f"no phone with account {account}")
            contacts = await store.registrations(conn, [phone.id], now=self.s.clock.now())
        return PhoneView(phone, contacts)

    def password(self, phone: store.Phone) -> str:
        return self.s.secrets.open(phone.password_enc)

    async def add(self, app_id: str, group: str, name: str, quantity: int, display_num: str | None) -> None:
        """``switchboard phone add``: as sipAdd, with the same checks (refusals as one-line errors)."""
        async with self.s.db.read() as conn:
            app = await tenants.get_app(conn, app_id)
        if app is None or app.product != Product.VOICE.value:
            raise OperatorError(f"no voice app {app_id}")
        params = {"groupName": group, "phoneName": name, "quantity": quantity, "displayNum": display_num}
        try:
            await PhoneService(self.s).add(app, check_sip_add(params))
        except ApiError as exc:
            raise OperatorError(exc.detail or exc.reason) from exc
