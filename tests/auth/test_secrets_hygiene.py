"""API secrets never appear in logs, error answers, CLI listings or the database in clear."""

from __future__ import annotations

import json
import logging

import httpx
import pytest
import sqlalchemy as sa

from switchboard.services.context import Services
from switchboard.store.tables import api_keys
from tests.conftest import Caller


async def test_secrets_are_not_logged_nor_echoed_in_answers(
    client: httpx.AsyncClient, caller: Caller, services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    secret = caller.new.api_secret
    answers = [
        await client.get("/v3/getBalance", headers=caller.headers()),
        await client.get("/v3/getBalance", headers=caller.headers(secret="wrong-secret")),
        await client.post("/v3/sendSms", headers=caller.headers(), content=b"{broken"),
        await client.post("/v3/sendSms", headers=caller.headers(), content=json.dumps({"appId": caller.apps["sms"]})),
    ]
    for answer in answers:
        assert secret not in answer.text
    assert secret not in caplog.text
    assert secret not in repr(services.secrets) and secret not in repr(services.settings)


async def test_the_stored_secret_is_ciphertext(services: Services, caller: Caller) -> None:
    async with services.db.read() as conn:
        stored = (await conn.execute(sa.select(api_keys.c.secret_enc))).scalars().all()
    assert stored and all(caller.new.api_secret not in value for value in stored)


def test_the_master_key_is_not_in_the_settings_repr(services: Services) -> None:
    key = services.settings.resolved_master_key().decode()
    assert key not in repr(services.settings) and key not in str(services.settings.model_dump())
