"""Oversized numbers and form fields get a clear refusal, never a 500 or a traceback."""

from __future__ import annotations

import httpx

from switchboard.services.context import Services
from tests.conftest import Caller
from tests.console.conftest import Session


async def test_record_mo_with_a_huge_page_number_is_a_parameter_error(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    window = {"strTime": "2026-11-29T00:00:00+00:00", "endTime": "2026-11-29T12:00:00+00:00"}
    for current in (2**62, 2**70, 1_000_001):
        body = {"appId": caller.apps["sms"], "current": current, "size": 10, "params": window}
        answer = await client.post("/v3/recordMo", headers=caller.headers(), json=body)
        assert answer.status_code == 200 and answer.json()["status"] == "-22", (current, answer.text)


async def test_a_console_form_field_over_one_mib_is_refused_with_a_page(services: Services, admin: Session) -> None:
    answer = await admin.client.post("/console/accounts", data=admin.form(name="x" * 1_100_000), headers=admin.headers)
    assert answer.status_code == 400 and "refused" in answer.text
