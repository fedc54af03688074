"""The test SMSC, driven by clients we did not write: smpplib (sync, in a thread) and smpp34's own client."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import smpp34
import smpplib.client
import smpplib.exceptions

from switchboard.smsc import SmscScenario, SmscServer, format_message_id, run_smsc
from switchboard.smsc.server import ReceivedSubmit

ROOT = Path(__file__).resolve().parents[2]
RX, TX, TRX = "RX", "TX", "TRX"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def listening(port: int) -> bool:
    """Whether a socket listens on ``port`` (read from /proc, without connecting to it)."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError), open(table) as lines:
            for line in list(lines)[1:]:
                fields = line.split()
                if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                    return True
    return False


@pytest.fixture
def port() -> int:
    return free_port()


def smpplib_round_trip(port: int, text: bytes = b"hello", registered_delivery: int = 1) -> tuple[Any, list[Any]]:
    """Bind as transceiver, submit one message, read its submit_sm_resp and receipt deliver_sm, unbind."""
    client = smpplib.client.Client("127.0.0.1", port, timeout=5, allow_unknown_opt_params=True)
    sent: list[Any] = []
    received: list[Any] = []
    client.set_message_sent_handler(lambda pdu: sent.append(pdu))
    client.set_message_received_handler(lambda pdu: received.append(pdu))
    client.connect()
    try:
        client.bind_transceiver(system_id="esme", password="secret")
        client.send_message(
            source_addr_ton=5,
            source_addr="Switchbrd",
            dest_addr_ton=1,
            dest_addr_npi=1,
            destination_addr="4915112345678",
            short_message=text,
            data_coding=0,
            registered_delivery=registered_delivery,
        )
        deadline = time.monotonic() + 5.0
        while (not sent or (registered_delivery and not received)) and time.monotonic() < deadline:
            client.read_once()
        with contextlib.suppress(smpplib.exceptions.ConnectionError):
            client.unbind()  # smpp34's server often closes on unbind without sending the unbind_resp
    finally:
        client.disconnect()
    return sent[0], received


@contextlib.asynccontextmanager
async def bound(port: int, bind_type: str = TRX, system_id: str = "esme") -> AsyncIterator[smpp34.Smsc]:
    client = smpp34.Client("127.0.0.1", port, system_id, "secret", bind_type=bind_type, connect_timeout_ms=2000)
    smsc = await asyncio.wait_for(client.connect(), 5.0)
    try:
        yield smsc
    finally:
        with contextlib.suppress(smpp34.SmppError):
            await asyncio.wait_for(smsc.unbind(), 5.0)
        await client.stop()
        await asyncio.sleep(0.05)  # let smpp34 finish tearing the session down


async def next_deliver(smsc: smpp34.Smsc, timeout: float = 5.0) -> smpp34.DeliverSmEvent:
    event = await asyncio.wait_for(smsc.next(), timeout)
    assert isinstance(event, smpp34.DeliverSmEvent), event
    return event


async def test_smpplib_submits_and_receives_its_receipt(port: int) -> None:
    async with SmscServer("127.0.0.1", port, id_style="hex") as smsc:
        response, receipts = await asyncio.to_thread(smpplib_round_trip, port, b"hello smpplib")
        await smsc.wait_until(lambda: smsc.counters["unbinds"] == 1, 5.0)
    assert (response.status, response.message_id) == (0, b"00000001")
    [receipt] = receipts
    assert (receipt.esm_class, receipt.source_addr, receipt.destination_addr) == (4, b"4915112345678", b"Switchbrd")
    assert (receipt.receipted_message_id, receipt.message_state) == (b"00000001", 2)
    text = receipt.short_message.decode()
    assert text.startswith("id:00000001 sub:001 dlvrd:001 submit date:")
    assert text.endswith("stat:DELIVRD err:000 text:hello smpplib")
    [submit] = smsc.received
    assert (submit.system_id, submit.destination, submit.text, submit.source_ton) == (
        "esme",
        "4915112345678",
        "hello smpplib",
        5,
    )
    assert smsc.stats() | {"listening": ""} == {
        "listening": "", "sessions": 0, "binds": 1, "binds_refused": 0, "unbinds": 1, "submits": 1, "accepted": 1,
        "rejected": 0, "throttled": 0, "messages": 1, "receipts": 1, "receipts_dropped": 0,
        "deliveries_unconfirmed": 0, "mo": 0, "outstanding_peak": 1,
    }  # fmt: skip


SMSC_PROCESS = """
import asyncio, logging, sys
from switchboard.smsc import SmscScenario, run_smsc
logging.basicConfig(level=logging.INFO)
scenario = SmscScenario(delivered=0.0, undelivered=1.0)
asyncio.run(run_smsc("127.0.0.1", int(sys.argv[1]), scenario, id_style="decimal", report_every=0))
"""


@pytest.mark.integration
async def test_smsc_process_with_smpplib(port: int, tmp_path: Path) -> None:
    """What ``switchboard smsc`` runs, run_smsc in a process of its own, seen from smpplib; SIGTERM ends it."""
    log = tmp_path / "smsc.log"
    with log.open("wb") as output:
        process = subprocess.Popen(  # noqa: ASYNC220
            [sys.executable, "-c", SMSC_PROCESS, str(port)], cwd=ROOT, stdout=output, stderr=subprocess.STDOUT
        )
    try:
        async with asyncio.timeout(10.0):
            while not listening(port):
                assert process.poll() is None, log.read_text()
                await asyncio.sleep(0.02)
        response, receipts = await asyncio.to_thread(smpplib_round_trip, port)
    finally:
        process.terminate()
        try:
            code = await asyncio.to_thread(process.wait, 10.0)
        except subprocess.TimeoutExpired:
            process.kill()
            await asyncio.to_thread(process.wait)
            raise
    output_text = log.read_text()
    assert code == 0, output_text
    assert (response.status, response.message_id) == (0, b"1")
    [receipt] = receipts
    assert (receipt.receipted_message_id, receipt.message_state) == (b"1", 5)
    assert b"stat:UNDELIV" in receipt.short_message
    assert "test SMSC listening on 127.0.0.1" in output_text


async def test_throttling_and_rejection_follow_the_scenario(port: int) -> None:
    async with SmscServer("127.0.0.1", port, SmscScenario(throttle_every=3, no_receipts=True)) as smsc:
        async with bound(port) as session:
            statuses = [(await session.submit_sm("4915112345678", b"x")).command_status for _ in range(6)]
        assert statuses == [0, 0, 0x58, 0, 0, 0x58]
        assert (smsc.counters["throttled"], smsc.counters["accepted"]) == (2, 4)
    async with SmscServer("127.0.0.1", port, SmscScenario(rejected=1.0)) as smsc, bound(port) as session:
        response = await session.submit_sm("4915112345678", b"x", registered_delivery=1)
        assert (response.command_status, response.message_id) == (0x0B, None)
        assert (smsc.counters["rejected"], smsc.counters["receipts"]) == (1, 0)
        assert smsc.received[0].command_status == 0x0B


@pytest.mark.parametrize(("style", "receipt_style"), [("decimal", None), ("hex", None), ("hex", "decimal")])
async def test_message_id_styles(port: int, style: str, receipt_style: str | None) -> None:
    async with (
        SmscServer("127.0.0.1", port, id_style=style, receipt_id_style=receipt_style),
        bound(port) as session,
    ):
        ids = [(await session.submit_sm("49151", b"x", registered_delivery=1)).message_id for _ in range(11)]
        receipts = [await next_deliver(session) for _ in range(11)]
    assert ids == [format_message_id(n, style) for n in range(1, 12)]
    assert ids[10] == ("11" if style == "decimal" else "0000000B")
    reported = {tlv.value.rstrip(b"\x00").decode() for event in receipts for tlv in event.tlvs if tlv.tag == 0x001E}
    assert reported == {format_message_id(n, receipt_style or style) for n in range(1, 12)}


async def test_outcomes_are_drawn_repeatably_with_a_seed(port: int) -> None:
    outcomes = []
    for _ in range(2):
        scenario = SmscScenario(delivered=0.4, undelivered=0.3, seed=7)
        async with SmscServer("127.0.0.1", port, scenario), bound(port) as session:
            for _ in range(20):
                await session.submit_sm("49151", b"x", registered_delivery=1)
            events = [await next_deliver(session) for _ in range(20)]
            outcomes.append(sorted(e.short_message.split(b"stat:")[1][:7] + e.short_message[:6] for e in events))
    assert outcomes[0] == outcomes[1]
    assert {o[:7] for o in outcomes[0]} == {b"DELIVRD", b"UNDELIV", b"EXPIRED"}


async def test_registered_delivery_decides_receipts(port: int) -> None:
    scenario = SmscScenario(delivered=0.0, undelivered=1.0)
    async with SmscServer("127.0.0.1", port, scenario) as smsc, bound(port) as session:
        await session.submit_sm("49151", b"none", registered_delivery=0)
        await session.submit_sm("49151", b"failures", registered_delivery=2)
        event = await next_deliver(session)
        assert event.esm_class == 0x04 and b"text:failures" in event.short_message
        assert {tlv.tag: tlv.value for tlv in event.tlvs}[0x0427] == b"\x05"
        await smsc.wait_until(lambda: smsc.counters["receipts"] == 1, 5.0)
    async with SmscServer("127.0.0.1", port, SmscScenario()) as smsc, bound(port) as session:
        await session.submit_sm("49151", b"delivered", registered_delivery=2)
        await session.submit_sm("49151", b"marker", registered_delivery=1)
        event = await next_deliver(session)
        assert b"text:marker" in event.short_message
        await smsc.wait_until(lambda: smsc.counters["receipts"] == 1, 5.0)


async def test_receipt_delay(port: int) -> None:
    async with SmscServer("127.0.0.1", port, SmscScenario(receipt_delay=0.1)), bound(port) as session:
        started = time.monotonic()
        await session.submit_sm("49151", b"x", registered_delivery=1)
        await next_deliver(session)
    assert time.monotonic() - started >= 0.09


async def test_receipts_go_to_the_receiver_of_a_pair(port: int) -> None:
    async with (
        SmscServer("127.0.0.1", port, deliver_timeout=0.2) as smsc,
        bound(port, TX) as transmitter,
        bound(port, RX) as receiver,
    ):
        await smsc.wait_until(lambda: len(smsc.sessions) == 2, 5.0)
        await transmitter.submit_sm("49151", b"x", registered_delivery=1)
        event = await next_deliver(receiver)
        assert event.esm_class == 0x04
        await smsc.wait_until(lambda: smsc.counters["receipts"] == 1, 5.0)
        assert smsc.counters["deliveries_unconfirmed"] == 1  # smpp34 never matches a receiver's deliver_sm_resp


async def test_receipt_without_a_receiver_is_dropped(port: int) -> None:
    async with SmscServer("127.0.0.1", port) as smsc, bound(port, TX) as transmitter:
        await transmitter.submit_sm("49151", b"x", registered_delivery=1)
        await smsc.wait_until(lambda: smsc.counters["receipts_dropped"] == 1, 5.0)
        with pytest.raises(LookupError):
            await smsc.send_mo("4915100000", "Switchbrd", "hi", wait=0.05)


async def test_send_mo_concatenates_long_texts(port: int) -> None:
    text = "Grüße aus Köln! " * 12  # 192 septets: two parts
    async with SmscServer("127.0.0.1", port) as smsc, bound(port) as session:
        assert await smsc.send_mo("4915100000", "Switchbrd", text) == 2
        parts = [await next_deliver(session) for _ in range(2)]
    parts.sort(key=lambda event: event.short_message[5])
    assert [(p.esm_class, p.source_addr, p.destination_addr) for p in parts] == [(0x40, "4915100000", "Switchbrd")] * 2
    headers = [p.short_message[:6] for p in parts]
    assert [h[:3] + h[4:] for h in headers] == [b"\x05\x00\x03\x02\x01", b"\x05\x00\x03\x02\x02"]
    assert headers[0][3] == headers[1][3]
    assert smsc.counters["mo"] == 2


async def test_only_the_configured_system_id_stays_bound(port: int) -> None:
    async with SmscServer("127.0.0.1", port, system_id="allowed") as smsc:
        async with bound(port, system_id="intruder") as session:
            assert isinstance(await asyncio.wait_for(session.next(), 5.0), smpp34.Disconnected)
        async with bound(port, system_id="allowed") as session:
            response = await session.submit_sm("49151", b"x")
            assert response.is_success
        assert (smsc.counters["binds"], smsc.counters["binds_refused"]) == (1, 1)


async def test_stop_unbinds_the_clients(port: int) -> None:
    smsc = SmscServer("127.0.0.1", port)
    await smsc.start()
    try:
        async with bound(port) as session:
            await smsc.wait_until(lambda: len(smsc.sessions) == 1, 5.0)
            await smsc.stop()
            assert isinstance(await asyncio.wait_for(session.next(), 5.0), smpp34.Disconnected)
    finally:
        await smsc.stop()
    assert not listening(port)


async def test_slow_answers_keep_submits_outstanding(port: int) -> None:
    scenario = SmscScenario(response_delay=0.1, no_receipts=True)
    async with SmscServer("127.0.0.1", port, scenario) as smsc, bound(port) as session:
        responses = await asyncio.gather(*(session.submit_sm("49151", b"%d" % i) for i in range(5)))
    assert all(r.is_success for r in responses)
    assert smsc.counters["outstanding_peak"] == 5


async def test_run_smsc_serves_until_cancelled(port: int) -> None:
    task = asyncio.ensure_future(run_smsc("127.0.0.1", port, SmscScenario(), report_every=0.05))
    try:
        async with asyncio.timeout(5.0):
            while not listening(port):
                await asyncio.sleep(0.01)
        async with bound(port) as session:
            assert (await session.submit_sm("49151", b"x")).message_id == "1"
            await asyncio.sleep(0.1)  # a report or two
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    assert not listening(port)


def test_received_submit_splits_header_and_payload() -> None:
    submit = ReceivedSubmit("esme", "s", "a", "b", 0, 0x40, 1, b"\x05\x00\x03\x09\x02\x01Hello")
    assert (submit.udh, submit.payload, submit.text) == (b"\x05\x00\x03\x09\x02\x01", b"Hello", "Hello")
    plain = ReceivedSubmit("esme", "s", "a", "b", 8, 0, 1, "Hi ✓".encode("utf-16-be"))
    assert (plain.udh, plain.text) == (None, "Hi ✓")


@pytest.mark.parametrize(
    "kwargs",
    [{"delivered": 1.5}, {"delivered": 0.7, "undelivered": 0.5}, {"throttle_every": -1}, {"response_delay": -0.1}],
)
def test_scenario_is_checked(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        SmscScenario(**kwargs)


def test_id_styles_are_checked() -> None:
    with pytest.raises(ValueError):
        SmscServer(id_style="base64")
