"""Group-call tasks in the console: admins see every task with its progress, and one task with its counts,
its outcomes chart and its numbers (linked to their calls and SMS); account users may not."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from switchboard.auth.authenticate import Principal
from switchboard.services.audio import AudioFiles
from switchboard.services.campaigns import CampaignService
from switchboard.services.catalog import Catalog, RateInput
from switchboard.services.context import Services
from switchboard.store import tenants
from tests.console.conftest import Browser, Session, make_user, new_account, session_of
from tests.fakes.voice_trunk import FakeTrunk, Script
from tests.voice.campaign_helpers import Rig
from tests.voice.conftest import tone_wav

pytestmark = pytest.mark.timeout(60)
NUMBERS = ["919876500001", "919876500002", "919876500003"]


async def a_finished_task(services: Services, tmp_path: Path) -> int:
    await Catalog(services).set_rates([RateInput("voice", "IN", "0.02")])
    account = await new_account(services, "voice")
    async with services.db.read() as conn:
        key = await tenants.get_key(conn, account.api_key)
        acct = await tenants.get_account(conn, account.account.id)
        app = await tenants.get_app(conn, account.apps["voice"])
    assert key and acct and app
    principal = Principal(key=key, account=acct, app=app)
    wav = base64.b64encode(tone_wav(tmp_path / "t.wav", 1.0)).decode()
    file_id = await AudioFiles(services).upload(principal, "promo.wav", wav)
    body = {"taskName": "<b>promo</b>", "numberList": NUMBERS, "source": 1, "voiceFileId": file_id, "maxCalls": 60}
    campaign_id = await CampaignService(services).send(principal, body)
    scripts = {NUMBERS[0]: Script(code=486), NUMBERS[1]: Script(talk=2, keys="3")}
    rig = await Rig(services, FakeTrunk("t1", scripts=scripts)).start()
    try:
        await rig.run_until(campaign_id, 2)
    finally:
        await rig.stop()
    return campaign_id


async def test_admins_see_tasks_with_progress_chart_and_numbers(
    services: Services, admin: Session, tmp_path: Path
) -> None:
    campaign_id = await a_finished_task(services, tmp_path)
    listing = await admin.client.get("/console/campaigns")
    assert listing.status_code == 200
    assert (
        "&lt;b&gt;promo&lt;/b&gt;" in listing.text
        and "100.00%" in listing.text
        and 'hx-trigger="every 3s"' in listing.text
    )
    page = await admin.client.get(f"/console/campaigns/{campaign_id}")
    assert page.status_code == 200
    assert all(number in page.text for number in NUMBERS)
    assert "66.67%" in page.text  # two of three answered
    assert page.text.count('class="delivered"') >= 1 and "key pressed" in page.text
    assert "/console/calls/" in page.text
    done = await admin.client.get(f"/console/campaigns/{campaign_id}?state=invalid")
    assert not any(number in done.text for number in NUMBERS)
    assert (await admin.client.get("/console/campaigns/999")).status_code == 404
    assert (await admin.client.get("/console/campaigns/abc")).status_code == 404


async def test_account_users_do_not_reach_campaigns(services: Services, browser: Browser) -> None:
    account = await new_account(services, "voice")
    await make_user(services, "admin@example.test")
    await make_user(services, "user@example.test", "account", account.account.id)
    user = await session_of(browser, "user@example.test")
    assert (await user.client.get("/console/campaigns")).status_code == 403
