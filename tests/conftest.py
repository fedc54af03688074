"""Shared fixtures: a fresh, migrated database per test (SQLite and PostgreSQL), services, an app client."""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Coroutine, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet

from switchboard.app import create_app
from switchboard.auth.signature import sign
from switchboard.services.context import Services
from switchboard.services.tenancy import NewAccount, Tenancy
from switchboard.settings import Settings
from switchboard.store import migrate
from switchboard.store.database import Database
from switchboard.store.tables import metadata
from tests.fakes.clock import FakeClock

PG_ADMIN_URL = os.environ.get("SWITCHBOARD_TEST_PG", "postgresql://127.0.0.1:5432/test")
MASTER_KEY = Fernet.generate_key()


def _run(coro: Coroutine[Any, Any, None]) -> None:
    """Run a coroutine to completion on a loop of its own (fixtures may be set up inside a running loop)."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, coro).result()


def _pg_parts() -> tuple[str, str]:
    base, _, _db = PG_ADMIN_URL.rpartition("/")
    return base, _db


async def _pg_admin(sql: str) -> None:
    import asyncpg

    base, admin_db = _pg_parts()
    conn = await asyncpg.connect(f"{base}/{admin_db}")
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def _migrate(url: str) -> None:
    db = Database(url)
    try:
        await migrate.upgrade(db)
    finally:
        await db.dispose()


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A PostgreSQL database of this test run, migrated once and dropped at the end."""
    name = f"sb_test_{uuid.uuid4().hex[:12]}"
    try:
        _run(_pg_admin(f'CREATE DATABASE "{name}"'))
    except OSError as exc:
        pytest.fail(f"PostgreSQL is not reachable at {PG_ADMIN_URL}: {exc}")
    base, _ = _pg_parts()
    url = f"{base.replace('postgresql://', 'postgresql+asyncpg://')}/{name}"
    _run(_migrate(url))
    yield url
    _run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    _run(_migrate(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def db(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    if backend == "sqlite":
        path = tmp_path / "switchboard.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        database = Database(f"sqlite+aiosqlite:///{path}")
    else:
        database = Database(request.getfixturevalue("pg_url"))
        names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
        async with database.write() as conn:
            await conn.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
    yield database
    await database.dispose()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", master_key=MASTER_KEY.decode())


@pytest.fixture
def services(settings: Settings, db: Database, clock: FakeClock) -> Services:
    return Services.build(settings, db=db, clock=clock)


@pytest.fixture
async def client(settings: Settings, services: Services) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, services=services, run_migrations=False)
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://switchboard.test") as http:
        yield http


@dataclass
class Caller:
    """Credentials of a test account and a way to sign requests with them."""

    new: NewAccount
    clock: FakeClock

    @property
    def api_key(self) -> str:
        return self.new.api_key

    @property
    def apps(self) -> dict[str, str]:
        return self.new.apps

    def headers(self, *, secret: str | None = None, ts: int | None = None) -> dict[str, str]:
        timestamp = str(ts if ts is not None else int(self.clock.time()))
        return {
            "Api-Key": self.new.api_key,
            "Sign": sign(self.new.api_key, secret or self.new.api_secret, timestamp),
            "Timestamp": timestamp,
            "Content-Type": "application/json;charset=UTF-8",
        }


@pytest.fixture
async def caller(services: Services, clock: FakeClock) -> Caller:
    new = await Tenancy(services).create_account(name="acme", balance="100", currency="USD")
    return Caller(new=new, clock=clock)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests that start real processes run one after another on one xdist worker (``--dist loadgroup``),
    so two of them never compete for the two cores; the fast tests share the other worker."""
    for item in items:
        if item.get_closest_marker("integration") is not None:
            item.add_marker(pytest.mark.xdist_group("integration"))
