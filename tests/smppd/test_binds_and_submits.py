"""The SMPP server seen from smpplib: binds (refused for a wrong password or IP), submits of GSM, Latin-1, UCS-2
and long messages into the send pipeline (charged like HTTP sends, msgId answered), refusals mapped to
command_status, throttling, and generic_nack for malformed or unknown PDUs without dropping other binds."""

from __future__ import annotations

import asyncio
import socket
import struct

import pytest
import smpplib.exceptions
import sqlalchemy as sa

from switchboard.services.context import Services
from switchboard.smppd import pdu
from switchboard.smppd.accounts import SmppAccounts
from switchboard.smppd.server import SmppServer
from switchboard.smppd.statuses import ESME_RINSUFFUNDS, ESME_RLOCKED
from switchboard.store import tenants
from switchboard.store.tables import messages
from tests.conftest import Caller
from tests.smppd.conftest import PASSWORD, SYSTEM_ID
from tests.smppd.esme import Esme, message_id

IN = "919876543210"


async def rows(services: Services) -> list[dict[str, object]]:
    async with services.db.read() as conn:
        result = await conn.execute(sa.select(messages).order_by(messages.c.created_at, messages.c.msg_id))
        return [dict(r._mapping) for r in result]


async def balance(services: Services, account_id: int) -> int:
    async with services.db.read() as conn:
        account = await tenants.get_account(conn, account_id)
    assert account is not None
    return account.balance


async def test_gsm_submit_is_sent_through_the_pipeline_and_answered_with_the_msgid(
    smpp_server: SmppServer, services: Services, caller: Caller
) -> None:
    esme = Esme(smpp_server.ports["tcp"], SYSTEM_ID, PASSWORD)
    before = await balance(services, caller.new.account.id)
    try:
        await asyncio.to_thread(esme.bind)
        await asyncio.to_thread(esme.submit, IN, b"Hello over SMPP")
        await asyncio.to_thread(esme.read_until, lambda: bool(esme.sent))
    finally:
        await asyncio.to_thread(esme.close)
    [row] = await rows(services)
    assert message_id(esme.sent[0]) == row["msg_id"]
    assert row["content"] == "Hello over SMPP" and row["number"] == IN and row["sender_id"] == "Switchbrd"
    assert row["app_id"] == caller.apps["sms"] and row["segments"] == 1
    assert await balance(services, caller.new.account.id) == before - 20_000


@pytest.mark.parametrize(
    ("data_coding", "payload", "text"),
    [(3, "Grüße".encode("latin-1"), "Grüße"), (8, "Привет 你好".encode("utf-16-be"), "Привет 你好")],
)
async def test_latin1_and_ucs2_are_decoded(
    smpp_server: SmppServer, services: Services, data_coding: int, payload: bytes, text: str
) -> None:
    esme = Esme(smpp_server.ports["tcp"], SYSTEM_ID, PASSWORD)
    try:
        await asyncio.to_thread(esme.bind, "transmitter")
        await asyncio.to_thread(esme.submit, IN, payload, data_coding=data_coding)
        await asyncio.to_thread(esme.read_until, lambda: bool(esme.sent))
    finally:
        await asyncio.to_thread(esme.close)
    [row] = await rows(services)
    assert row["content"] == text


async def test_long_message_parts_are_reassembled_and_billed_by_segment(
    smpp_server: SmppServer, services: Services, caller: Caller
) -> None:
    text = "Long message over SMPP, split by the client with a UDH. " * 4  # 224 GSM characters: 2 segments
    esme = Esme(smpp_server.ports["tcp"], SYSTEM_ID, PASSWORD)
    before = await balance(services, caller.new.account.id)
    try:
        await asyncio.to_thread(esme.bind)
        parts = await asyncio.to_thread(esme.submit_text, IN, text)
        await asyncio.to_thread(esme.read_until, lambda: len(esme.sent) == len(parts))
    finally:
        await asyncio.to_thread(esme.close)
    assert len(parts) == 2
    [row] = await rows(services)
    assert row["content"] == text and row["segments"] == 2
    assert {message_id(p) for p in esme.sent} == {row["msg_id"]}
    assert await balance(services, caller.new.account.id) == before - 2 * 20_000


async def test_sar_parts_are_reassembled(smpp_server: SmppServer, services: Services) -> None:
    esme = Esme(smpp_server.ports["tcp"], SYSTEM_ID, PASSWORD)
    halves = [b"A" * 153, b"B" * 10]
    try:
        await asyncio.to_thread(esme.bind)
        for seq, half in enumerate(halves, start=1):
            await asyncio.to_thread(
                esme.submit, IN, half, sar_msg_ref_num=7, sar_total_segments=2, sar_segment_seqnum=seq
            )
        await asyncio.to_thread(esme.read_until, lambda: len(esme.sent) == 2)
    finally:
        await asyncio.to_thread(esme.close)
    [row] = await rows(services)
    assert row["content"] == "A" * 153 + "B" * 10


async def test_refusals_map_to_command_status_and_change_nothing(
    smpp_server: SmppServer, services: Services, caller: Caller
) -> None:
    async with services.db.write() as conn:
        await conn.execute(sa.text("UPDATE accounts SET balance = 1000 WHERE id = :id"), {"id": caller.new.account.id})
    esme = Esme(smpp_server.ports["tcp"], SYSTEM_ID, PASSWORD)
    try:
        await asyncio.to_thread(esme.bind)
        await asyncio.to_thread(esme.submit, IN, b"too expensive")
        await asyncio.to_thread(esme.submit, "12", b"bad number")
        await asyncio.to_thread(esme.read_until, lambda: len(esme.errors) == 2)
    finally:
        await asyncio.to_thread(esme.close)
    statuses = sorted(p.status for p in esme.errors)
    assert statuses == sorted([ESME_RINSUFFUNDS, pdu.ESME_RINVDSTADR])
    assert await rows(services) == []


@pytest.mark.parametrize(("password", "allow_ip"), [("wrong", None), (PASSWORD, "10.1.0.0/16")])
async def test_wrong_password_or_ip_is_refused(
    smpp_server: SmppServer, services: Services, password: str, allow_ip: str | None
) -> None:
    if allow_ip is not None:
        await SmppAccounts(services).update(SYSTEM_ID, allow_ips=[allow_ip])
    esme = Esme(smpp_server.ports["tcp"], SYSTEM_ID, password)
    with pytest.raises(smpplib.exceptions.PDUError) as refused:
        await asyncio.to_thread(esme.bind)
    await asyncio.to_thread(esme.close)
    expected = pdu.ESME_RINVPASWD if allow_ip is None else pdu.ESME_RBINDFAIL
    assert refused.value.args[1] == expected
    assert smpp_server.counters["binds_refused"] == 1 and not smpp_server.sessions[SYSTEM_ID]


async def test_max_binds(smpp_server: SmppServer, services: Services) -> None:
    await SmppAccounts(services).update(SYSTEM_ID, max_binds=1)
    first, second = (Esme(smpp_server.ports["tcp"], SYSTEM_ID, PASSWORD) for _ in range(2))
    try:
        await asyncio.to_thread(first.bind)
        with pytest.raises(smpplib.exceptions.PDUError):
            await asyncio.to_thread(second.bind)
    finally:
        await asyncio.to_thread(second.close)
        await asyncio.to_thread(first.close)


async def test_throughput_above_the_limit_is_throttled(smpp_server: SmppServer, services: Services) -> None:
    await SmppAccounts(services).update(SYSTEM_ID, throughput=3)
    esme = Esme(smpp_server.ports["tcp"], SYSTEM_ID, PASSWORD)
    try:
        await asyncio.to_thread(esme.bind)
        for _ in range(8):
            await asyncio.to_thread(esme.submit, IN, b"burst")
        await asyncio.to_thread(esme.read_until, lambda: len(esme.sent) + len(esme.errors) == 8)
    finally:
        await asyncio.to_thread(esme.close)
    throttled = [p for p in esme.errors if p.status == pdu.ESME_RTHROTTLED]
    # a burst of one second's worth (3), then 3 per second: the 8 submits go out in well under a second
    assert 3 <= len(esme.sent) <= 4 and len(throttled) == 8 - len(esme.sent)
    assert len(await rows(services)) == len(esme.sent)


def _raw_bind(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    body = pdu.cstr(SYSTEM_ID) + pdu.cstr(PASSWORD) + pdu.cstr("") + bytes((0x34, 0, 0)) + pdu.cstr("")
    sock.sendall(pdu.encode(pdu.BIND_TRANSCEIVER, 0, 1, body))
    assert _read(sock)[:2] == (pdu.BIND_TRANSCEIVER | pdu.RESP, 0)
    return sock


def _read(sock: socket.socket) -> tuple[int, int, int, bytes]:
    header = b""
    while len(header) < 16:
        header += sock.recv(16 - len(header))
    length, command_id, status, sequence = struct.unpack(">IIII", header)
    body = b""
    while len(body) < length - 16:
        body += sock.recv(length - 16 - len(body))
    return command_id, status, sequence, body


def _malformed_session(port: int) -> list[tuple[int, int, int]]:
    sock = _raw_bind(port)
    answers = []
    try:
        sock.sendall(pdu.encode(0x00000077, 0, 2))  # unknown command
        answers.append(_read(sock)[:3])
        sock.sendall(pdu.encode(pdu.SUBMIT_SM, 0, 3, b"\x00\x01"))  # body cut short
        answers.append(_read(sock)[:3])
        sock.sendall(pdu.encode(pdu.ENQUIRE_LINK, 0, 4))  # the bind is still up
        answers.append(_read(sock)[:3])
    finally:
        sock.close()
    return answers


async def test_malformed_and_unknown_pdus_get_generic_nack_and_other_binds_stay(
    smpp_server: SmppServer, services: Services
) -> None:
    other = Esme(smpp_server.ports["tcp"], SYSTEM_ID, PASSWORD)
    try:
        await asyncio.to_thread(other.bind)
        answers = await asyncio.to_thread(_malformed_session, smpp_server.ports["tcp"])
        await asyncio.to_thread(other.submit, IN, b"still bound")
        await asyncio.to_thread(other.read_until, lambda: bool(other.sent))
    finally:
        await asyncio.to_thread(other.close)
    assert answers == [
        (pdu.GENERIC_NACK, pdu.ESME_RINVCMDID, 2),
        (pdu.GENERIC_NACK, pdu.ESME_RINVCMDLEN, 3),
        (pdu.ENQUIRE_LINK | pdu.RESP, 0, 4),
    ]
    assert len(await rows(services)) == 1


async def test_an_account_locked_after_the_bind_is_refused(
    smpp_server: SmppServer, services: Services, caller: Caller
) -> None:
    esme = Esme(smpp_server.ports["tcp"], SYSTEM_ID, PASSWORD)
    try:
        await asyncio.to_thread(esme.bind)
        async with services.db.write() as conn:
            await tenants.set_account_flags(conn, caller.new.account.id, locked=True)
        services.forget("smpp_principal")  # what the 2-second cache would do by itself
        await asyncio.to_thread(esme.submit, IN, b"locked")
        await asyncio.to_thread(esme.read_until, lambda: bool(esme.errors))
    finally:
        await asyncio.to_thread(esme.close)
    assert [p.status for p in esme.errors] == [ESME_RLOCKED]
    assert await rows(services) == []
