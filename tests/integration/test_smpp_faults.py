"""Carrier faults end to end: a running ``serve`` against the node-smpp SMSC (``tests/peers/node_smsc``) told to
misbehave. After each: nothing lost, every message final exactly once, charged once, one report push each, the
ledger equal to the balance (see ``assert_consistent``)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import httpx
import pytest

from switchboard.store.tables import early_receipts, ledger, message_parts, messages, pushes
from tests.integration import test_smpp_e2e as harness
from tests.integration.test_smpp_e2e import LONG_GSM, PRICE, Tenant, assert_consistent, smpp_platform, wait_for

pytestmark = pytest.mark.integration

node_smsc_script = harness.node_smsc_script  # the fixtures of the harness
tenant_template = harness.tenant_template


UP = 'switchboard_carrier_up{carrier="smsc"}'


def numbers(count: int, start: int = 0) -> list[str]:
    return [f"9198765{index:05d}" for index in range(start, start + count)]


def test_smsc_dropping_the_connection_mid_window_loses_nothing(
    tmp_path: Path, node_smsc_script: Path, tenant_template: Tenant
) -> None:
    # Answers take 100 ms, so the window (10) fills; at the 15th submit_sm, with 5 unanswered, the SMSC destroys
    # every socket. Receipts of the messages it had accepted wait for the next bind.
    smsc = {"response_delay_ms": 100, "drop_at": 15, "drop_outstanding": 5, "receipt_delay_ms": 300}
    with smpp_platform(tmp_path, node_smsc_script, tenant_template, smsc=smsc) as platform:
        ids = platform.send("window test", numbers(30))
        ids += platform.send(LONG_GSM, numbers(2, start=100))
        verdict = platform.settle(ids, timeout=40)
        assert_consistent(platform, ids, verdict)
        carrier = platform.metrics()
        # The SMSC goes away for good: /metrics reports the carrier down.
        platform.smsc.stop()
        wait_for(lambda: platform.metrics()[UP] == 0, timeout=5, what="switchboard_carrier_up 0")
    drops = platform.smsc.records("drop")
    assert len(drops) == 1 and drops[0]["unanswered"] >= 5, drops
    assert len(platform.smsc.records("bind")) >= 2  # the connector bound again by itself
    assert verdict.states == {"delivered": 32}
    assert verdict.resubmitted >= 5  # the unanswered submits went again after the rebind
    assert carrier['switchboard_carrier_total{carrier="smsc",counter="bound"}'] == 1 and carrier[UP] == 1
    retried = [m for m in platform.rows(messages) if m["attempts"] > 1]
    assert retried and all(m["status"] == "delivered" for m in retried)


def test_throttled_submits_are_retried_and_a_failing_push_receiver_gets_its_pushes_later(
    tmp_path: Path, node_smsc_script: Path, tenant_template: Tenant
) -> None:
    # Every 5th submit_sm is answered ESME_RTHROTTLED (7 submits: one is); the receiver answers 500 twice first.
    with smpp_platform(
        tmp_path, node_smsc_script, tenant_template, smsc={"throttle_every": 5}, fail_first=2
    ) as platform:
        ids = platform.send("throttle test", numbers(5))
        ids += platform.send(LONG_GSM, numbers(1, start=100))
        verdict = platform.settle(ids, timeout=45)
        assert_consistent(platform, ids, verdict)
        report = platform.report(ids)
    throttled = [s for s in platform.smsc.records("submit") if s["status"] == 0x58]
    assert len(throttled) == 1
    assert verdict.states == {"delivered": 6} and report["success"] == "6"
    attempts = Counter(m["attempts"] for m in platform.rows(messages))
    assert attempts == {1: 5, 2: 1}  # the throttled message went again, and only it
    rows = platform.rows(pushes)
    assert {p["status"] for p in rows} == {"delivered"}
    assert sorted(p["attempts"] for p in rows) == [1, 1, 1, 1, 2, 2]  # the two refused pushes came back later
    assert platform.receiver.calls == 8


def test_no_receipts_means_expired_reported_and_charged(
    tmp_path: Path, node_smsc_script: Path, tenant_template: Tenant
) -> None:
    with smpp_platform(
        tmp_path,
        node_smsc_script,
        tenant_template,
        smsc={"no_receipts": 1},
        env={"SWITCHBOARD_MESSAGE_VALIDITY": "1"},
    ) as platform:
        ids = platform.send("nobody answers", numbers(2)) + platform.send(LONG_GSM, numbers(1, start=100))
        verdict = platform.settle(ids, timeout=20)
        assert_consistent(platform, ids, verdict)
        report = platform.report(ids)
    assert verdict.states == {"expired": 3}
    assert {row["status"] for row in report["array"]} == {"1"} and report["fail"] == "3"
    pushed = platform.pushes_by_msgid()
    assert {(p["status"], p["reason"]) for p in pushed.values()} == {(2, "NO_RECEIPT")}
    assert sorted(p["pricedetail"]["pay"] for p in pushed.values()) == sorted(
        f"{n * PRICE / 10**6:.6f}" for n in (1, 1, 2)
    )  # expired is charged: the carrier took the message
    assert [e for e in platform.rows(ledger) if e["kind"] == "refund"] == []
    assert platform.smsc.records("receipt") == []


def test_unknown_and_duplicate_receipts_are_counted_and_ignored(
    tmp_path: Path, node_smsc_script: Path, tenant_template: Tenant
) -> None:
    # Every receipt comes twice, and each accepted submit_sm is followed by a receipt for an id never issued.
    smsc = {"duplicate_receipts": 1, "unknown_receipts": 1, "receipt_delay_ms": 200}
    with smpp_platform(tmp_path, node_smsc_script, tenant_template, smsc=smsc) as platform:
        ids = platform.send("receipt test", numbers(3)) + platform.send(LONG_GSM, numbers(1, start=100))
        verdict = platform.settle(ids)
        wait_for(lambda: sum(platform.receipts_counted().values()) == 15, timeout=10, what="15 receipts counted")
        assert_consistent(platform, ids, verdict)
        counted = platform.receipts_counted()
    assert verdict.states == {"delivered": 4}
    # Usually {"applied": 5, "duplicate": 5, "unknown": 5}; a receipt that outruns the recording of its submit counts
    # as unknown on arrival and is applied when the submit is recorded (see the early-receipt test).
    assert counted["applied"] <= 5 and counted["unknown"] >= 5 and counted["duplicate"] + counted["unknown"] >= 10
    receipts = platform.smsc.records("receipt")
    assert len(receipts) == 15 and {r["status"] for r in receipts} == {0}  # every deliver_sm acknowledged
    assert len(platform.smsc.records("bind")) == 1 and platform.smsc.records("error") == []  # the session survived
    assert {p["state"] for p in platform.rows(message_parts)} == {"delivered"}
    held = platform.rows(early_receipts)  # unknown ids are kept in case their submit result is still to come
    assert sorted(r["carrier_key"] for r in held) == sorted(
        f"zz{s['message_id']}".lower() for s in platform.smsc.accepted()
    )


def test_a_receipt_before_the_submit_response_is_applied_once_the_submit_is_recorded(
    tmp_path: Path, node_smsc_script: Path, tenant_template: Tenant
) -> None:
    # The SMSC sends the receipt, waits for its deliver_sm_resp, and only 500 ms later answers the submit_sm.
    smsc = {"receipt_first": 1, "response_delay_ms": 500}
    with smpp_platform(tmp_path, node_smsc_script, tenant_template, smsc=smsc) as platform:
        ids = platform.send("early receipt", numbers(2)) + platform.send(LONG_GSM, numbers(1, start=100))
        verdict = platform.settle(ids)
        assert_consistent(platform, ids, verdict)
        counted = platform.receipts_counted()
    assert verdict.states == {"delivered": 3}
    answered = {s["message_id"]: s["t"] for s in platform.smsc.accepted()}
    receipts = platform.smsc.records("receipt")
    assert len(receipts) == 4 and all(r["t"] <= answered[r["message_id"]] for r in receipts)
    assert counted == {"applied": 0, "duplicate": 0, "unknown": 4}  # all held, none applied on arrival
    assert platform.rows(early_receipts) == []  # ... and all taken when the submits were recorded


def test_garbage_on_the_socket_makes_the_connector_reconnect(
    tmp_path: Path, node_smsc_script: Path, tenant_template: Tenant
) -> None:
    # The 3rd submit_sm is answered with a PDU header of an unknown command followed by bytes that are not SMPP.
    with smpp_platform(tmp_path, node_smsc_script, tenant_template, smsc={"garbage_at": 3}) as platform:
        ids = platform.send("garbage test", numbers(10))
        verdict = platform.settle(ids, timeout=30)
        assert_consistent(platform, ids, verdict)
        assert httpx.get(f"{platform.base}/health", timeout=5).status_code == 200  # the process stayed up
        after = platform.send("after the garbage", numbers(1, start=200))
        assert_consistent(platform, ids + after, platform.settle(ids + after))
    assert len([s for s in platform.smsc.records("submit") if s.get("garbage")]) == 1
    assert len(platform.smsc.records("bind")) >= 2
    assert {m["status"] for m in platform.rows(messages)} == {"delivered"}


def test_sequential_decimal_ids_each_match_their_own_receipt(
    tmp_path: Path, node_smsc_script: Path, tenant_template: Tenant
) -> None:
    # Ids 1, 2, 3... as many SMSCs (and `switchboard smsc`) issue them: the receipt for "16" must not be taken for
    # the message "10" (16 written in hex), nor "20" for "14" (regression: 6 of 24 messages never became final).
    with smpp_platform(tmp_path, node_smsc_script, tenant_template, smsc={"decimal_ids": 1}) as platform:
        ids = platform.send("decimal ids", numbers(24))
        verdict = platform.settle(ids, timeout=15)
        assert_consistent(platform, ids, verdict)
        counted = platform.receipts_counted()
    assert verdict.states == {"delivered": 24} and counted["duplicate"] == 0
    by_number = {s["destination_addr"]: s["message_id"] for s in platform.smsc.accepted()}
    assert sorted(by_number.values(), key=int) == [str(n) for n in range(1, 25)]
    assert {m["number"]: m["carrier_msg_id"] for m in platform.rows(messages)} == by_number


def test_an_early_receipt_that_writes_the_id_in_decimal_still_matches(
    tmp_path: Path, node_smsc_script: Path, tenant_template: Tenant
) -> None:
    # submit_sm_resp says "3A1F05" (hex); the receipt, sent before it, says 3809029: the same id in decimal.
    smsc = {"receipt_first": 1, "response_delay_ms": 300, "receipts_in_decimal": 1}
    with smpp_platform(tmp_path, node_smsc_script, tenant_template, smsc=smsc) as platform:
        ids = platform.send("decimal receipt", numbers(2))
        verdict = platform.settle(ids, timeout=3)
        assert_consistent(platform, ids, verdict)
    assert verdict.states == {"delivered": 2}
