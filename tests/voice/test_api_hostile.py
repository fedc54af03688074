"""Hostile input on every voice endpoint: any JSON value in any field gives an envelope, never -18 or a 5xx."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import Caller

pytestmark = pytest.mark.usefixtures("voice_rates")
FIELDS = [
    "appId",
    "callee",
    "fileId",
    "text",
    "language",
    "speakingRate",
    "ssmlGender",
    "accent",
    "loopCount",
    "maxDuration",
    "maxRingingTime",
    "recallCount",
    "recallInterval",
    "displayNum",
    "calledInfo",
    "fileName",
    "file",
    "fileIdList",
    "current",
    "size",
    "params",
]
VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.floats(allow_nan=True) | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(["strTime", "endTime", "x"]), inner, max_size=3)
    ),
    max_leaves=6,
)
PATHS = ["fileUpload", "fileQuery", "fileDel", "sendGroup", "sendCode", "recordGroupQuery", "recordSipQuery"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    path=st.sampled_from(PATHS),
    body=st.dictionaries(st.sampled_from(FIELDS), VALUES, max_size=6),
    real_app=st.booleans(),
)
async def test_any_body_gets_an_envelope(
    voice_client: httpx.AsyncClient, caller: Caller, path: str, body: dict[str, Any], real_app: bool
) -> None:
    if real_app:
        body["appId"] = caller.apps["voice"]
    response = await voice_client.post(f"/v3/voice/{path}", headers=caller.headers(), content=json.dumps(body))
    assert response.status_code == 200
    answer = response.json()
    assert isinstance(answer["status"], str) and isinstance(answer["reason"], str)
    assert answer["status"] != "-18", (path, body, answer)


@pytest.mark.parametrize("raw", [b"[1,2]", b"not json", b'"text"', b"\xff\xfe"])
async def test_bodies_that_are_not_objects_are_minus_22(
    voice_client: httpx.AsyncClient, caller: Caller, raw: bytes
) -> None:
    for path in ("sendCode", "fileUpload"):
        answer = (await voice_client.post(f"/v3/voice/{path}", headers=caller.headers(), content=raw)).json()
        assert answer["status"] == "-22"


@pytest.mark.parametrize("voice_id", ["abc", "1" * 25, "%00", "2611291200000000001%20"])
async def test_odd_record_ids(voice_client: httpx.AsyncClient, caller: Caller, voice_id: str) -> None:
    answer = (await voice_client.get(f"/v3/voice/recordGroup/{voice_id}", headers=caller.headers())).json()
    assert answer["status"] in ("-22", "-24")
