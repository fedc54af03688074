"""Voice calls in the admin API and the console: admins read them with their pushes; account users may not."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from switchboard.services.context import Services
from switchboard.services.recordings import recordings_dir
from switchboard.store import pushes
from switchboard.store.voice_tables import voice_calls
from tests.console.conftest import Browser, Session, make_user, new_account, session_of

VOICE_ID = "2611291200000000001"


async def a_call(services: Services, account_id: int, app_id: str) -> None:
    now = services.clock.now()
    row: dict[str, Any] = {
        "voice_id": VOICE_ID,
        "account_id": account_id,
        "app_id": app_id,
        "type": 2,
        "callee": "919876543210",
        "country": "IN",
        "audio": "tts:abc",
        "audio_ms": 3000,
        "text": "<b>1234</b>",
        "loop_count": 1,
        "max_ringing": 30,
        "status": "done",
        "due_at": now,
        "trunk": "sipp",
        "price": 20_000,
        "bill_block": 60,
        "limit_seconds": 60,
        "reserved": 20_000,
        "cost": 20_000,
        "currency": "USD",
        "call_duration": 12,
        "charged_duration": 60,
        "termination_reason": "<i>answered</i>",
        "created_at": now,
        "hangup_at": now,
    }
    async with services.db.write() as conn:
        await conn.execute(sa.insert(voice_calls).values(**row))
        await pushes.enqueue(
            conn,
            account_id=account_id,
            app_id=app_id,
            kind="call",
            ref=VOICE_ID,
            url="https://c.test/call",
            body="{}",
            now=now,
        )


async def test_admins_see_calls_with_their_pushes(services: Services, admin: Session) -> None:
    account = await new_account(services, "voice")
    await a_call(services, account.account.id, account.apps["voice"])
    [listed] = (await admin.client.get("/admin/api/calls?status=done")).json()
    assert listed["voiceId"] == VOICE_ID and listed["cost"] == "0.020000" and listed["callDuration"] == 12
    detail = (await admin.client.get(f"/admin/api/calls/{VOICE_ID}")).json()
    assert [p["url"] for p in detail["pushes"]] == ["https://c.test/call"]
    assert (await admin.client.get("/admin/api/calls/1")).status_code == 404
    page = await admin.client.get(f"/console/calls/{VOICE_ID}")
    assert page.status_code == 200 and "&lt;i&gt;answered&lt;/i&gt;" in page.text and "push #1" in page.text
    assert VOICE_ID in (await admin.client.get("/console/calls")).text


async def test_a_bridged_calls_page_plays_its_recording(services: Services, admin: Session) -> None:
    account = await new_account(services, "voice")
    await a_call(services, account.account.id, account.apps["voice"])
    folder = recordings_dir(services)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "rec.wav").write_bytes(b"RIFF-not-really")
    async with services.db.write() as conn:
        values = {"type": 3, "sip_group_name": "sales", "phone_name": "desk", "recording_file_id": "rec.wav"}
        await conn.execute(voice_calls.update().where(voice_calls.c.voice_id == VOICE_ID).values(**values))
    page = await admin.client.get(f"/console/calls/{VOICE_ID}")
    assert f'<audio controls preload="none" src="/console/calls/{VOICE_ID}/recording">' in page.text
    audio = await admin.client.get(f"/console/calls/{VOICE_ID}/recording")
    assert audio.status_code == 200 and audio.content == b"RIFF-not-really"
    assert audio.headers["content-type"] == "audio/wav"
    assert (await admin.client.get("/console/calls/1/recording")).status_code == 404


async def test_account_users_do_not_reach_calls(services: Services, browser: Browser) -> None:
    account = await new_account(services, "voice")
    await make_user(services, "admin@example.test")
    await make_user(services, "user@example.test", "account", account.account.id)
    user = await session_of(browser, "user@example.test")
    assert (await user.client.get("/admin/api/calls")).status_code == 403
    assert (await user.client.get("/console/calls")).status_code == 403
    assert (await user.client.get(f"/console/calls/{VOICE_ID}/recording")).status_code == 403
