"""Inbound SMS (MO) to an SMPP account's app reach its receiver as deliver_sm, long ones concatenated, once,
including those that arrived while no receiver was bound."""

from __future__ import annotations

import asyncio

from switchboard.connectors.sms.base import InboundSms
from switchboard.domain.sms.encoding import decode_payload
from switchboard.services.context import Services
from switchboard.services.delivery import DeliveryEvents
from switchboard.smppd.server import SmppServer
from switchboard.store import inbound as inbound_store
from switchboard.store import smpp
from tests.conftest import Caller
from tests.smppd.conftest import PASSWORD, SYSTEM_ID
from tests.smppd.esme import Esme
from tests.smppd.test_receipts import owed

OUR_NUMBER = "4915100000001"


async def test_inbound_sms_reach_the_receiver_once(smpp_server: SmppServer, services: Services, caller: Caller) -> None:
    async with services.db.write() as conn:
        await inbound_store.assign_number(conn, OUR_NUMBER, caller.apps["sms"], services.clock.now())
    events = DeliveryEvents(services)
    long_text = "Reply from a handset, long enough to need two parts once it is split for SMPP. " * 3
    await events.inbound(InboundSms("sim", "919876543210", OUR_NUMBER, "STOP", services.clock.now()))
    await events.inbound(InboundSms("sim", "919876543211", OUR_NUMBER, long_text, services.clock.now()))
    esme = Esme(smpp_server.ports["tcp"], SYSTEM_ID, PASSWORD)
    try:
        await asyncio.to_thread(esme.bind, "receiver")
        await asyncio.to_thread(esme.read_until, lambda: len(esme.received) == 3)
        await smpp_server.settled()
        assert await smpp_server.deliver_receipts() == 0
    finally:
        await asyncio.to_thread(esme.close)
    short = [p for p in esme.received if p.source_addr == b"919876543210"]
    parts = [p for p in esme.received if p.source_addr == b"919876543211"]
    assert [p.short_message for p in short] == [b"STOP"] and short[0].destination_addr.decode() == OUR_NUMBER
    assert len(parts) == 2 and all(p.esm_class & 0x40 for p in parts)
    joined = b"".join(p.short_message[6:] for p in parts)
    assert decode_payload(parts[0].data_coding, joined) == long_text
    assert sorted((await owed(services)).values()) == [smpp.SENT, smpp.SENT]
