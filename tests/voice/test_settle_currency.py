"""Accounts quoted in another currency than the platform settles in: voice records (V11/V12) and the result
push (V23) carry currency, settleRate, quoteExchange and settlePay, exact to the micro-unit."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from switchboard.domain import fx
from switchboard.services.catalog import Catalog, RateInput
from switchboard.services.context import Services
from switchboard.services.tenancy import Tenancy
from switchboard.settings import Settings
from switchboard.store.tables import pushes
from tests.api import java_sdk
from tests.conftest import Caller
from tests.fakes.clock import FakeClock
from tests.fakes.voice_trunk import FakeTrunk, Script
from tests.voice.campaign_helpers import Rig, call_rows, send_b, task, task_row
from tests.voice.conftest import IN, upload
from tests.voice.test_engine import engine_with, run_until_idle

pytestmark = pytest.mark.timeout(60)
CALL_URL = "http://receiver.test/calls"


def test_rates_parse_and_convert_exactly() -> None:
    assert fx.parse_rates(" eur=1.08375, CNY=0.138 ,") == {"EUR": "1.08375", "CNY": "0.138"}
    for bad in ("EUR", "EURO=1", "EUR=0", "EUR=-1", "EUR=1e3", "EUR=x"):
        with pytest.raises(ValueError):
            fx.parse_rates(bad)
    assert fx.convert(20_000, "1.08375") == 21_675
    assert (fx.convert(1, "0.5"), fx.convert(1, "0.4999")) == (1, 0)
    assert fx.convert(123_456_789, "0.138") == int((Decimal(123_456_789) * Decimal("0.138")).to_integral_value())
    assert fx.settle_fields(price=1, cost=1, exchange=None) == {"settleRate": "", "quoteExchange": "", "settlePay": ""}
    assert fx.exchange_for("USD", "USD", {"USD": "1"}) is None
    assert fx.exchange_for("EUR", "USD", {}) is None


def test_settings_read_the_rates_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SWITCHBOARD_EXCHANGE_RATES", "EUR=1.08,CNY=0.138")
    monkeypatch.setenv("SWITCHBOARD_SETTLE_CURRENCY", "USD")
    settings = Settings()
    assert settings.exchange_rates == {"EUR": "1.08", "CNY": "0.138"} and settings.settle_currency == "USD"
    monkeypatch.setenv("SWITCHBOARD_EXCHANGE_RATES", "EUR=nope")
    with pytest.raises(ValueError):
        Settings()


async def euro_caller(services: Services, clock: FakeClock) -> Caller:
    new = await Tenancy(services).create_account(name="euro", balance="100", currency="EUR")
    await Catalog(services).set_rates([RateInput("voice", "IN", "0.02", currency="EUR")])
    await Tenancy(services).update_app(new.apps["voice"], call_url=CALL_URL)
    return Caller(new=new, clock=clock)


async def test_records_and_the_push_of_a_euro_account_show_the_settlement(
    voice_client: httpx.AsyncClient, services: Services, clock: FakeClock
) -> None:
    services.settings.exchange_rates = {"EUR": "1.08375"}
    caller = await euro_caller(services, clock)
    body = {"callee": IN, "displayNum": None, "language": "EN", "appId": caller.apps["voice"]}
    sent = await java_sdk.post(
        voice_client, caller, "/v3/voice/sendCode", {**body, "text": "Code 1 2 3 4", "loopCount": None}
    )
    assert sent["status"] == "0", sent
    voice_id = sent["data"]
    queued = await java_sdk.get(voice_client, caller, f"/v3/voice/recordGroup/{voice_id}")
    record = queued["data"]
    assert (record["currency"], record["quoteExchange"], record["settleRate"], record["settlePay"]) == (
        "EUR",
        "1.08375",
        "0.021675",
        "0.000000",
    )
    await run_until_idle(await engine_with(services, FakeTrunk("t1", default=Script(talk=30))))
    done = (await java_sdk.get(voice_client, caller, f"/v3/voice/recordGroup/{voice_id}"))["data"]
    assert (done["cost"], done["settlePay"], done["settleRate"]) == ("0.020000", "0.021675", "0.021675")
    async with services.db.read() as conn:
        (push_body,) = (await conn.execute(sa.select(pushes.c.body))).scalars().all()
    pushed = json.loads(push_body)
    assert (pushed["currency"], pushed["quoteExchange"], pushed["settleRate"], pushed["settlePay"]) == (
        "EUR",
        "1.08375",
        "0.021675",
        "0.021675",
    )
    # The exchange is the one of the moment the call was accepted: a later change does not rewrite it.
    services.settings.exchange_rates = {"EUR": "2"}
    again = (await java_sdk.get(voice_client, caller, f"/v3/voice/recordGroup/{voice_id}"))["data"]
    assert again["quoteExchange"] == "1.08375"
    window = {"strTime": "2026-11-29T00:00:00+00:00", "endTime": "2026-11-30T00:00:00+00:00"}
    page = await java_sdk.post(
        voice_client, caller, "/v3/voice/recordGroupQuery", {"current": 1, "size": 10, "params": window}
    )
    (listed,) = page["data"]["records"]
    assert (listed["settlePay"], listed["quoteExchange"]) == ("0.021675", "1.08375")


async def test_an_account_quoted_in_the_settlement_currency_leaves_them_empty(
    voice_client: httpx.AsyncClient, services: Services, caller: Caller
) -> None:
    services.settings.exchange_rates = {"EUR": "1.08"}
    await Catalog(services).set_rates([RateInput("voice", "IN", "0.02")])
    body = {"callee": IN, "displayNum": None, "language": "EN", "appId": caller.apps["voice"], "loopCount": None}
    sent = await java_sdk.post(voice_client, caller, "/v3/voice/sendCode", {**body, "text": "Code 1 2 3 4"})
    record = (await java_sdk.get(voice_client, caller, f"/v3/voice/recordGroup/{sent['data']}"))["data"]
    assert (record["currency"], record["settleRate"], record["quoteExchange"], record["settlePay"]) == (
        "USD",
        "",
        "",
        "",
    )


async def test_the_calls_of_a_euro_task_carry_the_exchange_of_its_acceptance(
    voice_client: httpx.AsyncClient, services: Services, clock: FakeClock, tmp_path: Path
) -> None:
    services.settings.exchange_rates = {"EUR": "1.08375"}
    caller = await euro_caller(services, clock)
    file_id = await upload(voice_client, caller, tmp_path, "promo.wav", seconds=1.0)
    numbers = [f"9198765{i:05d}" for i in range(3)]
    answer = await send_b(voice_client, caller, "/v3/voice/group/call/send", task(caller, file_id, numbers))
    assert answer["code"] == "0", answer
    campaign_id = int(answer["data"])
    assert (await task_row(services, campaign_id))["quote_exchange"] == "1.08375"
    services.settings.exchange_rates = {"EUR": "2"}  # a later change does not reach the task's calls
    rig = await Rig(services, FakeTrunk("t1", default=Script(talk=30))).start()
    try:
        await rig.run_until(campaign_id, 2)
    finally:
        await rig.stop()
    calls = await call_rows(services)
    assert [c["quote_exchange"] for c in calls] == ["1.08375"] * 3
    async with services.db.read() as conn:
        bodies = [json.loads(b) for b in (await conn.execute(sa.select(pushes.c.body))).scalars().all()]
    assert len(bodies) == 3
    for pushed in bodies:
        assert (pushed["currency"], pushed["quoteExchange"], pushed["cost"]) == ("EUR", "1.08375", "0.020000")
        assert (pushed["settleRate"], pushed["settlePay"]) == ("0.021675", "0.021675")
