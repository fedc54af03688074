"""JSON shapes of the admin API (camelCase on the wire), and their conversions from the services' records.

Money is text with six decimals, as on the Onbuka API; times are ISO 8601 in UTC.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from switchboard.money import format_amount
from switchboard.services import carrier_secrets
from switchboard.store.carriers import Carrier
from switchboard.store.tenants import Account, ApiKey, App
from switchboard.store.users import Token, User

MIN_INT64, MAX_INT64 = -(2**63), 2**63 - 1
# An integer the database can store (ids, positions): beyond it a request is refused (422), not a 500.
Int64 = Annotated[int, Field(ge=MIN_INT64, le=MAX_INT64)]


class Model(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, validate_by_name=True, validate_by_alias=True)


class Ok(Model):
    ok: bool = True


class Problem(BaseModel):
    """A refusal: HTTP 401, 403, 404 or 429 (see admin/errors.py), the reason in ``detail``."""

    detail: str


class FieldError(BaseModel):
    """One reason a request does not validate, as FastAPI reports it: where (``loc``), why and what was sent."""

    loc: list[str | int]
    msg: str
    type: str
    input: Any = None
    ctx: dict[str, Any] | None = None


class InvalidRequest(BaseModel):
    """HTTP 422: the request does not validate (``detail`` lists the field errors) or was understood and refused
    (``detail`` is the reason, e.g. an unknown carrier type or a rate that does not parse)."""

    detail: str | list[FieldError]


class LoginIn(Model):
    email: str
    password: str


class SessionOut(Model):
    email: str
    role: str
    account_id: int | None
    csrf_token: str | None = None


class UserIn(Model):
    email: str
    password: str
    role: str = Field(description="admin | account")
    account_id: Int64 | None = None


class UserOut(Model):
    id: int
    email: str
    role: str
    account_id: int | None
    enabled: bool
    created_at: datetime


class TokenOut(Model):
    id: int
    prefix: str
    created_at: datetime


class NewTokenOut(Model):
    token: str = Field(description="Shown only now; send it as Authorization: Bearer <token>.")


class AccountIn(Model):
    name: str
    balance: str = "0"
    currency: str = "USD"
    gift: str = "0"
    credit: str = "0"
    allow_ips: list[str] = Field(default_factory=list)


class AccountOut(Model):
    account_id: int
    name: str
    currency: str
    balance: str
    gift: str
    credit: str
    locked: bool
    workspace_enabled: bool
    timezone: str
    created_at: datetime


class NewAccountOut(Model):
    account: AccountOut
    api_key: str
    api_secret: str = Field(description="Shown only now.")
    apps: dict[str, str]


class TopUpIn(Model):
    amount: str
    gift: bool = False
    reference: str = ""


class CreditIn(Model):
    amount: str


class LedgerOut(Model):
    id: int
    kind: str
    balance_delta: str
    gift_delta: str
    reference: str | None
    created_at: datetime


class KeyIn(Model):
    allow_ips: list[str] = Field(default_factory=list)
    apps: list[str] = Field(default_factory=list)


class KeyOut(Model):
    api_key: str
    account_id: int
    enabled: bool
    allowed_ips: list[str]
    allowed_apps: list[str] | None
    created_at: datetime


class NewKeyOut(Model):
    api_key: str
    api_secret: str = Field(description="Shown only now.")


class AllowedIpsIn(Model):
    allow_ips: list[str]


class AppIn(Model):
    product: str
    name: str | None = None


class AppPatch(Model):
    report_url: str | None = Field(default=None, description="Empty text clears it; absent leaves it.")
    inbound_url: str | None = None
    call_url: str | None = None
    options: dict[str, Any] | None = None


class AppOut(Model):
    app_id: str
    account_id: int
    product: str
    name: str
    report_url: str | None
    inbound_url: str | None
    call_url: str | None
    options: dict[str, Any]


def user_out(user: User) -> UserOut:
    return UserOut(
        id=user.id,
        email=user.email,
        role=user.role,
        account_id=user.account_id,
        enabled=user.enabled,
        created_at=user.created_at,
    )


def token_out(token: Token) -> TokenOut:
    return TokenOut(id=token.id, prefix=token.prefix, created_at=token.created_at)


def account_out(a: Account) -> AccountOut:
    return AccountOut(
        account_id=a.id,
        name=a.name,
        currency=a.currency,
        balance=format_amount(a.balance),
        gift=format_amount(a.gift),
        credit=format_amount(a.credit),
        locked=a.locked,
        workspace_enabled=a.workspace_enabled,
        timezone=a.timezone,
        created_at=a.created_at,
    )


def ledger_out(row: dict[str, Any]) -> LedgerOut:
    return LedgerOut(
        id=row["id"],
        kind=row["kind"],
        balance_delta=format_amount(row["balance_delta"]),
        gift_delta=format_amount(row["gift_delta"]),
        reference=row["reference"],
        created_at=row["created_at"],
    )


def key_out(k: ApiKey) -> KeyOut:
    return KeyOut(
        api_key=k.api_key,
        account_id=k.account_id,
        enabled=k.enabled,
        allowed_ips=k.allowed_ips,
        allowed_apps=k.allowed_apps,
        created_at=k.created_at,
    )


def app_out(a: App) -> AppOut:
    return AppOut(
        app_id=a.app_id,
        account_id=a.account_id,
        product=a.product,
        name=a.name,
        report_url=a.report_url,
        inbound_url=a.inbound_url,
        call_url=a.call_url,
        options=a.options,
    )


def redacted(config: dict[str, Any]) -> dict[str, Any]:
    """A carrier's configuration with its secrets hidden."""
    return carrier_secrets.redacted(config)


class CarrierIn(Model):
    name: str
    type: str = Field(description="simulator | smpp | http")
    config: dict[str, Any] = Field(default_factory=dict)


class CallbackIn(Model):
    mode: str = Field(default="token", description="token (secret in the path or X-Carrier-Token) | hmac")
    header: str | None = Field(default=None, max_length=64, description="hmac mode: the signature header")
    allow_ips: list[str] = Field(default_factory=list, description="Addresses or CIDRs callbacks must come from")


class CallbackOut(Model):
    secret: str = Field(description="Shown once; stored sealed")
    receipt_path: str
    inbound_path: str


class CarrierOut(Model):
    name: str
    type: str
    enabled: bool
    config: dict[str, Any]
    live: dict[str, Any] | None = Field(default=None, description="Connector state, where this process dispatches.")


def carrier_out(c: Carrier, live: dict[str, Any] | None) -> CarrierOut:
    return CarrierOut(name=c.name, type=c.type, enabled=c.enabled, config=redacted(c.config), live=live)
