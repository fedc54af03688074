"""Checking SIP-trunk requests (C18 add, C20 update) into a trunk, with the Call Center codes -44..-61.

| problem | code |
|---|---|
| type not 1 (outbound) or 2 (inbound) | -44 |
| sipTrunkName missing or over 32 characters | -45 |
| groupList empty | -48 |
| the same group twice in groupList | -51 |
| outbound: sipGatewayIp empty / over 50 characters or not host[:port] list | -49 / -50 |
| inbound: sipWhiteIp empty / over 50 characters or not IP list | -54 / -55 |
| inbound: a group without its number / a number over 50 characters | -57 / -58 |
| inbound: a number whose country is unknown | -61 |
| C20 without keyId | -56 |
| sipTrunkState not a boolean; registration on without sipAccount/sipPassword | -22 |
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from switchboard.domain.callcenter.rules import cc_error, maybe_text, whole

OUTBOUND, INBOUND = 1, 2
MAX_IP = 50
HOST = re.compile(r"^[A-Za-z0-9.-]{1,253}(:\d{1,5})?$", re.ASCII)


@dataclass(frozen=True)
class Binding:
    group_id: int
    number: str | None


@dataclass(frozen=True)
class Trunk:
    kind: int
    name: str
    prefix: str | None
    bindings: list[Binding]
    gateway_ip: str | None
    white_ip: str | None
    register: bool
    sip_account: str | None
    sip_password: str | None


def _kind(params: Mapping[str, Any]) -> int:
    return whole(params, "type", OUTBOUND, INBOUND, code=-44)


def _name(params: Mapping[str, Any]) -> str:
    name = params.get("sipTrunkName")
    if not isinstance(name, str) or not 1 <= len(name.strip()) <= 32:
        raise cc_error(-45, "sipTrunkName: 1-32 characters")
    return name.strip()


def _ips(params: Mapping[str, Any], key: str, empty: int, bad: int, *, hosts: bool) -> str:
    value = params.get(key)
    if value in (None, "") or (isinstance(value, str) and not value.strip()):
        raise cc_error(empty, f"{key} is required for this trunk type")
    if not isinstance(value, str) or len(value) > MAX_IP:
        raise cc_error(bad, f"{key}: at most {MAX_IP} characters")
    for part in value.split(","):
        if not _address_ok(part.strip(), hosts=hosts):
            raise cc_error(bad, f"{key}: {part.strip()!r} is not an address")
    return ",".join(p.strip() for p in value.split(","))


def _address_ok(part: str, *, hosts: bool) -> bool:
    if hosts:
        return bool(HOST.match(part))
    try:
        ipaddress.ip_network(part, strict=False)
    except ValueError:
        return False
    return True


def _bindings(params: Mapping[str, Any], kind: int) -> list[Binding]:
    raw = params.get("groupList")
    if raw in (None, "") or raw == []:
        raise cc_error(-48)
    if not isinstance(raw, list) or not all(isinstance(item, Mapping) for item in raw):
        raise cc_error(-22, "groupList must be a list of {voiceGroupId, number}")
    found: list[Binding] = []
    for item in raw:
        group_id = whole(item, "voiceGroupId")
        if any(b.group_id == group_id for b in found):
            raise cc_error(-51, f"group {group_id} bound twice")
        found.append(Binding(group_id, _number(item) if kind == INBOUND else None))
    return found


def _number(item: Mapping[str, Any]) -> str:
    import phonenumbers

    number = item.get("number")
    number = str(number) if isinstance(number, int) and not isinstance(number, bool) else number
    if not isinstance(number, str) or not number.strip():
        raise cc_error(-57)
    if len(number.strip()) > 50:
        raise cc_error(-58)
    digits = number.strip().lstrip("+")
    if not digits.isdigit() or not digits.isascii():
        raise cc_error(-61, f"{number!r} is not a number")
    try:
        parsed = phonenumbers.parse("+" + digits)
    except phonenumbers.NumberParseException as exc:
        raise cc_error(-61, f"no country for {digits}") from exc
    if phonenumbers.region_code_for_number(parsed) in (None, "ZZ"):
        raise cc_error(-61, f"no country for {digits}")
    return digits


def _register(params: Mapping[str, Any]) -> bool:
    state = params.get("sipTrunkState")
    if isinstance(state, str) and state.lower() in ("true", "false"):
        state = state.lower() == "true"
    if not isinstance(state, bool):
        raise cc_error(-22, "sipTrunkState must be true or false")
    return state


def parse_trunk(params: Mapping[str, Any], *, kind: int | None = None) -> Trunk:
    """The trunk a request describes (``kind`` given on update: the stored trunk's type)."""
    kind = kind if kind is not None else _kind(params)
    name = _name(params)
    bindings = _bindings(params, kind)
    register = _register(params)
    gateway = _ips(params, "sipGatewayIp", -49, -50, hosts=True) if kind == OUTBOUND else None
    white = _ips(params, "sipWhiteIp", -54, -55, hosts=False) if kind == INBOUND else None
    account = maybe_text(params, "sipAccount", 64)
    secret = maybe_text(params, "sipPassword", 64)
    if kind == OUTBOUND and register and (account is None or secret is None):
        raise cc_error(-22, "registration needs sipAccount and sipPassword")
    prefix = maybe_text(params, "sipPrefix", 16)
    if prefix is not None and not prefix.isdigit():
        raise cc_error(-22, "sipPrefix must be digits")
    return Trunk(kind, name, prefix, bindings, gateway, white, register, account, secret)
