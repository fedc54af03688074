"""Call-center test helpers: signed calls to /v3/cc, a second account, groups and agents made through the API."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from switchboard.services.catalog import Catalog, RateInput
from switchboard.services.context import Services
from switchboard.services.tenancy import Tenancy
from tests.conftest import Caller
from tests.fakes.clock import FakeClock


class Cc:
    """One account's view of the call-center API."""

    def __init__(self, client: httpx.AsyncClient, caller: Caller) -> None:
        self.client, self.caller = client, caller

    @property
    def app(self) -> str:
        return self.caller.apps["cc"]

    async def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = await self.client.post(f"/v3/cc{path}", headers=self.caller.headers(), content=json.dumps(body))
        assert response.status_code == 200, response.text
        answer: dict[str, Any] = response.json()
        return answer

    async def get(self, path: str, **query: Any) -> dict[str, Any]:
        response = await self.client.get(f"/v3/cc{path}", headers=self.caller.headers(), params=query)
        assert response.status_code == 200, response.text
        answer: dict[str, Any] = response.json()
        return answer

    async def ok(self, path: str, body: dict[str, Any]) -> Any:
        answer = await self.post(path, body)
        assert answer["status"] == "0", answer
        return answer.get("data")

    async def status(self, path: str, body: dict[str, Any]) -> str:
        return str((await self.post(path, body))["status"])

    async def group(self, name: str = "Support desk") -> int:
        await self.ok("/seatGroup/addGroup", {"appId": self.app, "groupName": name})
        page = await self.ok("/seatGroup/query", {"current": 1, "size": 100, "params": {"groupName": name}})
        return int(next(r["voiceGroupId"] for r in page["records"] if r["groupName"] == name))

    async def agents(self, group_id: int, size: int) -> list[int]:
        made = await self.ok("/seat/addSeatList", {"voiceGroupId": group_id, "size": size})
        return [int(a["keyId"]) for a in made]

    async def page(self, path: str, **params: Any) -> dict[str, Any]:
        data: dict[str, Any] = await self.ok(path, {"current": 1, "size": 100, "params": params})
        return data


@pytest.fixture
def cc(client: httpx.AsyncClient, caller: Caller) -> Cc:
    return Cc(client, caller)


@pytest.fixture
async def other(client: httpx.AsyncClient, services: Services, clock: FakeClock) -> Cc:
    """A second account, for tenant isolation."""
    new = await Tenancy(services).create_account(name="rival", balance="50", currency="USD")
    return Cc(client, Caller(new=new, clock=clock))


@pytest.fixture
async def cc_rate(services: Services) -> None:
    """A call-center rate for every country (tasks need one: -77)."""
    await Catalog(services).set_rates([RateInput(product="cc", country="*", price="0.010", currency="USD")])
