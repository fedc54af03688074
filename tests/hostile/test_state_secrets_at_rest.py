"""What a stolen database or a curious local user reads: carrier credentials are sealed with the master key,
and the data folder and SQLite files are private to the owner."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import sqlalchemy as sa

from switchboard.services.carrier_secrets import seal_stored
from switchboard.services.carriers import CarrierAdmin, build_connector
from switchboard.services.context import Services
from switchboard.store import carriers as store
from switchboard.store.tables import carriers
from tests.integration.server import base_env, cli

SMPP = {"host": "127.0.0.1", "port": 2775, "system_id": "acme", "password": "s3cretpw"}
HTTP = {"url": "https://carrier.test/send", "headers": {"Authorization": "Bearer tok-123456"}}


async def _stored_text(services: Services) -> str:
    async with services.db.read() as conn:
        return json.dumps([dict(r.config) for r in await conn.execute(sa.select(carriers))])


async def test_carrier_passwords_and_header_secrets_are_stored_sealed(services: Services) -> None:
    admin = CarrierAdmin(services)
    await admin.add("smsc", "smpp", SMPP)
    await admin.add("web", "http", HTTP)
    text = await _stored_text(services)
    assert "s3cretpw" not in text and "tok-123456" not in text and "password_enc" in text
    smpp = build_connector(await admin.get("smsc"), services)
    assert smpp.config.password == "s3cretpw"  # type: ignore[attr-defined]
    web = build_connector(await admin.get("web"), services)
    assert web.config.headers == HTTP["headers"]  # type: ignore[attr-defined]


async def test_carriers_stored_in_plain_text_are_sealed_in_place(services: Services) -> None:
    async with services.db.write() as conn:
        await store.insert_carrier(conn, name="old", type_="smpp", config=SMPP, now=services.clock.now())
    assert await seal_stored(services) == 1
    assert "s3cretpw" not in await _stored_text(services)
    assert build_connector(await CarrierAdmin(services).get("old"), services).config.password == "s3cretpw"  # type: ignore[attr-defined]
    assert await seal_stored(services) == 0


def test_a_new_data_folder_and_its_database_are_private(tmp_path: Path) -> None:
    data = tmp_path / "data"
    cli(base_env(data), "account", "create", "--name", "private")
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    for name in ("switchboard.db", "switchboard.db-wal", "switchboard.db-shm"):
        if (data / name).exists():
            assert stat.S_IMODE((data / name).stat().st_mode) == 0o600, name
    assert (data / "switchboard.db").exists()
