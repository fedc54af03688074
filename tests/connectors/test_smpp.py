"""The SMPP connector: PDUs it builds and reads (pure), then live against our test SMSC and Kannel's test SMSC."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import subprocess
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from switchboard.connectors.sms.base import DELIVERED, EXPIRED, FAILED, InboundSms, OutboundSms, Receipt, SubmitError
from switchboard.connectors.sms.receipts import canonical_id, id_candidates
from switchboard.connectors.sms.smpp import SmppConfig, SmppConnector
from switchboard.connectors.sms.smpp_bind import Pacer
from switchboard.connectors.sms.smpp_pdus import (
    TLV_MESSAGE_PAYLOAD,
    TLV_MESSAGE_STATE,
    TLV_RECEIPTED_MESSAGE_ID,
    TLV_SAR_MSG_REF_NUM,
    TLV_SAR_SEGMENT_SEQNUM,
    TLV_SAR_TOTAL_SEGMENTS,
    ConcatAssembler,
    ConcatInfo,
    DeliverFields,
    DeliverInterpreter,
    concat_from_udh,
    status_name,
    submit_parts,
)
from switchboard.domain.sms.encoding import encode_parts, udh_concat
from switchboard.smsc import SmscScenario, SmscServer
from tests.fakes.carrier_events import RecordingEvents

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
GSM_TEXT = "Hello @£$ {world} €5"
UCS2_TEXT = "Привет, мир ✓"
LONG_GSM = "The quick brown fox jumps over the lazy dog. " * 5  # 225 septets: 2 parts
LONG_UCS2 = "Съешь же ещё этих мягких французских булок. " * 3  # 132 units: 2 parts
DRIVE_SMPP = Path("/usr/lib/kannel/test/drive_smpp")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def smpp_config(port: int, **overrides: Any) -> SmppConfig:
    settings: dict[str, Any] = {
        "name": "carrier-a",
        "host": "127.0.0.1",
        "port": port,
        "system_id": "switchboard",
        "password": "secret",
        "reconnect_min": 0.05,
        "reconnect_max": 0.2,
        "connect_timeout": 2.0,
        "response_timeout": 3.0,
        "event_retry_delay": 0.01,
    }
    settings.update(overrides)
    return SmppConfig(**settings)


def sms(content: str, *, number: str = "4915112345678", sender: str | None = "Switchbrd", **kw: Any) -> OutboundSms:
    return OutboundSms(msg_id="m-1", number=number, sender_id=sender, content=content, **kw)


async def eventually(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.01)


@contextlib.asynccontextmanager
async def connected(config: SmppConfig, events: RecordingEvents | None = None) -> AsyncIterator[SmppConnector]:
    connector = SmppConnector(config)
    await connector.start(events or RecordingEvents())
    try:
        assert await connector.wait_bound(5.0), connector.status()
        yield connector
    finally:
        await asyncio.wait_for(connector.stop(), 10.0)


@pytest.fixture
def port() -> int:
    return free_port()


# -- pure: PDUs built and read -------------------------------------------------------------------------------------


def test_single_part_carries_the_data_coding_and_bare_payload() -> None:
    data_coding, payloads = encode_parts(UCS2_TEXT)
    [part] = submit_parts(UCS2_TEXT, 7)
    assert (part.data_coding, part.esm_class, part.short_message, part.tlvs) == (0x08, 0, payloads[0], ())
    assert data_coding == 0x08


@pytest.mark.parametrize("text", [LONG_GSM, LONG_UCS2])
def test_multipart_uses_a_concatenation_udh(text: str) -> None:
    data_coding, payloads = encode_parts(text)
    parts = submit_parts(text, 0x1AB)
    assert len(parts) == len(payloads) == 2
    for seq, (part, payload) in enumerate(zip(parts, payloads, strict=True), start=1):
        assert part.esm_class == 0x40
        assert part.data_coding == data_coding
        assert part.short_message == udh_concat(0xAB, 2, seq) + payload


def test_multipart_with_sar_uses_tlvs() -> None:
    _, payloads = encode_parts(LONG_GSM)
    parts = submit_parts(LONG_GSM, 0x1234, use_sar=True)
    for seq, part in enumerate(parts, start=1):
        tlvs = dict(part.tlvs)
        assert part.esm_class == 0 and part.short_message == payloads[seq - 1]
        assert tlvs == {
            TLV_SAR_MSG_REF_NUM: b"\x12\x34",
            TLV_SAR_TOTAL_SEGMENTS: b"\x02",
            TLV_SAR_SEGMENT_SEQNUM: bytes([seq]),
        }


def test_command_status_names() -> None:
    assert status_name(0x0B) == "ESME_RINVDSTADR"
    assert status_name(0x58) == "ESME_RTHROTTLED"
    assert status_name(0x400) == "0x00000400"


def receipt_pdu(text: str = "", esm_class: int = 0x04, **tlvs: bytes) -> DeliverFields:
    tags = {"receipted_message_id": TLV_RECEIPTED_MESSAGE_ID, "message_state": TLV_MESSAGE_STATE}
    return DeliverFields(
        "4915112345678", "Switchbrd", esm_class, 0, text.encode(), {tags[k]: v for k, v in tlvs.items()}
    )


@pytest.mark.parametrize(
    ("pdu", "expected"),
    [
        (
            receipt_pdu(
                "id:0A sub:001 dlvrd:001 submit date:2611291200 done date:2611291201 stat:DELIVRD err:000 text:x"
            ),
            Receipt("c", "0A", DELIVERED, "000", datetime(2026, 11, 29, 12, 1, tzinfo=UTC)),
        ),
        (receipt_pdu("id:1 stat:UNDELIV err:034"), Receipt("c", "1", FAILED, "034")),
        # TLVs win over the text
        (
            receipt_pdu("id:1 stat:UNDELIV err:034", receipted_message_id=b"99\x00", message_state=b"\x02"),
            Receipt("c", "99", DELIVERED, "034"),
        ),
        # TLVs only, default esm_class
        (receipt_pdu("", 0x00, receipted_message_id=b"abc\x00", message_state=b"\x03"), Receipt("c", "abc", EXPIRED)),
        # receipted_message_id with a receipt text, default esm_class
        (receipt_pdu("id:5 stat:REJECTD", 0x00, receipted_message_id=b"5\x00"), Receipt("c", "5", FAILED)),
        # intermediate states, SME acknowledgements and receipts without an id are not reported
        (receipt_pdu("id:1 stat:ENROUTE"), None),
        (receipt_pdu("id:1 stat:ACCEPTD", 0x20), None),
        (receipt_pdu("id:1 stat:DELIVRD", 0x08), None),
        (receipt_pdu("stat:DELIVRD"), None),
    ],
)
def test_deliver_sm_receipts(pdu: DeliverFields, expected: Receipt | None) -> None:
    assert DeliverInterpreter("c").interpret(pdu, NOW, 0.0) == expected


def test_receipted_message_id_alone_is_an_inbound_message() -> None:
    """Kannel's drive_smpp sends MO messages carrying receipted_message_id "receipted_message_id"."""
    pdu = DeliverFields("456", "123", 0, 0, b"1", {TLV_RECEIPTED_MESSAGE_ID: b"receipted_message_id\x00"})
    event = DeliverInterpreter("c").interpret(pdu, NOW, 0.0)
    assert isinstance(event, InboundSms)
    assert (event.source, event.destination, event.content) == ("456", "123", "1")


def test_inbound_message_payload_tlv_and_ucs2() -> None:
    body = UCS2_TEXT.encode("utf-16-be")
    event = DeliverInterpreter("c").interpret(DeliverFields("1", "2", 0, 8, b"", {TLV_MESSAGE_PAYLOAD: body}), NOW, 0)
    assert isinstance(event, InboundSms) and event.content == UCS2_TEXT and event.received_at == NOW


def concatenated(text: str, ref: int, *, sixteen_bit: bool = False) -> list[DeliverFields]:
    data_coding, payloads = encode_parts(text)
    total = len(payloads)
    out = []
    for seq, payload in enumerate(payloads, start=1):
        udh = bytes((6, 0x08, 4, ref >> 8, ref & 0xFF, total, seq)) if sixteen_bit else udh_concat(ref, total, seq)
        out.append(DeliverFields("4915100000", "Switchbrd", 0x40, data_coding, udh + payload))
    return out


@pytest.mark.parametrize(("text", "sixteen_bit"), [(LONG_GSM, False), (LONG_UCS2, True)])
def test_concatenated_inbound_is_joined_in_order(text: str, sixteen_bit: bool) -> None:
    interpreter = DeliverInterpreter("c")
    first, second = concatenated(text, 0x0102, sixteen_bit=sixteen_bit)
    assert interpreter.interpret(second, NOW, 0.0) is None
    assert len(interpreter.assembler) == 1
    event = interpreter.interpret(first, NOW, 1.0)
    assert isinstance(event, InboundSms)
    assert event.content == text and event.extra["parts"] == 2
    assert len(interpreter.assembler) == 0


def test_concatenated_inbound_with_sar_tlvs() -> None:
    data_coding, payloads = encode_parts(LONG_GSM)
    interpreter = DeliverInterpreter("c")
    events = [
        interpreter.interpret(
            DeliverFields(
                "1",
                "2",
                0,
                data_coding,
                payload,
                {
                    TLV_SAR_MSG_REF_NUM: b"\x00\x07",
                    TLV_SAR_TOTAL_SEGMENTS: b"\x02",
                    TLV_SAR_SEGMENT_SEQNUM: bytes([seq]),
                },
            ),
            NOW,
            0.0,
        )
        for seq, payload in enumerate(payloads, start=1)
    ]
    assert events[0] is None
    assert isinstance(events[1], InboundSms) and events[1].content == LONG_GSM


def test_assembler_keeps_senders_apart_and_forgets_stale_parts() -> None:
    assembler = ConcatAssembler(ttl=10.0, max_pending=2)
    info = ConcatInfo(reference=1, total=2, sequence=1)
    assert assembler.add(("a", "x", 1), info, 0, b"A1", 0.0) is None
    assert assembler.add(("b", "x", 1), info, 0, b"B1", 0.0) is None
    assert assembler.add(("a", "x", 1), ConcatInfo(1, 2, 2), 0, b"A2", 1.0) == (0, b"A1A2")
    assert assembler.expire(20.0) == 1  # b's first part is too old
    assert assembler.add(("b", "x", 1), ConcatInfo(1, 2, 2), 0, b"B2", 20.0) is None
    assert assembler.add(("c", "x", 1), info, 0, b"C1", 20.0) is None
    assert assembler.add(("d", "x", 1), info, 0, b"D1", 21.0) is None  # over max_pending: the oldest goes
    assert len(assembler) == 2


@pytest.mark.parametrize("udh", [b"\x05\x00\x03\x01\x02\x03", b"\x05\x00\x03\x01\x00\x00", b"\x03\x00\x03\x01"])
def test_invalid_concatenation_headers_are_ignored(udh: bytes) -> None:
    assert concat_from_udh(udh) is None


def test_config_is_checked() -> None:
    with pytest.raises(ValueError, match="bind"):
        smpp_config(2775, bind="both")
    with pytest.raises(ValueError, match="password"):
        smpp_config(2775, password="much-too-long")
    with pytest.raises(ValueError, match="window"):
        smpp_config(2775, window=0)


async def test_pacer_spaces_calls() -> None:
    pacer = Pacer(100.0)
    started = time.monotonic()
    for _ in range(6):
        await pacer.wait()
    assert time.monotonic() - started >= 0.045


# -- live, against our test SMSC -------------------------------------------------------------------------------------


async def test_gsm_message_goes_out_as_one_submit_sm(port: int) -> None:
    async with SmscServer("127.0.0.1", port) as smsc, connected(smpp_config(port)) as connector:
        accepted = await connector.submit(sms(GSM_TEXT))
        [received] = smsc.received
    assert accepted.carrier_msg_ids == [received.message_id]
    assert (received.data_coding, received.esm_class, received.udh) == (0x00, 0, None)
    assert received.short_message == encode_parts(GSM_TEXT)[1][0]
    assert received.text == GSM_TEXT
    assert (received.destination, received.dest_ton, received.dest_npi) == ("4915112345678", 1, 1)
    assert (received.source, received.source_ton, received.source_npi) == ("Switchbrd", 5, 0)
    assert received.registered_delivery == 1


async def test_ucs2_message_and_numeric_sender(port: int) -> None:
    async with SmscServer("127.0.0.1", port) as smsc, connected(smpp_config(port)) as connector:
        await connector.submit(sms(UCS2_TEXT, number="+4915112345678", sender="4930123456"))
        [received] = smsc.received
    assert (received.data_coding, received.short_message) == (0x08, UCS2_TEXT.encode("utf-16-be"))
    assert (received.destination, received.source, received.source_ton, received.source_npi) == (
        "4915112345678",
        "4930123456",
        1,
        1,
    )


@pytest.mark.parametrize("text", [LONG_GSM, LONG_UCS2])
async def test_long_message_goes_out_in_parts_with_udh(port: int, text: str) -> None:
    data_coding, payloads = encode_parts(text)
    async with SmscServer("127.0.0.1", port) as smsc, connected(smpp_config(port)) as connector:
        accepted = await connector.submit(sms(text))
        received = list(smsc.received)
        assert smsc.counters["messages"] == 1
    assert accepted.carrier_msg_ids == [r.message_id for r in received]
    assert len(received) == len(payloads) == 2
    [reference] = {r.udh[3] for r in received if r.udh}  # one reference for both parts
    for seq, (part, payload) in enumerate(zip(received, payloads, strict=True), start=1):
        assert (part.data_coding, part.esm_class) == (data_coding, 0x40)
        assert part.udh == udh_concat(reference, 2, seq)
        assert part.payload == payload
    assert "".join(r.text for r in received) == text


async def test_long_message_with_sar(port: int) -> None:
    async with SmscServer("127.0.0.1", port) as smsc, connected(smpp_config(port, use_sar=True)) as connector:
        await connector.submit(sms(LONG_GSM))
        received = list(smsc.received)
    assert [r.tlvs[TLV_SAR_SEGMENT_SEQNUM] for r in received] == [b"\x01", b"\x02"]
    assert {r.tlvs[TLV_SAR_TOTAL_SEGMENTS] for r in received} == {b"\x02"}
    assert len({r.tlvs[TLV_SAR_MSG_REF_NUM] for r in received}) == 1
    assert all(r.esm_class == 0 and r.udh is None for r in received)
    assert "".join(r.text for r in received) == LONG_GSM


@pytest.mark.parametrize(
    ("scenario", "state"),
    [
        (SmscScenario(delivered=1.0), DELIVERED),
        (SmscScenario(delivered=0.0, undelivered=1.0), FAILED),
        (SmscScenario(delivered=0.0, undelivered=0.0), EXPIRED),
    ],
)
async def test_receipts_reach_the_events(port: int, scenario: SmscScenario, state: str) -> None:
    events = RecordingEvents()
    async with (
        SmscServer("127.0.0.1", port, scenario, id_style="hex", receipt_id_style="decimal"),
        connected(smpp_config(port), events) as connector,
    ):
        accepted = await connector.submit(sms(LONG_GSM))
        receipts = await events.wait_receipts(2)
    assert {r.state for r in receipts} == {state}
    assert {r.carrier for r in receipts} == {"carrier-a"}
    # the SMSC answered "0000000A"-style hex ids and reports decimal ones: the normalisation matches them up
    stored = {canonical_id(i) for i in accepted.carrier_msg_ids}
    assert all(id_candidates(r.carrier_msg_id) & stored for r in receipts)
    assert {r.carrier_msg_id for r in receipts}.isdisjoint(accepted.carrier_msg_ids)
    assert connector.status()["receipts"] == 2


async def test_no_receipt_requested_no_receipt_sent(port: int) -> None:
    events = RecordingEvents()
    async with SmscServer("127.0.0.1", port) as smsc, connected(smpp_config(port), events) as connector:
        await connector.submit(sms("quiet", registered_delivery=False))
        marker = await connector.submit(sms("marker"))
        await events.wait_receipts(1)
        assert [r.registered_delivery for r in smsc.received] == [0, 1]
        await smsc.wait_until(lambda: smsc.counters["receipts"] == 1, 5.0)
    assert [r.carrier_msg_id for r in events.receipts] == marker.carrier_msg_ids


async def test_throttling_is_a_temporary_error(port: int) -> None:
    async with (
        SmscServer("127.0.0.1", port, SmscScenario(throttle_every=2)),
        connected(smpp_config(port)) as connector,
    ):
        await connector.submit(sms("one"))
        with pytest.raises(SubmitError) as refused:
            await connector.submit(sms("two"))
        await connector.submit(sms("three"))
        status = connector.status()
    assert (refused.value.code, refused.value.temporary) == ("ESME_RTHROTTLED", True)
    assert (status["submitted"], status["throttled"], status["binds"][0]["throttled"]) == (2, 1, 1)


async def test_rejection_is_a_permanent_error(port: int) -> None:
    async with (
        SmscServer("127.0.0.1", port, SmscScenario(rejected=1.0)),
        connected(smpp_config(port)) as connector,
    ):
        with pytest.raises(SubmitError) as refused:
            await connector.submit(sms("hello"))
        assert connector.status()["errors"] == 1
    assert (refused.value.code, refused.value.temporary) == ("ESME_RINVDSTADR", False)


async def test_no_response_in_time_is_a_temporary_error(port: int) -> None:
    scenario = SmscScenario(response_delay=0.5, no_receipts=True)
    async with (
        SmscServer("127.0.0.1", port, scenario) as smsc,
        connected(smpp_config(port, response_timeout=0.1)) as connector,
    ):
        with pytest.raises(SubmitError) as refused:
            await connector.submit(sms("slow"))
        assert connector.status()["outstanding"] == 0
        await smsc.wait_until(lambda: smsc.counters["accepted"] == 1, 5.0)
    assert (refused.value.code, refused.value.temporary) == ("SMPP_TIMEOUT", True)


async def test_start_returns_while_the_smsc_is_down_then_binds(port: int) -> None:
    connector = SmppConnector(smpp_config(port))
    await asyncio.wait_for(connector.start(RecordingEvents()), 0.5)
    try:
        with pytest.raises(SubmitError) as refused:
            await connector.submit(sms("too early"))
        assert (refused.value.code, refused.value.temporary) == ("SMPP_NOT_BOUND", True)
        await eventually(lambda: connector.status()["binds"][0]["last_error"] != "")
        assert connector.status()["binds"][0]["state"] in ("connecting", "down")
        async with SmscServer("127.0.0.1", port) as smsc:
            assert await connector.wait_bound(5.0)
            await connector.submit(sms("now"))
            assert smsc.counters["accepted"] == 1
    finally:
        await connector.stop()


async def test_smsc_restart_connector_rebinds_by_itself(port: int) -> None:
    connector = SmppConnector(smpp_config(port))
    events = RecordingEvents()
    try:
        async with SmscServer("127.0.0.1", port) as smsc:
            await connector.start(events)
            assert await connector.wait_bound(5.0)
            await connector.submit(sms("before"))
            await smsc.wait_until(lambda: smsc.counters["binds"] == 1, 5.0)
        await eventually(lambda: connector.status()["bound"] == 0)
        with pytest.raises(SubmitError) as refused:
            await connector.submit(sms("while down"))
        assert refused.value.temporary
        async with SmscServer("127.0.0.1", port, id_style="hex") as smsc:
            assert await connector.wait_bound(5.0)
            accepted = await connector.submit(sms("after"))
            await events.wait_until(lambda: accepted.carrier_msg_ids[0] in {r.carrier_msg_id for r in events.receipts})
            await smsc.wait_until(lambda: smsc.counters["binds"] == 1, 5.0)
        assert connector.status()["binds"][0]["binds"] == 2
    finally:
        await connector.stop()


async def test_stop_unbinds(port: int) -> None:
    async with SmscServer("127.0.0.1", port) as smsc:
        async with connected(smpp_config(port, binds=2)):
            await smsc.wait_until(lambda: len(smsc.sessions) == 2, 5.0)
        await smsc.wait_until(lambda: smsc.counters["unbinds"] == 2, 5.0)
        assert smsc.sessions == []


async def test_inbound_messages_arrive(port: int) -> None:
    events = RecordingEvents()
    async with SmscServer("127.0.0.1", port) as smsc, connected(smpp_config(port), events) as connector:
        assert await smsc.send_mo("4915100000", "Switchbrd", GSM_TEXT) == 1
        assert await smsc.send_mo("4915100001", "Switchbrd", LONG_UCS2) == 2
        messages = await events.wait_messages(2)
        assert connector.status()["inbound"] == 2
    assert [(m.source, m.destination, m.content) for m in messages] == [
        ("4915100000", "Switchbrd", GSM_TEXT),
        ("4915100001", "Switchbrd", LONG_UCS2),
    ]
    assert messages[1].extra == {"data_coding": 0x08, "parts": 2}


async def test_window_of_ten_outstanding_submits(port: int) -> None:
    scenario = SmscScenario(response_delay=0.2, no_receipts=True)
    async with SmscServer("127.0.0.1", port, scenario) as smsc, connected(smpp_config(port, window=10)) as connector:
        started = time.monotonic()
        submits = [asyncio.ensure_future(connector.submit(sms(f"m{i}"))) for i in range(25)]
        await eventually(lambda: connector.status()["outstanding"] == 10, 2.0)
        results = await asyncio.wait_for(asyncio.gather(*submits), 10.0)
        elapsed = time.monotonic() - started
    assert len({r.carrier_msg_ids[0] for r in results}) == 25
    assert smsc.counters["outstanding_peak"] == 10  # never more than the window, and the window was used
    assert elapsed < 25 * 0.2 / 2  # concurrent, not one at a time (3 waves of 0.2 s)


async def test_throughput_caps_submits_per_second(port: int) -> None:
    async with SmscServer("127.0.0.1", port) as smsc, connected(smpp_config(port, throughput=20.0)) as connector:
        started = time.monotonic()
        await asyncio.gather(*(connector.submit(sms(f"m{i}")) for i in range(5)))
        elapsed = time.monotonic() - started
        assert smsc.counters["accepted"] == 5
    assert elapsed >= 4 * 0.05 * 0.9


async def test_binds_share_the_submits_round_robin(port: int) -> None:
    async with SmscServer("127.0.0.1", port) as smsc, connected(smpp_config(port, binds=2)) as connector:
        for index in range(6):
            await connector.submit(sms(f"m{index}"))
        per_session = Counter(r.session_id for r in smsc.received)
        assert [b["submitted"] for b in connector.status()["binds"]] == [3, 3]
    assert sorted(per_session.values()) == [3, 3]


async def test_pair_binds_transmit_on_one_and_receive_on_the_other(port: int) -> None:
    events = RecordingEvents()
    smsc_server = SmscServer("127.0.0.1", port, deliver_timeout=0.2)  # smpp34 drops deliver_sm_resp of receivers
    async with smsc_server as smsc, connected(smpp_config(port, bind="pair"), events) as connector:
        await smsc.wait_until(lambda: len(smsc.sessions) == 2, 5.0)
        assert sorted(s["receives"] for s in smsc.sessions) == [False, True]
        await connector.submit(sms("hi"))
        await events.wait_receipts(1)
        await smsc.send_mo("4915100000", "Switchbrd", "reply")
        await events.wait_messages(1)
        binds = connector.status()["binds"]
    assert [(b["type"], b["state"]) for b in binds] == [("TX", "bound"), ("RX", "bound")]
    assert (binds[0]["submitted"], binds[0]["received"], binds[1]["received"]) == (1, 0, 2)


async def test_receiver_only_carrier_cannot_submit(port: int) -> None:
    async with SmscServer("127.0.0.1", port), connected(smpp_config(port, bind="receiver")) as connector:
        with pytest.raises(SubmitError) as refused:
            await connector.submit(sms("x"))
    assert (refused.value.code, refused.value.temporary) == ("SMPP_NO_TRANSMITTER", False)


async def test_failing_callback_is_retried(port: int) -> None:
    events = RecordingEvents()
    events.fail_next = 2
    async with SmscServer("127.0.0.1", port), connected(smpp_config(port, event_retries=3), events) as connector:
        await connector.submit(sms("hi"))
        await events.wait_receipts(1)
        assert (events.calls, connector.status()["events_failed"]) == (3, 0)


async def test_callback_failing_for_good_is_counted_and_reading_goes_on(port: int) -> None:
    events = RecordingEvents()
    events.fail_next = 2
    async with SmscServer("127.0.0.1", port), connected(smpp_config(port, event_retries=1), events) as connector:
        await connector.submit(sms("lost"))
        await eventually(lambda: connector.status()["events_failed"] == 1)
        await connector.submit(sms("kept"))
        await events.wait_receipts(1)
        assert connector.status()["receipts"] == 1


# -- interoperability with a peer we did not write: Kannel's test SMSC -----------------------------------------------


@contextlib.asynccontextmanager
async def kannel_drive_smpp(port: int, log: Path, messages: int) -> AsyncIterator[subprocess.Popen[bytes]]:
    """Run drive_smpp, Kannel's SMPP test SMSC, with the bearerbox it also connects to (as an smsbox) faked."""
    if not DRIVE_SMPP.exists():
        pytest.skip(f"{DRIVE_SMPP} is missing (Debian package kannel-extras)")

    async def quiet_bearerbox(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError):
            await reader.read()
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()

    try:  # drive_smpp panics unless something listens on 127.0.0.1:13001, its bearerbox's smsbox port
        bearerbox: asyncio.Server | None = await asyncio.start_server(quiet_bearerbox, "127.0.0.1", 13001)
    except OSError:
        bearerbox = None  # something listens there already, which is all drive_smpp needs
    with log.open("wb") as output:
        process = subprocess.Popen(  # noqa: ASYNC220
            [str(DRIVE_SMPP), "-p", str(port), "-m", str(messages), "-v", "0"], stdout=output, stderr=subprocess.STDOUT
        )
    try:
        await eventually(lambda: _listening(port), 5.0)
        yield process
    finally:
        if process.poll() is None:
            await asyncio.sleep(0)
            with contextlib.suppress(subprocess.TimeoutExpired):
                await asyncio.to_thread(process.wait, 10.0)
        if process.poll() is None:
            process.kill()
            await asyncio.to_thread(process.wait)
        if bearerbox is not None:
            bearerbox.close()
            await bearerbox.wait_closed()


def _listening(port: int) -> bool:
    """Whether a socket listens on ``port``, read from /proc: a probe connection would end drive_smpp's run."""
    listening = "0A"
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError), open(table) as lines:
            for line in list(lines)[1:]:
                fields = line.split()
                if fields[3] == listening and int(fields[1].rsplit(":", 1)[1], 16) == port:
                    return True
    return False


@pytest.mark.integration
async def test_interoperates_with_kannel_drive_smpp(port: int, tmp_path: Path) -> None:
    """drive_smpp takes bind_transmitter and bind_receiver (no transceiver), sends -m MO messages "1".."m" from 456
    to 123 to the receiver, answers submit_sm with an empty message id, and exits when a session ends."""
    log = tmp_path / "drive_smpp.log"
    events = RecordingEvents()
    config = smpp_config(port, bind="pair", system_id="foo", password="bar", system_type="VMA")
    async with kannel_drive_smpp(port, log, messages=3) as process:
        async with connected(config, events) as connector:
            messages = await events.wait_messages(3)
            results = [await connector.submit(sms(f"reply {i}", number="456", sender="123")) for i in range(3)]
        assert await asyncio.to_thread(process.wait, 10.0) == 0  # it ends by itself once we unbind
    assert sorted((m.source, m.destination, m.content) for m in messages) == [("456", "123", str(i)) for i in (1, 2, 3)]
    assert [r.carrier_msg_ids for r in results] == [[""]] * 3
    output = log.read_text(errors="replace")
    assert "ESME has submitted all messages to SMSC." in output
    assert "Number of messages sent to SMSC: 3" in output
    assert "ERROR:" not in output and "PANIC:" not in output


@pytest.mark.integration
async def test_kannel_drive_smpp_does_not_answer_transceiver_binds(port: int, tmp_path: Path) -> None:
    log = tmp_path / "drive_smpp.log"
    async with kannel_drive_smpp(port, log, messages=1):
        connector = SmppConnector(smpp_config(port, connect_timeout=0.5, reconnect_min=5.0))
        await connector.start(RecordingEvents())
        try:
            assert not await connector.wait_bound(1.0)
            await eventually(lambda: connector.status()["binds"][0]["last_error"] != "", 2.0)
            assert "bind timed out" in connector.status()["binds"][0]["last_error"]
        finally:
            await connector.stop()
    assert "Unhandled SMPP PDU." in log.read_text(errors="replace")
