"""The phones page of the console: admins see every phone with its registration; account users may not."""

from __future__ import annotations

from datetime import timedelta

from switchboard.services.context import Services
from switchboard.store import phones as store
from tests.console.conftest import Browser, Session, make_user, new_account, session_of
from tests.voice.registrar_peers import make_phones


async def test_admins_see_phones_and_their_registration(services: Services, admin: Session) -> None:
    (registered, _), (idle, _) = await make_phones(services, 2)
    now = services.clock.now()
    async with services.db.write() as conn:
        phone = await store.get_phone(conn, registered)
        assert phone is not None
        await store.upsert_registration(
            conn,
            phone_id=phone.id,
            contact=f"sip:{registered}@127.0.0.1:5099",
            source="127.0.0.1:5099",
            transport="udp",
            user_agent="<b>baresip</b>",
            call_id="c1",
            cseq=1,
            registered_at=now,
            expires_at=now + timedelta(seconds=120),
        )
    page = await admin.client.get("/console/phones")
    assert page.status_code == 200
    assert registered in page.text and idle in page.text and "1 registered" in page.text
    assert "127.0.0.1:5099 udp" in page.text and "&lt;b&gt;baresip&lt;/b&gt;" in page.text
    assert "No phone." in (await admin.client.get("/console/phones?app=none")).text


async def test_account_users_do_not_reach_phones(services: Services, browser: Browser) -> None:
    account = await new_account(services, "voice")
    await make_user(services, "admin@example.test")
    await make_user(services, "user@example.test", "account", account.account.id)
    user = await session_of(browser, "user@example.test")
    assert (await user.client.get("/console/phones")).status_code == 403
