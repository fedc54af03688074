"""Against a real ``switchboard serve`` (started by the ``live_server`` fixture): send, report, balance, errors,
and the five-line example of docs/sdk.md, executed exactly as written."""

from __future__ import annotations

import contextlib
import io
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sdk_testing import LiveServer
from switchboard_client import AsyncClient, Client, Report, SmsError

pytestmark = pytest.mark.integration

DOC = Path(__file__).resolve().parents[3] / "docs" / "sdk.md"
NUMBER = "919876543210"


@pytest.fixture
def live(live_server: LiveServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Client]:
    for name, value in live_server.env().items():
        monkeypatch.setenv(name, value)
    with Client() as client:
        yield client


def wait_delivered(client: Client, msg_ids: list[str], timeout: float = 15.0) -> Report:
    deadline = time.monotonic() + timeout
    while True:
        report = client.get_report(msg_ids)
        if len(report.items) == len(msg_ids) and all(i.status == "delivered" for i in report.items):
            return report
        assert time.monotonic() < deadline, f"not delivered in {timeout} s: {report}"
        time.sleep(0.25)


def test_send_is_delivered_and_charged(live: Client) -> None:
    before = live.balance()
    assert before.balance > 0
    sent = live.send(NUMBER, "hello from the SDK", order_ids=["live-1"])
    assert (sent.success, sent.fail) == (1, 0)
    (message,) = sent.messages
    assert (message.number, message.order_id) == (NUMBER, "live-1")
    assert re.fullmatch(r"\d{19}", message.msg_id)
    report = wait_delivered(live, [message.msg_id])
    assert (report.success, report.sending, report.fail, report.nofound) == (1, 0, 0, 0)
    (item,) = report.items
    assert item.msg_id == message.msg_id and item.number == NUMBER
    assert item.receive_time is not None and item.receive_time.tzinfo is not None
    assert live.balance().balance == before.balance - Decimal("0.01")
    window = list(live.sent_records(datetime.now(UTC) - timedelta(hours=1), datetime.now(UTC) + timedelta(minutes=5)))
    assert any(r.msg_id == message.msg_id and r.status == "delivered" for r in window)


def test_refusals_raise_sms_error_and_charge_nothing(live: Client, live_server: LiveServer) -> None:
    before = live.balance()
    with pytest.raises(SmsError) as caught:
        live.send(NUMBER, "")
    assert (caught.value.code, caught.value.reason) == (-4, "SMS content is empty")
    with pytest.raises(SmsError) as caught:
        live.get_report(["not-an-id"])
    assert caught.value.code == -14
    with Client(live_server.api_key, "wrong-secret", live_server.base_url) as wrong:
        with pytest.raises(SmsError) as caught:
            wrong.balance()
    assert caught.value.code == -1
    assert live.balance() == before


def test_mo_records_on_an_empty_window(live: Client) -> None:
    now = datetime.now(UTC)
    assert list(live.mo_records(now - timedelta(days=1), now, page_size=10)) == []


async def test_the_async_client_against_the_server(live_server: LiveServer) -> None:
    async with AsyncClient(
        live_server.api_key, live_server.api_secret, live_server.base_url, app_id=live_server.app_id
    ) as client:
        sent = await client.send([NUMBER], "hello from asyncio")
        assert sent.success == 1
        balance = await client.balance()
        assert balance.balance < Decimal(10)


def doc_example() -> str:
    text = DOC.read_text()
    block = text.split("<!-- example:start -->", 1)[1].split("<!-- example:end -->", 1)[0]
    code = re.search(r"```python\n(.*?)```", block, re.DOTALL)
    assert code is not None, "docs/sdk.md: no python block between the example markers"
    return code.group(1)


def test_the_docs_example_runs_as_written(live: Client) -> None:
    code = doc_example()
    assert len(code.strip().splitlines()) == 6  # the five lines of code and one blank line
    before = live.balance()
    namespace: dict[str, object] = {"__name__": "docs_example"}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, str(DOC), "exec"), namespace)  # noqa: S102 (the documented example itself)
    printed = out.getvalue().split()
    assert [int(n) for n in printed[:4]] in ([0, 0, 0, 1], [0, 1, 0, 0], [1, 0, 0, 0])
    sent = namespace["sent"]
    assert hasattr(sent, "msg_ids")
    wait_delivered(live, sent.msg_ids)
    assert live.balance().balance == before.balance - Decimal("0.01")
