"""Forged carrier callbacks: receipts and inbound messages from someone who is not the carrier."""

from __future__ import annotations

import httpx
import sqlalchemy as sa

from switchboard.auth.carrier_auth import TOKEN_HEADER, signature
from switchboard.services.carriers import CarrierAdmin
from switchboard.services.context import Services
from switchboard.services.users import Users
from switchboard.store.tables import early_receipts, inbound_messages

RECEIPT = {"message_id": "planted-1", "status": "FAILED"}
INBOUND = {"from": "+919800000001", "to": "12345", "text": "forged"}


async def _web_carrier(services: Services, **callback: object) -> str:
    await CarrierAdmin(services).add("web", "http", {"url": "https://carrier.example/send"})
    return await CarrierAdmin(services).set_callback("web", **callback)  # type: ignore[arg-type]


async def _count(services: Services, table: sa.Table) -> int:
    async with services.db.read() as conn:
        return int((await conn.execute(sa.select(sa.func.count()).select_from(table))).scalar_one())


async def test_forged_receipts_and_inbound_are_refused_like_an_unknown_carrier(
    client: httpx.AsyncClient, services: Services
) -> None:
    secret = await _web_carrier(services)
    unknown = await client.post("/carriers/nobody/receipt", json=RECEIPT)
    answers = [
        await client.post("/carriers/web/receipt", json=RECEIPT),
        await client.post("/carriers/web/wrong-secret-0123456789/receipt", json=RECEIPT),
        await client.post("/carriers/web/receipt", json=RECEIPT, headers={TOKEN_HEADER: "wrong"}),
        await client.post("/carriers/web/inbound", json=INBOUND),
        await client.post(f"/carriers/nobody/{secret}/inbound", json=INBOUND),
        await client.get("/carriers/web/receipt", params=RECEIPT),
    ]
    for answer in [unknown, *answers]:
        assert (answer.status_code, answer.json()) == (404, {"detail": "Not Found"})
        assert answer.headers.get("content-length") == unknown.headers.get("content-length")
    assert await _count(services, early_receipts) == 0
    assert await _count(services, inbound_messages) == 0


async def test_the_carrier_with_its_secret_in_the_path_or_header_is_heard(
    client: httpx.AsyncClient, services: Services
) -> None:
    secret = await _web_carrier(services)
    by_path = await client.post(f"/carriers/web/{secret}/receipt", json=RECEIPT)
    assert (by_path.status_code, by_path.json()) == (200, {"ok": True, "final": True})
    by_header = await client.post("/carriers/web/inbound", json=INBOUND, headers={TOKEN_HEADER: secret})
    assert by_header.status_code == 200
    assert await _count(services, early_receipts) == 1
    assert await _count(services, inbound_messages) == 1
    # A new secret replaces the old one at once.
    await CarrierAdmin(services).set_callback("web")
    assert (await client.post(f"/carriers/web/{secret}/receipt", json=RECEIPT)).status_code == 404
    # A disabled carrier is no longer heard, secret or not.
    fresh = await CarrierAdmin(services).set_callback("web")
    await CarrierAdmin(services).set_enabled("web", False)
    assert (await client.post(f"/carriers/web/{fresh}/receipt", json=RECEIPT)).status_code == 404


async def test_hmac_mode_checks_the_signature_of_the_body(client: httpx.AsyncClient, services: Services) -> None:
    secret = await _web_carrier(services, mode="hmac", header="X-Hub-Signature-256")
    body = b'{"message_id": "m-1", "status": "DELIVERED"}'
    headers = {"Content-Type": "application/json"}
    good = {**headers, "X-Hub-Signature-256": "sha256=" + signature(secret, body)}
    assert (await client.post("/carriers/web/receipt", content=body, headers=good)).status_code == 200
    tampered = body.replace(b"DELIVERED", b"FAILED")
    assert (await client.post("/carriers/web/receipt", content=tampered, headers=good)).status_code == 404
    # The plain secret is not enough in hmac mode.
    assert (await client.post(f"/carriers/web/{secret}/receipt", content=body, headers=headers)).status_code == 404


async def test_callbacks_only_from_the_listed_addresses(client: httpx.AsyncClient, services: Services) -> None:
    secret = await _web_carrier(services, allow_ips=["192.0.2.0/24"])
    # The test client connects from 127.0.0.1: the right secret from elsewhere is refused.
    assert (await client.post(f"/carriers/web/{secret}/receipt", json=RECEIPT)).status_code == 404
    await CarrierAdmin(services).set_callback("web", secret=secret, allow_ips=["127.0.0.1"])
    assert (await client.post(f"/carriers/web/{secret}/receipt", json=RECEIPT)).status_code == 200


async def test_the_secret_is_stored_sealed_and_hidden(services: Services) -> None:
    secret = await _web_carrier(services)
    carrier = await CarrierAdmin(services).get("web")
    assert secret not in str(carrier.config)
    assert services.secrets.open(carrier.config["callback"]["secret"]) == secret


async def test_junk_receipts_are_held_up_to_a_cap_per_carrier(client: httpx.AsyncClient, services: Services) -> None:
    services.settings.held_receipts_per_carrier = 5
    secret = await _web_carrier(services)
    for n in range(8):
        answer = await client.post(f"/carriers/web/{secret}/receipt", json={"message_id": f"junk-{n}", "status": "X"})
        assert answer.status_code == 200  # not final: not even held
        answer = await client.post(
            f"/carriers/web/{secret}/receipt", json={"message_id": f"junk-{n}", "status": "DELIVERED"}
        )
        assert answer.status_code == 200
    assert await _count(services, early_receipts) == 5
    metrics = (await client.get("/metrics")).text
    assert 'switchboard_receipts_total{result="dropped"} 3.0' in metrics
    assert 'switchboard_held_receipts_dropped_total{carrier="web"} 3.0' in metrics


async def test_operators_set_the_secret_from_the_admin_api_and_the_console(
    client: httpx.AsyncClient, services: Services
) -> None:
    from tests.console.conftest import PASSWORD, make_user, sign_in

    await make_user(services, "ops@example.com")
    await CarrierAdmin(services).add("web", "http", {"url": "https://carrier.example/send"})
    await CarrierAdmin(services).add("sim", "simulator", {})
    token = await Users(services).issue_token("ops@example.com")
    bearer = {"Authorization": f"Bearer {token}"}
    answer = await client.post("/admin/api/carriers/web/callback", json={"allowIps": ["127.0.0.1"]}, headers=bearer)
    assert answer.status_code == 200
    secret = answer.json()["secret"]
    assert answer.json()["receiptPath"] == f"/carriers/web/{secret}/receipt"
    assert (await client.post(f"/carriers/web/{secret}/receipt", json=RECEIPT)).status_code == 200
    listed = (await client.get("/admin/api/carriers", headers=bearer)).json()
    assert secret not in str(listed)
    refused = await client.post("/admin/api/carriers/sim/callback", json={}, headers=bearer)
    assert refused.status_code == 422
    # The console: a button on the carriers page shows a new secret once.
    assert (await sign_in(client, "ops@example.com", PASSWORD)).status_code == 303
    csrf = (await client.get("/admin/api/me")).json()["csrfToken"]
    page = await client.post("/console/carriers/web/callback", data={"csrf_token": csrf})
    assert page.status_code == 200
    fresh = page.text.split('id="new-callback-secret">')[1].split("<")[0]
    assert fresh != secret
    assert (await client.post(f"/carriers/web/{secret}/receipt", json=RECEIPT)).status_code == 404
    assert (await client.post(f"/carriers/web/{fresh}/receipt", json=RECEIPT)).status_code == 200
