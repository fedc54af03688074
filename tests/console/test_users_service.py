"""The users service: the demo operator, the console's off switch, sessions' lifetimes."""

from __future__ import annotations

import sqlalchemy as sa

from switchboard.services.context import Services
from switchboard.services.users import DEMO_EMAIL, SESSION_TTL, Users, ensure_demo_operator
from switchboard.store.console_tables import user_sessions
from tests.fakes.clock import FakeClock


async def test_the_demo_operator_is_created_once_and_its_printed_login_works(services: Services) -> None:
    email, password = await ensure_demo_operator(services)
    assert email == DEMO_EMAIL and len(password) == 20
    assert await ensure_demo_operator(services) == (email, password)
    assert len(await Users(services).users()) == 1
    user = await Users(services).authenticate(email, password)
    assert user is not None and user.is_admin and await Users(services).operator_exists()


async def test_the_demo_login_is_restored_when_it_no_longer_works(services: Services) -> None:
    email, password = await ensure_demo_operator(services)
    await Users(services).set_password(email, "changed by someone")
    assert await ensure_demo_operator(services) == (email, password)
    assert await Users(services).authenticate(email, password) is not None


async def test_a_disabled_demo_operator_stays_disabled_after_a_restart(services: Services) -> None:
    email, password = await ensure_demo_operator(services)
    await Users(services).set_enabled(email, False)
    assert await ensure_demo_operator(services) == (email, "")
    assert await Users(services).authenticate(email, password) is None


async def test_expired_sessions_are_swept_when_someone_signs_in(services: Services, clock: FakeClock) -> None:
    users = Users(services)
    user = await users.create_user("a@example.test", "long enough", "admin")
    first = await users.open_session(user)
    clock.advance(SESSION_TTL.total_seconds() + 1)
    assert await users.session(first.token) is None
    await users.open_session(user)
    async with services.db.read() as conn:
        assert (await conn.execute(sa.select(sa.func.count()).select_from(user_sessions))).scalar_one() == 1


async def test_a_user_email_is_unique_whatever_its_case(services: Services) -> None:
    users = Users(services)
    await users.create_user("a@example.test", "long enough", "admin")
    try:
        await users.create_user("A@EXAMPLE.test", "long enough", "admin")
    except Exception as exc:
        assert "exists" in str(exc)
    else:
        raise AssertionError("a second user with the same email was created")
