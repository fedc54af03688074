"""Voice parameter codes as the vendor's Java SDK meets them: its request classes send every field (unset
ones as null); a value out of range or a callee sendCode cannot call answers -22, the code the contract
lists for sendGroup and sendCode, and changes nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from switchboard.services.context import Services
from switchboard.store.voice_tables import voice_calls
from tests.api import java_sdk
from tests.conftest import Caller
from tests.voice.conftest import IN, US, upload

pytestmark = pytest.mark.usefixtures("voice_rates")


def send_code(caller: Caller, **fields: Any) -> dict[str, Any]:
    """SendCodeDTO: callee, displayNum, language, appId, text, loopCount."""
    return {
        "callee": IN,
        "displayNum": None,
        "language": "EN",
        "appId": caller.apps["voice"],
        "text": "Your code is 1,2,3,4",
        "loopCount": None,
        **fields,
    }


def send_group(caller: Caller, file_id: str, **fields: Any) -> dict[str, Any]:
    """SendGroupDTO's fields, unset ones null."""
    return {
        "callee": IN,
        "displayNum": None,
        "fileId": file_id,
        "appId": caller.apps["voice"],
        "maxDuration": None,
        "maxRingingTime": None,
        "loopCount": None,
        "calledInfo": None,
        **fields,
    }


async def calls(services: Services) -> int:
    async with services.db.read() as conn:
        return int((await conn.execute(sa.select(sa.func.count()).select_from(voice_calls))).scalar_one())


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({"callee": f"{IN},{US}"}, id="two-callees"),
        pytest.param({"callee": f"{IN};{US}"}, id="two-callees-semicolon"),
        pytest.param({"callee": "12"}, id="abnormal-callee"),
        pytest.param({"loopCount": 10}, id="loopCount-over-9"),
        pytest.param({"loopCount": 0}, id="loopCount-zero"),
        pytest.param({"maxDuration": 121}, id="maxDuration-over-120"),
        pytest.param({"maxRingingTime": 19}, id="maxRingingTime-under-20"),
        pytest.param({"maxRingingTime": "121"}, id="maxRingingTime-text-over-120"),
    ],
)
async def test_send_code_parameter_problems_are_22(
    voice_client: httpx.AsyncClient, caller: Caller, services: Services, fields: dict[str, Any]
) -> None:
    answer = await java_sdk.post(voice_client, caller, "/v3/voice/sendCode", send_code(caller, **fields))
    assert answer == {"status": "-22", "reason": "Parameter exception"}
    assert await calls(services) == 0


async def test_send_code_with_the_sdks_nulls_is_accepted(
    voice_client: httpx.AsyncClient, caller: Caller, services: Services
) -> None:
    answer = await java_sdk.post(voice_client, caller, "/v3/voice/sendCode", send_code(caller))
    assert answer["status"] == "0", answer
    assert await calls(services) == 1


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({"maxDuration": 0}, id="maxDuration-zero"),
        pytest.param({"maxRingingTime": 121}, id="maxRingingTime-over-120"),
        pytest.param({"loopCount": 4}, id="loopCount-over-3"),
        pytest.param({"callee": "12,34"}, id="no-callable-callee"),
    ],
)
async def test_send_group_parameter_problems_are_22(
    voice_client: httpx.AsyncClient, caller: Caller, services: Services, tmp_path: Path, fields: dict[str, Any]
) -> None:
    file_id = await upload(voice_client, caller, tmp_path)
    answer = await java_sdk.post(voice_client, caller, "/v3/voice/sendGroup", send_group(caller, file_id, **fields))
    assert answer == {"status": "-22", "reason": "Parameter exception"}
    assert await calls(services) == 0


async def test_send_group_answers_an_abnormal_callee_with_22_in_its_row(
    voice_client: httpx.AsyncClient, caller: Caller, tmp_path: Path
) -> None:
    file_id = await upload(voice_client, caller, tmp_path)
    answer = await java_sdk.post(
        voice_client, caller, "/v3/voice/sendGroup", send_group(caller, file_id, callee=f"{IN},12")
    )
    assert answer["status"] == "0"
    assert [(r["callee"], r["terminationCode"]) for r in answer["data"]] == [(IN, "0"), ("12", "-22")]
