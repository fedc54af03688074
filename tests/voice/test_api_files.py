"""fileUpload, fileQuery and fileDel through HTTP, on SQLite and PostgreSQL: every code, nothing changed on failure."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest

from switchboard.services.audio import FILE_ID
from switchboard.services.context import Services
from switchboard.services.tenancy import Tenancy
from tests.conftest import Caller
from tests.voice.audio_files import encode
from tests.voice.conftest import b64, call_api, tone_wav, upload

UPLOAD = "/v3/voice/fileUpload"


async def query(client: httpx.AsyncClient, caller: Caller, **body: Any) -> dict[str, Any]:
    answer = await call_api(client, caller, "/v3/voice/fileQuery", dict(body))
    assert answer["status"] == "0", answer
    return dict(answer["data"])


async def test_a_wav_upload_is_converted_and_listed(
    voice_client: httpx.AsyncClient, caller: Caller, services: Services, tmp_path: Path
) -> None:
    file_id = await upload(voice_client, caller, tmp_path, "greeting.wav", seconds=2.0)
    assert FILE_ID.match(file_id) and file_id.endswith(".wav")
    stored = services.settings.data_dir / "audio" / f"{file_id}.ul"
    assert stored.stat().st_size == 16000  # 2 s of 8 kHz mu-law
    page = await query(voice_client, caller)
    assert (page["total"], page["current"], page["size"], page["pages"]) == (1, 1, 25, 1)
    assert page["records"] == [
        {"fileId": file_id, "fileName": "greeting.wav", "duration": 2, "createTime": "2026-11-29T12:00:00+00:00"}
    ]


@pytest.mark.parametrize(
    ("container", "codec", "name"), [("mp3", "libmp3lame", "tone.mp3"), ("ipod", "aac", "tone.m4a")]
)
async def test_mp3_and_m4a_uploads_are_decoded(
    voice_client: httpx.AsyncClient, caller: Caller, services: Services, container: str, codec: str, name: str
) -> None:
    data = await asyncio.to_thread(encode, container, codec)
    answer = await call_api(voice_client, caller, "/voice/fileUpload", {"fileName": name, "file": b64(data)})
    assert answer["status"] == "0", answer
    size = (services.settings.data_dir / "audio" / f"{answer['data']}.ul").stat().st_size
    assert 7900 <= size <= 8400


async def test_upload_codes(voice_client: httpx.AsyncClient, caller: Caller, tmp_path: Path) -> None:
    wav = b64(await asyncio.to_thread(tone_wav, tmp_path / "t.wav"))
    cases = [
        ({"file": wav}, "-51"),
        ({"fileName": "hello.wav"}, "-51"),
        ({"fileName": ".wav", "file": wav}, "-22"),  # under 5 characters
        ({"fileName": "x" * 29 + ".wav", "file": wav}, "-22"),  # 33 characters
        ({"fileName": "hello.ogg", "file": wav}, "-21"),
        ({"fileName": "hello.wav", "file": b64(b"not audio at all")}, "-21"),
        ({"fileName": "hello.mp3", "file": b64(b"\x00" * 2000)}, "-21"),
    ]
    for body, code in cases:
        answer = await call_api(voice_client, caller, UPLOAD, body)
        assert answer["status"] == code, (body.get("fileName"), answer)
    assert (await call_api(voice_client, caller, UPLOAD, {"fileName": "hello.wav", "file": wav}))["status"] == "0"
    again = await call_api(voice_client, caller, UPLOAD, {"fileName": "hello.wav", "file": wav})
    assert (again["status"], again["reason"]) == ("-20", "Data existing")
    assert (await query(voice_client, caller))["total"] == 1


async def test_a_bad_signature_is_refused(voice_client: httpx.AsyncClient, caller: Caller) -> None:
    headers = {**caller.headers(), "Sign": "0" * 32}
    answer = (await voice_client.post(UPLOAD, headers=headers, content=b"{}")).json()
    assert answer == {"status": "-1", "reason": "Authentication error"}


async def test_paging_and_its_limits(voice_client: httpx.AsyncClient, caller: Caller, tmp_path: Path) -> None:
    for n in range(3):
        await upload(voice_client, caller, tmp_path, f"file{n}.wav", seconds=0.2)
    page = await query(voice_client, caller, current=2, size=2)
    assert (page["total"], page["pages"], len(page["records"])) == (3, 2, 1)
    for body in ({"size": 0}, {"size": 101}, {"current": 0}, {"size": "ten"}):
        assert (await call_api(voice_client, caller, "/v3/voice/fileQuery", body))["status"] == "-22"


async def test_delete_codes_and_atomicity(
    voice_client: httpx.AsyncClient, caller: Caller, services: Services, tmp_path: Path
) -> None:
    first = await upload(voice_client, caller, tmp_path, "first.wav", seconds=0.2)
    second = await upload(voice_client, caller, tmp_path, "second.wav", seconds=0.2)
    other = await Tenancy(services).create_account(name="other", balance="1")
    unknown = "261129" + "0" * 32 + ".wav"
    cases: list[tuple[dict[str, Any], str]] = [
        ({}, "-50"),
        ({"fileIdList": []}, "-50"),
        ({"fileIdList": [first] * 101}, "-23"),
        ({"fileIdList": ["recording-17.mp3"]}, "-49"),
        ({"fileIdList": [42]}, "-49"),
        ({"fileIdList": {"id": first}}, "-22"),
        ({"fileIdList": [first, unknown]}, "-48"),
    ]
    for body, code in cases:
        assert (await call_api(voice_client, caller, "/v3/voice/fileDel", body))["status"] == code, body
    assert (await query(voice_client, caller))["total"] == 2  # nothing was deleted
    stranger = Caller(new=other, clock=caller.clock)
    assert (await call_api(voice_client, stranger, "/v3/voice/fileDel", {"fileIdList": [first]}))["status"] == "-48"
    answer = await call_api(voice_client, caller, "/v3/voice/fileDel", {"fileIdList": f"{first},{second}"})
    assert answer == {"status": "0", "reason": "success", "data": None}
    assert (await query(voice_client, caller))["total"] == 0
    assert (await call_api(voice_client, caller, "/v3/voice/fileDel", {"fileIdList": [first]}))["status"] == "-48"
    await upload(voice_client, caller, tmp_path, "first.wav", seconds=0.2)  # the name is free again
