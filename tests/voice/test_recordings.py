"""Recordings of bridged calls: getVoiceFile (V22) streams one to its account only, fileDel (V13) deletes it,
retention removes old ones; a sendSip record and push name it."""

from __future__ import annotations

import subprocess
from datetime import timedelta
from typing import Any

import httpx
import pytest

from switchboard.domain.voice import records
from switchboard.services.context import Services
from switchboard.services.recordings import Recordings, new_name, recordings_dir
from switchboard.services.retention import prune
from switchboard.services.tenancy import Tenancy
from tests.conftest import Caller
from tests.fakes.clock import FakeClock
from tests.voice.conftest import call_api

pytestmark = pytest.mark.timeout(60)


async def a_recording(services: Services, caller: Caller, voice_id: str = "2612051200000000001") -> str:
    folder = recordings_dir(services)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{new_name(voice_id)}.wav"
    subprocess.run(
        ["sox", "-n", "-r", "8000", "-c", "1", "-b", "16", str(path), "synth", "0.5", "sine", "440"], check=True
    )
    row = {"account_id": caller.new.account.id, "app_id": caller.apps["voice"], "voice_id": voice_id}
    return await Recordings(services).keep(path, row)


async def download(client: httpx.AsyncClient, caller: Caller, file_id: str | None) -> httpx.Response:
    query = "" if file_id is None else f"?voiceFileId={file_id}"
    return await client.get(f"/v3/voice/getVoiceFile{query}", headers=caller.headers())


async def other_caller(services: Services, clock: FakeClock) -> Caller:
    return Caller(new=await Tenancy(services).create_account(name="rival", balance="5", currency="USD"), clock=clock)


async def test_the_owner_downloads_a_recording_as_an_attachment(
    services: Services, caller: Caller, voice_client: httpx.AsyncClient
) -> None:
    file_id = await a_recording(services, caller)
    answer = await download(voice_client, caller, file_id)
    assert answer.status_code == 200 and answer.headers["content-type"] == "audio/wav"
    assert answer.headers["content-disposition"] == f'attachment; filename="{file_id}"'
    assert answer.content == Recordings(services).path(file_id).read_bytes()


@pytest.mark.parametrize(
    ("file_id", "code"),
    [
        pytest.param(None, "-22", id="missing"),
        pytest.param("../../etc/passwd", "-24", id="path-like"),
        pytest.param("2612051200000000001" + "0" * 16 + ".mp3", "-24", id="unknown"),
    ],
)
async def test_bad_or_unknown_ids_answer_in_the_voice_envelope(
    services: Services, caller: Caller, voice_client: httpx.AsyncClient, file_id: str | None, code: str
) -> None:
    answer = await download(voice_client, caller, file_id)
    assert answer.status_code == 200 and answer.json()["status"] == code


async def test_another_accounts_recording_is_not_found(
    services: Services, caller: Caller, clock: FakeClock, voice_client: httpx.AsyncClient
) -> None:
    file_id = await a_recording(services, caller)
    rival = await other_caller(services, clock)
    answer = await download(voice_client, rival, file_id)
    assert answer.json()["status"] == "-24"
    deleted = await call_api(voice_client, rival, "/v3/voice/fileDel", {"fileIdList": [file_id]})
    assert deleted["status"] == "-48" and Recordings(services).path(file_id).exists()


async def test_file_del_deletes_a_recording_once(
    services: Services, caller: Caller, voice_client: httpx.AsyncClient
) -> None:
    file_id = await a_recording(services, caller)
    answer = await call_api(voice_client, caller, "/v3/voice/fileDel", {"fileIdList": [file_id]})
    assert answer["status"] == "0" and not Recordings(services).path(file_id).exists()
    assert (await download(voice_client, caller, file_id)).json()["status"] == "-24"
    again = await call_api(voice_client, caller, "/v3/voice/fileDel", {"fileIdList": [file_id]})
    assert again["status"] == "-48"


async def test_retention_removes_old_recordings(services: Services, caller: Caller, clock: FakeClock) -> None:
    file_id = await a_recording(services, caller)
    assert (await prune(services))["recordings"] == 0
    clock.advance(timedelta(days=services.settings.retention_days + 1).total_seconds())
    assert (await prune(services))["recordings"] == 1
    assert not Recordings(services).path(file_id).exists()


def test_a_sip_record_and_push_name_the_phone_and_the_recording() -> None:
    row: dict[str, Any] = {
        "type": 3,
        "sip_group_name": "sales-desk",
        "phone_name": "front-desk",
        "recording_file_id": "x.mp3",
        "audio": "phone:4821930571",
    }
    body = records._bridged(row, {"voiceFileId": ""})
    assert body == {
        "voiceFileId": "x.mp3",
        "sipGroupName": "sales-desk",
        "phoneName": "front-desk",
        "recordingFileId": "x.mp3",
    }
    assert records._bridged({**row, "type": 1}, {"voiceFileId": ""}) == {"voiceFileId": ""}
