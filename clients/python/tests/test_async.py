"""The async client: same methods, same results, same errors as the sync one (they share the core)."""

from __future__ import annotations

import inspect
from decimal import Decimal

import pytest
from sdk_testing import FakeApi, Seen
from switchboard_client import AsyncClient, Client, SendGroup, SmsError

SENT = {
    "status": "0",
    "reason": "success",
    "success": "1",
    "fail": "0",
    "array": [{"msgId": "2611291200000000001", "number": "919876543210", "orderId": ""}],
}


def _report(seen: Seen) -> dict[str, object]:
    ids = seen.query["msgIds"].split(",")
    items = [{"msgId": i, "number": "91", "receiveTime": "2026-11-29T12:00:01+00:00", "status": "0"} for i in ids]
    return {"status": "0", "reason": "success", "success": str(len(ids)), "fail": "0", "sending": "0",
            "nofound": "0", "array": items}  # fmt: skip


def test_both_clients_have_the_same_public_methods_and_parameters() -> None:
    def public(cls: type) -> dict[str, list[str]]:
        return {
            name: list(inspect.signature(member).parameters)
            for name, member in vars(cls).items()
            if callable(member) and not name.startswith("_") and name not in ("close", "aclose")
        }

    assert public(Client) == public(AsyncClient)
    assert set(public(Client)) >= {"balance", "send", "send_batch", "get_report", "sent_records", "mo_records"}


async def test_async_methods_return_the_same_types(aclient: AsyncClient, api: FakeApi) -> None:
    api.route("/v3/getBalance", {"status": "0", "reason": "success", "balance": "2.5", "gift": "0", "credit": "1"})
    api.route("/v3/sendSms", SENT)
    api.route("/v3/sendSms/batch", SENT)
    api.route("/v3/getReport", _report)
    balance = await aclient.balance()
    assert (balance.balance, balance.credit) == (Decimal("2.5"), Decimal(1))
    sent = await aclient.send(["919876543210"], "hello", order_ids="o1")
    assert sent.msg_ids == ["2611291200000000001"]
    assert api.seen[-1].body["orderId"] == "o1"
    assert (await aclient.send_batch([SendGroup("919876543210", "hi")])).success == 1
    report = await aclient.get_report([f"26112912000000{n:05d}" for n in range(401)])
    assert report.success == 401 and len(report.items) == 401
    assert len(api.calls("/v3/getReport")) == 3
    generic = await aclient.request("sms", "GET", "/v3/getBalance", {"appid": "ignored"})
    assert generic["balance"] == "2.5" and api.seen[-1].query == {"appid": "ignored"}


async def test_async_refusals_raise_the_same_errors(aclient: AsyncClient, api: FakeApi) -> None:
    api.route("/v3/sendSms", {"status": "-4", "reason": "SMS content is empty"})
    with pytest.raises(SmsError) as caught:
        await aclient.send("919876543210", "")
    assert caught.value.code == -4
