"""Receipts to SMPP binds: deliver_sm with the classic text and the receipted_message_id / message_state TLVs,
sent to a receiver of the same account, kept while none is bound (across a restart), sent once, expired."""

from __future__ import annotations

import asyncio
import re
import time

import sqlalchemy as sa

from switchboard.services.context import Services
from switchboard.smppd.server import SmppServer, SmppServerConfig
from switchboard.store import smpp
from switchboard.store.smpp_tables import smpp_receipts
from switchboard.store.tables import messages
from tests.fakes.clock import FakeClock
from tests.smppd.conftest import PASSWORD, SYSTEM_ID
from tests.smppd.esme import Esme, message_id

IN = "919876543210"
RECEIPT = re.compile(
    r"^id:(\S+) sub:001 dlvrd:(\d{3}) submit date:\d{10} done date:\d{10} stat:(\w+) err:(\d{3}) text:(.*)$"
)


async def finish(services: Services, msg_id: str, status: str) -> None:
    """What the delivery service does when the carrier's receipt arrives (the message becomes final)."""
    async with services.db.write() as conn:
        await conn.execute(
            messages.update().where(messages.c.msg_id == msg_id).values(status=status, final_at=services.clock.now())
        )


async def owed(services: Services) -> dict[str, str]:
    async with services.db.read() as conn:
        return {r.msg_id: r.status for r in await conn.execute(sa.select(smpp_receipts))}


async def submit(esme: Esme, text: bytes, registered_delivery: int = 1) -> str:
    count = len(esme.sent)
    await asyncio.to_thread(esme.submit, IN, text, registered_delivery=registered_delivery)
    await asyncio.to_thread(esme.read_until, lambda: len(esme.sent) > count)
    return message_id(esme.sent[-1])


async def test_receipt_reaches_the_transceiver_once_with_text_and_tlvs(
    smpp_server: SmppServer, services: Services
) -> None:
    esme = Esme(smpp_server.ports["tcp"], SYSTEM_ID, PASSWORD)
    try:
        await asyncio.to_thread(esme.bind)
        msg_id = await submit(esme, b"receipt please")
        await finish(services, msg_id, "delivered")
        smpp_server.wake()
        await asyncio.to_thread(esme.read_until, lambda: bool(esme.received))
        await smpp_server.settled()
        assert await smpp_server.deliver_receipts() == 0  # acknowledged: never sent again
        await asyncio.sleep(0.3)
        await asyncio.to_thread(esme.client.poll)
    finally:
        await asyncio.to_thread(esme.close)
    [receipt] = esme.received
    text = receipt.short_message.decode()
    match = RECEIPT.match(text)
    assert match is not None, text
    assert match.groups() == (msg_id, "001", "DELIVRD", "000", "receipt please")
    assert receipt.esm_class == 0x04
    assert receipt.receipted_message_id.rstrip(b"\x00").decode() == msg_id
    assert receipt.message_state == 2
    assert (await owed(services)) == {msg_id: smpp.SENT}


async def test_receipt_waits_for_a_receiver_across_a_restart(smpp_server: SmppServer, services: Services) -> None:
    sender = Esme(smpp_server.ports["tcp"], SYSTEM_ID, PASSWORD)
    try:
        await asyncio.to_thread(sender.bind, "transmitter")
        msg_id = await submit(sender, b"kept for later")
        await finish(services, msg_id, "failed")
        assert await smpp_server.deliver_receipts() == 0
    finally:
        await asyncio.to_thread(sender.close)
    await smpp_server.stop()
    assert (await owed(services)) == {msg_id: smpp.WAITING}
    async with SmppServer(services, SmppServerConfig(port=0, poll=0.1)) as restarted:
        receiver = Esme(restarted.ports["tcp"], SYSTEM_ID, PASSWORD)
        try:
            await asyncio.to_thread(receiver.bind, "receiver")
            await asyncio.to_thread(receiver.read_until, lambda: bool(receiver.received))
            await restarted.settled()
        finally:
            await asyncio.to_thread(receiver.close)
    [receipt] = receiver.received
    assert (
        f"id:{msg_id} " in receipt.short_message.decode() and "stat:UNDELIV err:001" in receipt.short_message.decode()
    )
    assert receipt.message_state == 5
    assert (await owed(services)) == {msg_id: smpp.SENT}


async def test_failure_only_receipts_skip_delivered_messages_and_no_request_owes_nothing(
    smpp_server: SmppServer, services: Services
) -> None:
    esme = Esme(smpp_server.ports["tcp"], SYSTEM_ID, PASSWORD)
    try:
        await asyncio.to_thread(esme.bind)
        failures_only = await submit(esme, b"only if it fails", registered_delivery=2)
        none = await submit(esme, b"no receipt", registered_delivery=0)
        await finish(services, failures_only, "delivered")
        await finish(services, none, "delivered")
        assert await smpp_server.deliver_receipts() == 0
    finally:
        await asyncio.to_thread(esme.close)
    assert esme.received == []
    assert (await owed(services)) == {failures_only: smpp.SKIPPED}


async def test_unclaimed_receipts_expire(smpp_server: SmppServer, services: Services, clock: FakeClock) -> None:
    esme = Esme(smpp_server.ports["tcp"], SYSTEM_ID, PASSWORD)
    try:
        await asyncio.to_thread(esme.bind, "transmitter")
        msg_id = await submit(esme, b"nobody listens")
    finally:
        await asyncio.to_thread(esme.close)
    await finish(services, msg_id, "delivered")
    clock.advance(73 * 3600)
    await smpp_server.deliver_receipts()
    assert (await owed(services)) == {msg_id: smpp.EXPIRED}


async def test_receipt_reaches_the_process_holding_the_receiver(smpp_server: SmppServer, services: Services) -> None:
    """Two server processes over one database: submitted through one, the receipt goes out from the other,
    which holds the account's receivers; both holding one, each receipt is sent once (leases)."""
    async with SmppServer(services, SmppServerConfig(port=0, poll=0.1)) as other:
        sender = Esme(smpp_server.ports["tcp"], SYSTEM_ID, PASSWORD)
        receivers = [Esme(other.ports["tcp"], SYSTEM_ID, PASSWORD), Esme(smpp_server.ports["tcp"], SYSTEM_ID, PASSWORD)]
        try:
            await asyncio.to_thread(sender.bind, "transmitter")
            await asyncio.to_thread(receivers[0].bind, "receiver")
            first = await submit(sender, b"via one, receipt from the other")
            await finish(services, first, "delivered")
            other.wake()
            await asyncio.to_thread(receivers[0].read_until, lambda: bool(receivers[0].received))
            await asyncio.to_thread(receivers[1].bind, "receiver")
            ids = [await submit(sender, f"both bound {i}".encode()) for i in range(20)]
            for msg_id in ids:
                await finish(services, msg_id, "delivered")
            other.wake()
            smpp_server.wake()

            def read_both() -> None:
                deadline = time.monotonic() + 15
                while sum(len(r.received) for r in receivers) < 21 and time.monotonic() < deadline:
                    for receiver in receivers:  # each answers the deliver_sm it has, in turn
                        receiver.client.poll()
                    time.sleep(0.02)

            await asyncio.to_thread(read_both)
            await other.settled()
            await smpp_server.settled()
        finally:
            for esme in (sender, *receivers):
                await asyncio.to_thread(esme.close)
    got = [p.receipted_message_id.rstrip(b"\x00").decode() for r in receivers for p in r.received]
    assert sorted(got) == sorted([first, *ids]), "each receipt once, across both processes"
    assert set((await owed(services)).values()) == {smpp.SENT}


async def test_an_acknowledgement_journaled_before_a_crash_is_not_sent_again(
    smpp_server: SmppServer, services: Services
) -> None:
    sender = Esme(smpp_server.ports["tcp"], SYSTEM_ID, PASSWORD)
    try:
        await asyncio.to_thread(sender.bind, "transmitter")
        acked = await submit(sender, b"acked before the kill")
        owed_still = await submit(sender, b"never acknowledged")
        await finish(services, acked, "delivered")
        await finish(services, owed_still, "delivered")
    finally:
        await asyncio.to_thread(sender.close)
    await smpp_server.stop()
    # what a process killed between the client's deliver_sm_resp and its commit leaves behind
    smpp_server.journal.path.write_text(f"{acked}\n")
    async with SmppServer(services, SmppServerConfig(port=0, poll=0.1)) as restarted:
        assert (await owed(services))[acked] == smpp.SENT  # recorded before anything is delivered
        receiver = Esme(restarted.ports["tcp"], SYSTEM_ID, PASSWORD)
        try:
            await asyncio.to_thread(receiver.bind, "receiver")
            await asyncio.to_thread(receiver.read_until, lambda: bool(receiver.received))
            await restarted.settled()
            await asyncio.sleep(0.3)
            await asyncio.to_thread(receiver.client.poll)
        finally:
            await asyncio.to_thread(receiver.close)
        assert restarted.counters["journal_replayed"] == 1
    assert [r.receipted_message_id.rstrip(b"\x00").decode() for r in receiver.received] == [owed_still]
    assert await owed(services) == {acked: smpp.SENT, owed_still: smpp.SENT}
    assert restarted.journal.read() == []  # emptied once the database holds it


async def test_each_acknowledgement_is_journaled_as_it_is_read_and_the_round_empties_the_journal(
    smpp_server: SmppServer, services: Services
) -> None:
    seen: list[list[str]] = []
    record = smpp_server.journal.record

    def spy(msg_id: str) -> None:
        record(msg_id)
        seen.append(smpp_server.journal.read())

    smpp_server.journal.record = spy  # type: ignore[method-assign]
    esme = Esme(smpp_server.ports["tcp"], SYSTEM_ID, PASSWORD)
    try:
        await asyncio.to_thread(esme.bind, "transceiver")
        msg_id = await submit(esme, b"journal me")
        await finish(services, msg_id, "delivered")
        smpp_server.wake()
        await asyncio.to_thread(esme.read_until, lambda: bool(esme.received))
        await asyncio.sleep(0.2)
        await smpp_server.settled()
    finally:
        await asyncio.to_thread(esme.close)
    assert seen == [[msg_id]]  # on disk when the response was read, before the database recorded it
    assert smpp_server.journal.read() == [] and await owed(services) == {msg_id: smpp.SENT}
