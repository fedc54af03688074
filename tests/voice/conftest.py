"""Voice test helpers: the voice router on the test app, voice rates, audio made with sox."""

from __future__ import annotations

import asyncio
import base64
import json
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import switchboard.store.voice_tables  # noqa: F401  (the voice tables join the shared metadata)
from switchboard.api import voice
from switchboard.app import create_app
from switchboard.services.catalog import Catalog, RateInput
from switchboard.services.context import Services
from switchboard.settings import Settings
from tests.conftest import Caller

IN = "919876543210"
US = "12025550123"


@pytest.fixture
async def voice_client(settings: Settings, services: Services) -> AsyncIterator[httpx.AsyncClient]:
    """The test app with the voice router (mounted here too until routes.py mounts it)."""
    app = create_app(settings, services=services, run_migrations=False)
    paths = {getattr(route, "path", "") for route in app.routes}
    if "/v3/voice/sendCode" not in paths:
        app.include_router(voice.router, prefix="/v3/voice")
        app.include_router(voice.router, prefix="/voice")
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://switchboard.test") as http:
        yield http


@pytest.fixture
async def voice_rates(services: Services) -> None:
    """0.02 per 60-second block to India, 0.01 to the US; no rate elsewhere."""
    await Catalog(services).set_rates([RateInput("voice", "IN", "0.02"), RateInput("voice", "US", "0.01")])


async def call_api(client: httpx.AsyncClient, caller: Caller, path: str, body: dict[str, Any] | None = None) -> Any:
    if body is None:
        response = await client.get(path, headers=caller.headers())
    else:
        response = await client.post(path, headers=caller.headers(), content=json.dumps(body))
    assert response.status_code == 200
    return response.json()


def tone_wav(path: Path, seconds: float = 1.0, rate: int = 16000) -> bytes:
    """A sine tone as a WAV file (made with sox)."""
    subprocess.run(
        ["sox", "-n", "-r", str(rate), "-c", "1", "-b", "16", str(path), "synth", str(seconds), "sine", "440"],
        check=True,
    )
    return path.read_bytes()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


async def upload(
    client: httpx.AsyncClient, caller: Caller, tmp_path: Path, name: str = "hello.wav", seconds: float = 1.0
) -> str:
    data = await asyncio.to_thread(tone_wav, tmp_path / name, seconds)
    answer = await call_api(client, caller, "/v3/voice/fileUpload", {"fileName": name, "file": b64(data)})
    assert answer["status"] == "0", answer
    return str(answer["data"])
