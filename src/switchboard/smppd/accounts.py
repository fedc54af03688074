"""SMPP accounts: credentials (system_id + argon2id password hash) bound to an SMS app, with an IP allow-list,
a maximum number of simultaneous binds and a throughput limit (submits per second)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher

from switchboard.auth.ip import normalise_networks
from switchboard.errors import OperatorError
from switchboard.services.context import Services
from switchboard.services.users import verify_password
from switchboard.store import smpp, tenants
from switchboard.store.smpp import SmppAccount

MAX_SYSTEM_ID = 15  # SMPP 3.4: system_id is a C-Octet String of at most 16 octets
MAX_PASSWORD = 8  # SMPP 3.4: password is at most 9 octets with its terminating NUL
DEFAULT_MAX_BINDS = 4
DEFAULT_THROUGHPUT = 100

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


@dataclass(frozen=True)
class NewSmppAccount:
    account: SmppAccount
    password: str


def account_json(a: SmppAccount) -> dict[str, Any]:
    return {
        "systemId": a.system_id,
        "appId": a.app_id,
        "allowedIps": a.allowed_ips,
        "maxBinds": a.max_binds,
        "throughput": a.throughput,
        "enabled": a.enabled,
        "createdAt": a.created_at.isoformat(),
    }


def _check(system_id: str | None, password: str | None, max_binds: int | None, throughput: int | None) -> None:
    if system_id is not None and not (0 < len(system_id) <= MAX_SYSTEM_ID and system_id.isascii()):
        raise OperatorError(f"a system_id is 1 to {MAX_SYSTEM_ID} ASCII characters")
    if password is not None and not (0 < len(password) <= MAX_PASSWORD and password.isascii()):
        raise OperatorError(f"an SMPP password is 1 to {MAX_PASSWORD} ASCII characters")
    if max_binds is not None and max_binds < 1:
        raise OperatorError("max binds is at least 1")
    if throughput is not None and throughput < 0:
        raise OperatorError("throughput is 0 (unlimited) or more submits per second")


class SmppAccounts:
    def __init__(self, services: Services) -> None:
        self.s = services

    async def create(
        self,
        system_id: str,
        app_id: str,
        *,
        password: str | None = None,
        allow_ips: list[str] | None = None,
        max_binds: int = DEFAULT_MAX_BINDS,
        throughput: int = DEFAULT_THROUGHPUT,
    ) -> NewSmppAccount:
        """Create an account; without ``password`` one is generated. The password is returned only here."""
        password = password or secrets.token_urlsafe(6)[:MAX_PASSWORD]
        _check(system_id, password, max_binds, throughput)
        ips = self._ips(allow_ips)
        async with self.s.db.write() as conn:
            app = await tenants.get_app(conn, app_id)
            if app is None or app.product != "sms":
                raise OperatorError(f"no SMS app {app_id}")
            if await smpp.get_account(conn, system_id) is not None:
                raise OperatorError(f"system_id {system_id} is taken")
            await smpp.insert_account(
                conn,
                system_id=system_id,
                password_hash=hash_password(password),
                app_id=app_id,
                allowed_ips=ips,
                max_binds=max_binds,
                throughput=throughput,
                enabled=True,
                created_at=self.s.clock.now(),
            )
            created = await smpp.get_account(conn, system_id)
        assert created is not None
        return NewSmppAccount(created, password)

    async def update(
        self,
        system_id: str,
        *,
        password: str | None = None,
        allow_ips: list[str] | None = None,
        max_binds: int | None = None,
        throughput: int | None = None,
        enabled: bool | None = None,
    ) -> SmppAccount:
        _check(None, password, max_binds, throughput)
        values: dict[str, Any] = {
            k: v for k, v in {"max_binds": max_binds, "throughput": throughput, "enabled": enabled}.items()
            if v is not None
        }  # fmt: skip
        if password is not None:
            values["password_hash"] = hash_password(password)
        if allow_ips is not None:
            values["allowed_ips"] = self._ips(allow_ips)
        async with self.s.db.write() as conn:
            if values and not await smpp.update_account(conn, system_id, **values):
                raise OperatorError(f"no SMPP account {system_id}")
            found = await smpp.get_account(conn, system_id)
        if found is None:
            raise OperatorError(f"no SMPP account {system_id}")
        return found

    async def remove(self, system_id: str) -> None:
        async with self.s.db.write() as conn:
            if not await smpp.delete_account(conn, system_id):
                raise OperatorError(f"no SMPP account {system_id}")

    async def all(self) -> list[SmppAccount]:
        async with self.s.db.read() as conn:
            return await smpp.list_accounts(conn)

    async def get(self, system_id: str) -> SmppAccount | None:
        async with self.s.db.read() as conn:
            return await smpp.get_account(conn, system_id)

    @staticmethod
    def password_matches(account: SmppAccount, password: str) -> bool:
        return verify_password(account.password_hash, password)

    @staticmethod
    def _ips(allow_ips: list[str] | None) -> list[str]:
        try:
            return normalise_networks(allow_ips or [])
        except ValueError as exc:
            raise OperatorError(str(exc)) from exc
