"""Authentication through HTTP: every failure is HTTP 200 with its product's code and the seed's reason."""

from __future__ import annotations

import httpx
import pytest

from switchboard.auth.authenticate import CODES, Failure
from switchboard.errors import Product
from switchboard.services.context import Services
from switchboard.services.tenancy import Tenancy
from tests.conftest import Caller

BALANCE = "/v3/getBalance"


async def test_a_signed_request_gets_the_balance_as_six_decimal_strings(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    response = await client.get(BALANCE, headers=caller.headers())
    assert response.status_code == 200
    assert response.json() == {
        "status": "0",
        "reason": "success",
        "balance": "100.000000",
        "gift": "0.000000",
        "credit": "0.000000",
    }


async def test_the_mirror_path_and_an_uppercase_sign_and_extra_params_work(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    headers = caller.headers()
    headers["Sign"] = headers["Sign"].upper()
    response = await client.get("/sms/getBalance?appid=whatever", headers=headers)
    assert response.json()["status"] == "0"


async def test_a_get_with_a_json_content_type_and_a_junk_body_is_not_parsed(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    response = await client.request("GET", BALANCE, headers=caller.headers(), content=b"{not json")
    assert response.json()["status"] == "0"


async def test_gift_and_credit_are_reported(client: httpx.AsyncClient, caller: Caller, services: Services) -> None:
    tenancy = Tenancy(services)
    await tenancy.topup(caller.new.account.id, "50.5", gift=True)
    await tenancy.set_credit_line(caller.new.account.id, "20")
    body = (await client.get(BALANCE, headers=caller.headers())).json()
    assert (body["balance"], body["gift"], body["credit"]) == ("100.000000", "50.500000", "20.000000")


def _without(headers: dict[str, str], name: str) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k != name}


@pytest.mark.parametrize(
    ("case", "code", "reason"),
    [
        pytest.param("wrong-secret", "-1", "Authentication error", id="wrong-secret"),
        pytest.param("unknown-key", "-1", "Authentication error", id="unknown-key"),
        pytest.param("missing-sign", "-1", "Authentication error", id="missing-sign"),
        pytest.param("missing-key", "-1", "Authentication error", id="missing-key"),
        pytest.param("missing-timestamp", "-1", "Authentication error", id="missing-timestamp"),
        pytest.param("expired", "-16", "Timestamp expires", id="31-minutes-old"),
        pytest.param("future", "-16", "Timestamp expires", id="31-minutes-ahead"),
        pytest.param("not-a-number", "-16", "Timestamp expires", id="timestamp-not-a-number"),
    ],
)
async def test_authentication_failures(
    client: httpx.AsyncClient, caller: Caller, case: str, code: str, reason: str
) -> None:
    now = int(caller.clock.time())
    headers = {
        "wrong-secret": caller.headers(secret="not-the-secret"),
        "unknown-key": {**caller.headers(), "Api-Key": "nobody"},
        "missing-sign": _without(caller.headers(), "Sign"),
        "missing-key": _without(caller.headers(), "Api-Key"),
        "missing-timestamp": _without(caller.headers(), "Timestamp"),
        "expired": caller.headers(ts=now - 31 * 60),
        "future": caller.headers(ts=now + 31 * 60),
        "not-a-number": {**caller.headers(), "Timestamp": "soon"},
    }[case]
    response = await client.get(BALANCE, headers=headers)
    assert response.status_code == 200
    assert response.json() == {"status": code, "reason": reason}


async def test_a_timestamp_29_minutes_ahead_is_accepted(client: httpx.AsyncClient, caller: Caller) -> None:
    response = await client.get(BALANCE, headers=caller.headers(ts=int(caller.clock.time()) + 29 * 60))
    assert response.json()["status"] == "0"


async def test_a_locked_account_gets_user_locked(client: httpx.AsyncClient, caller: Caller, services: Services) -> None:
    await Tenancy(services).set_account_flags(caller.new.account.id, locked=True)
    assert (await client.get(BALANCE, headers=caller.headers())).json() == {
        "status": "-13",
        "reason": "Users has been locked",
    }


async def test_a_disabled_key_is_an_authentication_error(
    client: httpx.AsyncClient, caller: Caller, services: Services
) -> None:
    await Tenancy(services).update_key(caller.api_key, enabled=False)
    assert (await client.get(BALANCE, headers=caller.headers())).json()["status"] == "-1"


async def test_a_disallowed_ip_is_refused_and_an_allowed_one_passes(
    client: httpx.AsyncClient, caller: Caller, services: Services
) -> None:
    tenancy = Tenancy(services)
    await tenancy.update_key(caller.api_key, allowed_ips=["10.0.0.0/8"])
    assert (await client.get(BALANCE, headers=caller.headers())).json() == {
        "status": "-2",
        "reason": "IP access limited",
    }
    await tenancy.update_key(caller.api_key, allowed_ips=["127.0.0.0/8"])
    assert (await client.get(BALANCE, headers=caller.headers())).json()["status"] == "0"


async def test_a_failed_request_changes_nothing(client: httpx.AsyncClient, caller: Caller, services: Services) -> None:
    before = await Tenancy(services).account(caller.new.account.id)
    await client.get(BALANCE, headers=caller.headers(secret="bad"))
    assert await Tenancy(services).account(caller.new.account.id) == before


async def test_an_unknown_api_path_answers_the_envelope(client: httpx.AsyncClient) -> None:
    answer = await client.get("/v3/noSuchThing")
    assert (answer.status_code, answer.json()["status"]) == (200, "-22")


@pytest.mark.parametrize("product", list(Product), ids=lambda p: p.value)
def test_every_failure_has_a_code_in_every_products_table(product: Product) -> None:
    assert set(CODES[product]) == set(Failure)
    for code in CODES[product].values():
        assert code in product.table


async def test_health_and_metrics(client: httpx.AsyncClient) -> None:
    assert (await client.get("/health")).json()["status"] == "ok"
    metrics = (await client.get("/metrics")).text
    assert "switchboard_messages" in metrics or "# HELP" in metrics
