"""Bugs found while putting the voice operations in the schemathesis run (tests/api/test_fuzz.py), by
reading the paths it drives; its sampled cases had not hit them."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from switchboard.services.context import Services
from switchboard.store import voice as store
from tests.conftest import Caller
from tests.voice.conftest import IN, call_api

pytestmark = pytest.mark.usefixtures("voice_rates")
QUERIES = ["/v3/voice/recordGroupQuery", "/voice/recordSipQuery"]


@pytest.mark.parametrize("path", QUERIES)
@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("9999-12-31T00:00:00+00:00", "9999-12-31T23:00:00-05:00"),  # the end is in the year 10000 in UTC
        ("9999-12-31T23:59:59-23:59", "9999-12-31T23:59:59-23:59"),
        ("0001-01-01T00:00:00+14:00", "0001-01-02T00:00:00+00:00"),  # the start is in the year 0 in UTC
    ],
)
async def test_a_window_outside_the_representable_years_is_out_of_range(
    voice_client: httpx.AsyncClient, caller: Caller, path: str, start: str, end: str
) -> None:
    """Well-formed times whose UTC moment is past 9999-12-31 or before 0001-01-01: -25 (was -18, an
    OverflowError when the database driver converted the window to UTC)."""
    body = {"current": 1, "size": 10, "params": {"strTime": start, "endTime": end}}
    answer = await call_api(voice_client, caller, path, body)
    assert answer == {"status": "-25", "reason": "Out of time range"}


FOREIGN = "\u0669\u0661\u0669\u0668\u0667\u0666\u0665\u0664\u0663\u0662\u0661\u0660"  # 919876543210, Arabic-Indic


@pytest.mark.parametrize(
    "fields",
    [
        {"displayNum": FOREIGN},
        {"displayNum": "\uff19\uff11\uff19\uff18\uff17\uff16\uff15\uff14\uff13\uff12\uff11\uff10"},  # fullwidth
        {"accent": "\u0664\u0664"},  # 44
    ],
)
async def test_digits_of_other_scripts_are_a_parameter_exception(
    voice_client: httpx.AsyncClient, caller: Caller, services: Services, fields: dict[str, Any]
) -> None:
    """displayNum and accent are ASCII digits: "٩١٩٨٧٦٥٤٣٢١٠" was accepted as a caller id (queued for the
    SIP From header and shown in records) because a str pattern's \\d matches every script's digits."""
    body = {"appId": caller.apps["voice"], "callee": IN, "text": "Your code is 1 2 3 4", "language": "EN", **fields}
    answer = await call_api(voice_client, caller, "/v3/voice/sendCode", body)
    assert answer["status"] == "-22", answer
    async with services.db.read() as conn:
        assert await store.recent_calls(conn, limit=10) == []
