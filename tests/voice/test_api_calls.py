"""sendGroup, sendCode and the record queries through HTTP, on SQLite and PostgreSQL: every code, the money
reserved at acceptance, and nothing changed when a request is refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from switchboard.services.context import Services
from switchboard.services.tenancy import Tenancy
from switchboard.store import tenants
from switchboard.store import voice as store
from switchboard.store.voice_tables import voice_calls
from tests.conftest import Caller
from tests.fakes.clock import FakeClock
from tests.voice.conftest import IN, US, call_api, upload

CN = "8613800138000"
pytestmark = pytest.mark.usefixtures("voice_rates")


async def state(services: Services, account_id: int) -> dict[str, Any]:
    async with services.db.read() as conn:
        account = await tenants.get_account(conn, account_id)
        calls = [dict(r._mapping) for r in await conn.execute(sa.select(voice_calls).order_by(voice_calls.c.id))]
        totals = await tenants.ledger_totals(conn, account_id)
    assert account is not None and totals == (account.balance, account.gift), "the ledger must equal the balance"
    return {"balance": account.balance, "calls": calls}


def group(caller: Caller, file_id: str, **fields: Any) -> dict[str, Any]:
    return {"appId": caller.apps["voice"], "callee": IN, "fileId": file_id, **fields}


def code(caller: Caller, **fields: Any) -> dict[str, Any]:
    return {"appId": caller.apps["voice"], "callee": IN, "text": "Your code is 1 2 3 4", "language": "EN", **fields}


async def test_send_group_reserves_each_call_and_answers_per_callee(
    voice_client: httpx.AsyncClient, caller: Caller, services: Services, tmp_path: Path
) -> None:
    file_id = await upload(voice_client, caller, tmp_path, "promo.wav", seconds=70)
    body = group(caller, file_id, callee=f"{IN},12,{CN},{US}", loopCount=1, calledInfo="campaign-7")
    answer = await call_api(voice_client, caller, "/v3/voice/sendGroup", body)
    assert answer["status"] == "0"
    rows = answer["data"]
    assert [(r["callee"], r["terminationCode"]) for r in rows] == [(IN, "0"), ("12", "-22"), (CN, "-26"), (US, "0")]
    assert rows[1]["terminationReason"] == "Parameter exception" and rows[1]["voiceId"] == ""
    assert all(r["voiceId"].isdigit() and 19 <= len(r["voiceId"]) <= 20 for r in (rows[0], rows[3]))
    after = await state(services, caller.new.account.id)
    # 70 s of audio + 1 s grace = 71 s -> two 60 s blocks reserved: IN 2 x 0.02, US 2 x 0.01
    assert after["balance"] == 100_000_000 - 40_000 - 20_000
    assert [
        (c["callee"], c["reserved"], c["limit_seconds"], c["status"], c["called_info"]) for c in after["calls"]
    ] == [
        (IN, 40_000, 71, "queued", "campaign-7"),
        (US, 20_000, 71, "queued", "campaign-7"),
    ]
    assert after["calls"][0]["region"] == "India" and after["calls"][1]["region"] == "United States(Washington D.C.)"


async def test_max_duration_caps_the_reservation(
    voice_client: httpx.AsyncClient, caller: Caller, services: Services, tmp_path: Path
) -> None:
    file_id = await upload(voice_client, caller, tmp_path, "long.wav", seconds=70)
    answer = await call_api(
        voice_client, caller, "/voice/sendGroup", group(caller, file_id, maxDuration=30, loopCount=3)
    )
    assert answer["status"] == "0"
    (row,) = (await state(services, caller.new.account.id))["calls"]
    assert (row["limit_seconds"], row["reserved"], row["loop_count"], row["max_ringing"]) == (30, 20_000, 3, 60)


async def test_send_group_codes_change_nothing(
    voice_client: httpx.AsyncClient, caller: Caller, services: Services, tmp_path: Path
) -> None:
    file_id = await upload(voice_client, caller, tmp_path, "promo.wav", seconds=1)
    unknown = "261129" + "0" * 32 + ".wav"
    before = await state(services, caller.new.account.id)
    cases = [
        (group(caller, file_id, callee=None), "-22"),
        (group(caller, file_id, callee=",".join([IN] * 1001)), "-23"),
        (group(caller, file_id, fileId=None), "-50"),
        (group(caller, unknown), "-48"),
        (group(caller, file_id, maxDuration=0), "-22"),
        (group(caller, file_id, maxRingingTime=121), "-22"),
        (group(caller, file_id, loopCount=4), "-22"),
        (group(caller, file_id, callee="12,34"), "-22"),
        (group(caller, file_id, callee=CN), "-26"),
        (group(caller, file_id, appId=caller.apps["sms"]), "-52"),
        ({"callee": IN, "fileId": file_id}, "-22"),
    ]
    for body, expected in cases:
        answer = await call_api(voice_client, caller, "/v3/voice/sendGroup", body)
        assert answer["status"] == expected, (body, answer)
    assert await state(services, caller.new.account.id) == before


async def test_insufficient_balance_is_minus_10(
    voice_client: httpx.AsyncClient, caller: Caller, services: Services, tmp_path: Path
) -> None:
    poor = await Tenancy(services).create_account(name="poor", balance="0.03")
    poor_caller = Caller(new=poor, clock=caller.clock)
    file_id = await upload(voice_client, poor_caller, tmp_path, "promo.wav", seconds=1)
    body = {"appId": poor.apps["voice"], "callee": f"{IN},{IN}", "fileId": file_id}
    answer = await call_api(voice_client, poor_caller, "/v3/voice/sendGroup", body)
    assert (answer["status"], answer["reason"]) == ("-10", "The customer's balance is insufficient")
    assert (await call_api(voice_client, poor_caller, "/v3/voice/sendGroup", {**body, "callee": IN}))["status"] == "0"


async def test_a_deleted_file_cannot_be_sent(voice_client: httpx.AsyncClient, caller: Caller, tmp_path: Path) -> None:
    file_id = await upload(voice_client, caller, tmp_path, "promo.wav", seconds=1)
    await call_api(voice_client, caller, "/v3/voice/fileDel", {"fileIdList": [file_id]})
    assert (await call_api(voice_client, caller, "/v3/voice/sendGroup", group(caller, file_id)))["status"] == "-48"


async def test_send_code_renders_and_reserves(
    voice_client: httpx.AsyncClient, caller: Caller, services: Services
) -> None:
    answer = await call_api(
        voice_client, caller, "/v3/voice/sendCode", code(caller, loopCount=2, recallCount=1, recallInterval=2)
    )
    assert answer["status"] == "0" and answer["data"].isdigit() and 19 <= len(answer["data"]) <= 20
    (row,) = (await state(services, caller.new.account.id))["calls"]
    assert row["voice_id"] == answer["data"] and row["type"] == 2 and row["language"] == "EN"
    assert row["audio"].startswith("tts:") and 1000 < row["audio_ms"] < 5000
    assert row["limit_seconds"] == -(-row["audio_ms"] * 2 // 1000) + 1 and row["reserved"] == 20_000
    assert (row["recall_count"], row["recall_interval"]) == (1, 2)
    async with services.db.read() as conn:
        assert await store.latest_voice_id(conn) == answer["data"]


async def test_send_code_codes(voice_client: httpx.AsyncClient, caller: Caller, services: Services) -> None:
    cases = [
        (code(caller, text=None), "-38"),
        (code(caller, language=None), "-38"),
        (code(caller, language="XX"), "-39"),
        (code(caller, language="auto", text="1234 5678"), "-39"),
        (code(caller, language="TL"), "-47"),
        (code(caller, callee="123"), "-22"),
        (code(caller, callee=CN), "-26"),
        (code(caller, speakingRate=0.1), "-22"),
        (code(caller, loopCount=10), "-22"),
        (code(caller, text="x" * 1001), "-22"),
        (code(caller, maxDuration=200), "-22"),
    ]
    for body, expected in cases:
        answer = await call_api(voice_client, caller, "/v3/voice/sendCode", body)
        assert answer["status"] == expected, (body, answer)
    assert (await state(services, caller.new.account.id))["calls"] == []


async def test_auto_language_detection_and_the_daily_long_text_limit(
    voice_client: httpx.AsyncClient, caller: Caller, services: Services, clock: FakeClock
) -> None:
    answer = await call_api(
        voice_client,
        caller,
        "/v3/voice/sendCode",
        code(caller, language="auto", text="Su código de verificación es 1 2 3 4"),
    )
    assert answer["status"] == "0"
    assert (await state(services, caller.new.account.id))["calls"][0]["language"] == "ES"
    long_text = "Your verification code is 1 2 3 4. " * 15  # 525 characters
    for _ in range(5):
        assert (await call_api(voice_client, caller, "/v3/voice/sendCode", code(caller, text=long_text)))[
            "status"
        ] == "0"
    refused = await call_api(voice_client, caller, "/v3/voice/sendCode", code(caller, text=long_text))
    assert refused["status"] == "-46"
    clock.advance(86400)
    assert (await call_api(voice_client, caller, "/v3/voice/sendCode", code(caller, text=long_text)))["status"] == "0"


async def test_the_balance_must_cover_the_reservation(
    voice_client: httpx.AsyncClient, caller: Caller, services: Services
) -> None:
    poor = await Tenancy(services).create_account(name="poor", balance="0.01")
    answer = await call_api(
        voice_client,
        Caller(new=poor, clock=caller.clock),
        "/v3/voice/sendCode",
        {**code(caller), "appId": poor.apps["voice"]},
    )
    assert answer["status"] == "-10"


async def test_records_by_id_and_by_window(
    voice_client: httpx.AsyncClient, caller: Caller, services: Services, clock: FakeClock
) -> None:
    voice_id = (await call_api(voice_client, caller, "/v3/voice/sendCode", code(caller, calledInfo="order-9")))["data"]
    record = await call_api(voice_client, caller, f"/v3/voice/recordGroup/{voice_id}")
    assert record["status"] == "0"
    data = record["data"]
    assert (data["voiceId"], data["callee"], data["terminationCode"], data["terminationReason"]) == (
        voice_id,
        IN,
        "",
        "queued",
    )
    assert (data["submitTime"], data["callTime"], data["feedbackValue"], data["calledInfo"]) == (
        "2026-11-29T12:00:00+00:00",
        "",
        "-1",
        "order-9",
    )
    assert (data["rate"], data["cost"], data["billPeriod"], data["currency"]) == (
        "0.020000",
        "0.000000",
        "60+60",
        "USD",
    )
    assert (await call_api(voice_client, caller, f"/voice/recordGroup/{voice_id}"))["data"]["voiceId"] == voice_id
    assert (await call_api(voice_client, caller, "/v3/voice/recordGroup/1234"))["status"] == "-22"
    assert (await call_api(voice_client, caller, "/v3/voice/recordGroup/2611291200000099999"))["status"] == "-24"
    assert (await call_api(voice_client, caller, f"/v3/voice/recordSip/{voice_id}"))["status"] == "-24"
    other = await Tenancy(services).create_account(name="other", balance="1")
    assert (await call_api(voice_client, Caller(new=other, clock=clock), f"/v3/voice/recordGroup/{voice_id}"))[
        "status"
    ] == "-24"

    window = {"strTime": "2026-11-29T00:00:00+00:00", "endTime": "2026-11-30T00:00:00+00:00"}
    page = await call_api(
        voice_client, caller, "/v3/voice/recordGroupQuery", {"current": 1, "size": 10, "params": window}
    )
    assert page["status"] == "0" and page["data"]["total"] == 1 and page["data"]["searchCount"] is True
    assert page["data"]["records"][0]["voiceId"] == voice_id
    flat = await call_api(voice_client, caller, "/v3/voice/recordGroupQuery", window)
    assert (flat["data"]["current"], flat["data"]["size"], flat["data"]["total"]) == (1, 25, 1)
    sip = await call_api(voice_client, caller, "/v3/voice/recordSipQuery", {"current": 1, "size": 10, "params": window})
    assert sip["data"]["total"] == 0 and sip["data"]["records"] == []
    for params, expected in [
        ({"strTime": "2026-10-01T00:00:00+00:00", "endTime": "2026-11-29T00:00:00+00:00"}, "-25"),
        ({"strTime": "2026-11-30T00:00:00+00:00", "endTime": "2026-11-29T00:00:00+00:00"}, "-25"),
        ({"strTime": "2026-01-01T00:00:00+00:00", "endTime": "2026-01-02T00:00:00+00:00"}, "-25"),
        ({"strTime": "yesterday", "endTime": "today"}, "-22"),
        ({"strTime": "2026-11-29T00:00:00+00:00"}, "-22"),
    ]:
        answer = await call_api(voice_client, caller, "/v3/voice/recordGroupQuery", {"params": params})
        assert answer["status"] == expected, params
    assert (await call_api(voice_client, caller, "/v3/voice/recordGroupQuery", {"size": 500, "params": window}))[
        "status"
    ] == "-22"
    clock.advance(63 * 86400)
    assert (await call_api(voice_client, caller, f"/v3/voice/recordGroup/{voice_id}"))["status"] == "-24"
