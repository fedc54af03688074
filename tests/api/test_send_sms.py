"""sendSms and sendSms/batch through HTTP: every code, partial failures, billing, and no change on failure."""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import sqlalchemy as sa

from switchboard.errors import Product
from switchboard.services.catalog import Catalog, RateInput
from switchboard.services.context import Services
from switchboard.services.tenancy import Tenancy
from switchboard.store import tenants
from switchboard.store.tables import ledger, messages
from tests.conftest import Caller

IN = "919876543210"
CN = "8613800138000"
US = "12025550123"


@pytest.fixture
async def priced(services: Services) -> None:
    await Catalog(services).set_rates(
        [RateInput("sms", "*", "0.01"), RateInput("sms", "IN", "0.02"), RateInput("sms", "US", "0.005")]
    )


async def snapshot(services: Services, account_id: int) -> dict[str, Any]:
    async with services.db.read() as conn:
        account = await tenants.get_account(conn, account_id)
        n_messages = (await conn.execute(sa.select(sa.func.count()).select_from(messages))).scalar_one()
        n_ledger = (await conn.execute(sa.select(sa.func.count()).select_from(ledger))).scalar_one()
        totals = await tenants.ledger_totals(conn, account_id)
    assert account is not None
    assert totals == (account.balance, account.gift), "the ledger must equal the balance"
    return {"balance": account.balance, "gift": account.gift, "messages": n_messages, "ledger": n_ledger}


async def post(client: httpx.AsyncClient, caller: Caller, body: dict[str, Any], path: str = "/v3/sendSms") -> Any:
    response = await client.post(path, headers=caller.headers(), content=json.dumps(body))
    assert response.status_code == 200
    return response.json()


def body(caller: Caller, **fields: Any) -> dict[str, Any]:
    return {"appId": caller.apps["sms"], "numbers": IN, "content": "Hello from Switchboard", **fields}


@pytest.mark.usefixtures("priced")
async def test_a_post_to_two_numbers_is_charged_and_answered_with_msgids(
    client: httpx.AsyncClient, caller: Caller, services: Services
) -> None:
    answer = await post(client, caller, body(caller, numbers=f"{IN},{CN}", orderId="a1,a2"))
    assert answer["status"] == "0" and answer["reason"] == "success"
    assert (answer["success"], answer["fail"]) == ("2", "0")
    assert [(a["number"], a["orderId"]) for a in answer["array"]] == [(IN, "a1"), (CN, "a2")]
    assert all(len(a["msgId"]) == 19 and a["msgId"].isdigit() for a in answer["array"])
    state = await snapshot(services, caller.new.account.id)
    assert state["balance"] == 100_000_000 - 20_000 - 10_000
    assert state["messages"] == 2


@pytest.mark.usefixtures("priced")
async def test_a_get_with_url_encoded_content_and_the_mirror_path(client: httpx.AsyncClient, caller: Caller) -> None:
    query = f"appId={caller.apps['sms']}&numbers={IN}%2C{US}&content={quote('Hi there & more')}&senderId="
    response = await client.get(f"/sms/sendSms?{query}", headers=caller.headers())
    assert response.json()["success"] == "2"


@pytest.mark.usefixtures("priced")
async def test_segments_are_billed(client: httpx.AsyncClient, caller: Caller, services: Services) -> None:
    await post(client, caller, body(caller, numbers=US, content="x" * 161))  # 2 GSM segments
    await post(client, caller, body(caller, numbers=US, content="你" * 71))  # 2 UCS-2 segments
    state = await snapshot(services, caller.new.account.id)
    assert state["balance"] == 100_000_000 - 4 * 5_000


@pytest.mark.usefixtures("priced")
async def test_input_variants_of_real_clients(client: httpx.AsyncClient, caller: Caller) -> None:
    variants = [
        body(caller, numbers=int(IN), senderId=None, orderId=None),
        body(caller, numbers=[IN, CN], senderId="", orderId=""),
        body(caller, numbers=f"+91 98765-43210, {CN}"),
    ]
    answers = [await post(client, caller, v) for v in variants]
    assert [a["success"] for a in answers] == ["1", "2", "2"]
    assert answers[2]["array"][0]["number"] == IN


@pytest.mark.usefixtures("priced")
async def test_an_abnormal_number_among_valid_ones_only_counts_as_failed(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    answer = await post(client, caller, body(caller, numbers=f"{IN},12ab,999"))
    assert (answer["status"], answer["success"], answer["fail"]) == ("0", "1", "2")


async def test_a_destination_without_a_price_gets_19_and_one_with_a_price_passes(
    client: httpx.AsyncClient, caller: Caller, services: Services
) -> None:
    assert (await post(client, caller, body(caller)))["status"] == "-19"
    await Catalog(services).set_rates([RateInput("sms", "IN", "0.02")])
    answer = await post(client, caller, body(caller, numbers=f"{IN},{CN}"))
    assert (answer["success"], answer["fail"]) == ("1", "1")


async def test_an_account_rate_overrides_the_global_one(
    client: httpx.AsyncClient, caller: Caller, services: Services
) -> None:
    account_id = caller.new.account.id
    await Catalog(services).set_rates(
        [RateInput("sms", "IN", "0.02"), RateInput("sms", "IN", "0.001", account_id=account_id)]
    )
    await post(client, caller, body(caller))
    assert (await snapshot(services, account_id))["balance"] == 100_000_000 - 1_000


@pytest.mark.usefixtures("priced")
@pytest.mark.parametrize(
    ("fields", "code"),
    [
        pytest.param({"content": ""}, "-4", id="content-empty"),
        pytest.param({"content": None}, "-4", id="content-null"),
        pytest.param({"content": "x" * 1025}, "-5", id="content-over-1024"),
        pytest.param({"numbers": ""}, "-8", id="numbers-empty"),
        pytest.param({"numbers": ",".join([IN] * 1001)}, "-7", id="over-1000-numbers"),
        pytest.param({"numbers": "12ab,999"}, "-9", id="all-numbers-abnormal"),
        pytest.param({"senderId": "S" * 33}, "-22", id="sender-over-32"),
        pytest.param({"numbers": f"{IN},{CN}", "orderId": "only-one"}, "-22", id="orderid-count-mismatch"),
        pytest.param({"sendTime": "tomorrow"}, "-11", id="sendtime-malformed"),
        pytest.param({"sendTime": "2026-11-29T10:00:00+00:00"}, "-11", id="sendtime-past"),
        pytest.param({"sendTime": "2027-03-01T10:00:00+00:00"}, "-11", id="sendtime-beyond-horizon"),
        pytest.param({"appId": "nope"}, "-1", id="foreign-app"),
        pytest.param({"appId": None}, "-22", id="app-missing"),
    ],
)
async def test_refused_requests_get_their_code_and_change_nothing(
    client: httpx.AsyncClient, caller: Caller, services: Services, fields: dict[str, Any], code: str
) -> None:
    before = await snapshot(services, caller.new.account.id)
    answer = await post(client, caller, body(caller, **fields))
    assert answer == {"status": code, "reason": Product.SMS.table[int(code)]}
    assert await snapshot(services, caller.new.account.id) == before


@pytest.mark.usefixtures("priced")
async def test_get_takes_at_most_100_numbers(client: httpx.AsyncClient, caller: Caller) -> None:
    numbers = ",".join(f"9198765{i:05d}" for i in range(101))
    query = f"appId={caller.apps['sms']}&numbers={numbers}&content=hi"
    assert (await client.get(f"/v3/sendSms?{query}", headers=caller.headers())).json() == {
        "status": "-7",
        "reason": "Numbers are over the limitation",
    }


@pytest.mark.usefixtures("priced")
async def test_sensitive_words_global_and_per_account(
    client: httpx.AsyncClient, caller: Caller, services: Services
) -> None:
    catalog = Catalog(services)
    await catalog.add_word("Loan")
    await catalog.add_word("赌博", account_id=caller.new.account.id)
    before = await snapshot(services, caller.new.account.id)
    for content in ("cheaploans today", "网上赌博"):
        assert await post(client, caller, body(caller, content=content)) == {
            "status": "-3",
            "reason": "SMS contents with sensitive characters",
        }
    assert await snapshot(services, caller.new.account.id) == before
    other = await Tenancy(services).create_account(name="other", balance="1")
    other_caller = Caller(new=other, clock=caller.clock)
    answer = await post(client, other_caller, body(other_caller, content="网上赌博"))
    assert answer["status"] == "0"


@pytest.mark.usefixtures("priced")
async def test_templates_required_17_without_templates_6_off_template(
    client: httpx.AsyncClient, caller: Caller, services: Services
) -> None:
    app_id = caller.apps["sms"]
    await Tenancy(services).update_app(app_id, options={"templates_required": True})
    assert (await post(client, caller, body(caller)))["status"] == "-17"
    catalog = Catalog(services)
    template_id = await catalog.add_template(app_id, "Your code is {code}.")
    assert (await post(client, caller, body(caller, content="Your code is 1234.")))["status"] == "-17"
    await catalog.approve_template(template_id)
    assert (await post(client, caller, body(caller, content="Buy now")))["status"] == "-6"
    assert (await post(client, caller, body(caller, content="Your code is 1234.")))["status"] == "0"


@pytest.mark.usefixtures("priced")
async def test_insufficient_balance_is_10_and_changes_nothing(
    client: httpx.AsyncClient, caller: Caller, services: Services
) -> None:
    poor = await Tenancy(services).create_account(name="poor", balance="0.03", gift="0.01")
    poor_caller = Caller(new=poor, clock=caller.clock)
    before = await snapshot(services, poor.account.id)
    answer = await post(client, poor_caller, body(poor_caller, numbers=f"{IN},{IN},{IN}"))
    assert answer == {"status": "-10", "reason": "Insufficient balance which unable to support the task"}
    assert await snapshot(services, poor.account.id) == before
    answer = await post(client, poor_caller, body(poor_caller, numbers=f"{IN},{IN}"))
    assert answer["status"] == "0"
    after = await snapshot(services, poor.account.id)
    assert (after["gift"], after["balance"]) == (0, 0), "the gift is spent first, then the balance"


@pytest.mark.usefixtures("priced")
async def test_each_message_records_the_part_the_gift_paid_in_order(
    client: httpx.AsyncClient, caller: Caller, services: Services
) -> None:
    """The gift pays first, message by message in the request's order; what it paid is stored on each message
    (a refund gives that part back to the gift), and a refused send stores nothing."""
    gifted = await Tenancy(services).create_account(name="gifted", balance="1", gift="0.05")
    gifted_caller = Caller(new=gifted, clock=caller.clock)
    sixty = ",".join(f"9198765432{i:02d}" for i in range(60))  # 1.20 > 1.05: refused as a whole
    refused = await post(client, gifted_caller, body(gifted_caller, numbers=sixty))
    assert refused["status"] == "-10"
    answer = await post(client, gifted_caller, body(gifted_caller, numbers=f"{IN},{IN},{IN},{IN}"))
    assert answer["status"] == "0"
    ids = [a["msgId"] for a in answer["array"]]
    async with services.db.read() as conn:
        rows = (
            await conn.execute(
                sa.select(messages.c.msg_id, messages.c.cost, messages.c.paid_gift).where(
                    messages.c.account_id == gifted.account.id
                )
            )
        ).all()
    paid = {r.msg_id: (r.cost, r.paid_gift) for r in rows}
    assert len(paid) == 4, "the refused send left no message behind"
    # IN costs 0.02 (20,000 micro-units) each; the 0.05 gift pays 2 whole messages and half of the third
    assert [paid[i] for i in ids] == [(20_000, 20_000), (20_000, 20_000), (20_000, 10_000), (20_000, 0)]
    after = await snapshot(services, gifted.account.id)
    assert (after["gift"], after["balance"]) == (0, 1_000_000 - 30_000)


@pytest.mark.usefixtures("priced")
async def test_the_credit_line_lets_the_balance_go_below_zero(
    client: httpx.AsyncClient, caller: Caller, services: Services
) -> None:
    account = await Tenancy(services).create_account(name="credit", balance="0", credit="0.02")
    credit_caller = Caller(new=account, clock=caller.clock)
    assert (await post(client, credit_caller, body(credit_caller)))["status"] == "0"
    assert (await snapshot(services, account.account.id))["balance"] == -20_000
    assert (await post(client, credit_caller, body(credit_caller)))["status"] == "-10"


@pytest.mark.usefixtures("priced")
async def test_period_total_limit_27(client: httpx.AsyncClient, caller: Caller, services: Services) -> None:
    await Tenancy(services).update_app(caller.apps["sms"], options={"total_limit": 3, "total_period": 60})
    assert (await post(client, caller, body(caller, numbers=f"{IN},{CN}")))["status"] == "0"
    before = await snapshot(services, caller.new.account.id)
    assert await post(client, caller, body(caller, numbers=f"{IN},{CN}")) == {
        "status": "-27",
        "reason": "Period total send limit",
    }
    assert await snapshot(services, caller.new.account.id) == before
    caller.clock.advance(61)
    assert (await post(client, caller, body(caller, numbers=f"{IN},{CN}")))["status"] == "0"


@pytest.mark.usefixtures("priced")
async def test_period_phone_limit_28_fails_only_the_pumped_number(
    client: httpx.AsyncClient, caller: Caller, services: Services
) -> None:
    await Tenancy(services).update_app(caller.apps["sms"], options={"number_limit": 2, "number_period": 60})
    assert (await post(client, caller, body(caller, numbers=f"{IN},{IN}")))["success"] == "2"
    mixed = await post(client, caller, body(caller, numbers=f"{IN},{CN}"))
    assert (mixed["success"], mixed["fail"]) == ("1", "1") and mixed["array"][0]["number"] == CN
    assert await post(client, caller, body(caller, numbers=IN)) == {
        "status": "-28",
        "reason": "Period phone send limit",
    }
    caller.clock.advance(61)
    assert (await post(client, caller, body(caller, numbers=IN)))["status"] == "0"


@pytest.mark.usefixtures("priced")
async def test_the_default_anti_pumping_limit_is_50_per_number_per_hour(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    assert (await post(client, caller, body(caller, numbers=",".join([IN] * 60))))["success"] == "50"


@pytest.mark.usefixtures("priced")
async def test_strict_numbers_refuse_possible_but_invalid_numbers(
    client: httpx.AsyncClient, caller: Caller, services: Services
) -> None:
    sample = "91856321412"  # the API docs' sample: possible, not valid
    assert (await post(client, caller, body(caller, numbers=sample)))["status"] == "0"
    await Tenancy(services).update_app(caller.apps["sms"], options={"strict_numbers": True})
    assert (await post(client, caller, body(caller, numbers=sample)))["status"] == "-9"


@pytest.mark.usefixtures("priced")
async def test_unique_order_ids_return_the_original_msgid_without_charging_again(
    client: httpx.AsyncClient, caller: Caller, services: Services
) -> None:
    await Tenancy(services).update_app(caller.apps["sms"], options={"unique_order_ids": True})
    first = await post(client, caller, body(caller, numbers=f"{IN},{CN}", orderId="o-1,o-2"))
    state = await snapshot(services, caller.new.account.id)
    again = await post(client, caller, body(caller, numbers=f"{IN},{US}", orderId="o-1,o-3"))
    assert again["array"][0]["msgId"] == first["array"][0]["msgId"]
    assert again["success"] == "2"
    after = await snapshot(services, caller.new.account.id)
    assert after["messages"] == state["messages"] + 1
    assert after["balance"] == state["balance"] - 5_000


@pytest.mark.usefixtures("priced")
async def test_without_unique_order_ids_a_repeated_order_id_sends_again(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    first = await post(client, caller, body(caller, orderId="same"))
    again = await post(client, caller, body(caller, orderId="same"))
    assert first["array"][0]["msgId"] != again["array"][0]["msgId"]


@pytest.mark.usefixtures("priced")
async def test_batch_sends_each_element_with_its_own_content(
    client: httpx.AsyncClient, caller: Caller, services: Services
) -> None:
    answer = await post(
        client,
        caller,
        {
            "appId": caller.apps["sms"],
            "array": [
                {"numbers": IN, "content": "first", "orderId": "b1"},
                {"numbers": f"{CN},{US}", "content": "second", "senderId": "ACME"},
            ],
        },
        path="/v3/sendSms/batch",
    )
    assert (answer["success"], answer["fail"]) == ("3", "0")
    assert [a["orderId"] for a in answer["array"]] == ["b1", "", ""]
    async with services.db.read() as conn:
        rows = (await conn.execute(sa.select(messages.c.content, messages.c.sender_id).order_by(messages.c.id))).all()
    assert [tuple(r) for r in rows] == [("first", None), ("second", "ACME"), ("second", "ACME")]


@pytest.mark.usefixtures("priced")
@pytest.mark.parametrize(
    ("array", "code"),
    [
        pytest.param([{"numbers": ",".join([IN] * 600), "content": "a"}] * 2, "-7", id="elements-together-over-1000"),
        pytest.param([], "-8", id="empty-array"),
        pytest.param("not a list", "-22", id="array-not-a-list"),
        pytest.param([{"numbers": IN, "content": "ok"}, {"numbers": IN, "content": ""}], "-4", id="one-element-bad"),
    ],
)
async def test_batch_refusals_change_nothing(
    client: httpx.AsyncClient, caller: Caller, services: Services, array: Any, code: str
) -> None:
    before = await snapshot(services, caller.new.account.id)
    answer = await post(client, caller, {"appId": caller.apps["sms"], "array": array}, path="/v3/sendSms/batch")
    assert answer["status"] == code
    assert await snapshot(services, caller.new.account.id) == before


@pytest.mark.usefixtures("priced")
async def test_a_body_that_is_not_json_is_a_parameter_exception(client: httpx.AsyncClient, caller: Caller) -> None:
    response = await client.post("/v3/sendSms", headers=caller.headers(), content=b"{broken")
    assert response.json() == {"status": "-22", "reason": "Parameter exception"}


@pytest.mark.usefixtures("priced")
async def test_a_locked_account_cannot_send(client: httpx.AsyncClient, caller: Caller, services: Services) -> None:
    await Tenancy(services).set_account_flags(caller.new.account.id, locked=True)
    assert (await post(client, caller, body(caller)))["status"] == "-13"


@pytest.mark.usefixtures("priced")
async def test_parallel_requests_never_overdraw_and_cost_equals_the_ledger(
    client: httpx.AsyncClient, caller: Caller, services: Services
) -> None:
    account = await Tenancy(services).create_account(name="race", balance="0.1")  # covers 5 of 20 at 0.02
    racer = Caller(new=account, clock=caller.clock)
    answers = await asyncio.gather(*(post(client, racer, body(racer)) for _ in range(20)))
    statuses = [a["status"] for a in answers]
    assert statuses.count("0") == 5 and statuses.count("-10") == 15
    state = await snapshot(services, account.account.id)
    assert state["balance"] == 0
    async with services.db.read() as conn:
        charged = (
            await conn.execute(
                sa.select(sa.func.sum(messages.c.cost)).where(messages.c.account_id == account.account.id)
            )
        ).scalar_one()
    assert charged == 100_000


@pytest.mark.usefixtures("priced")
async def test_a_large_send_stores_every_row_whole(
    client: httpx.AsyncClient, caller: Caller, services: Services
) -> None:
    # 300 numbers: on PostgreSQL the rows go in with COPY (store/messages.py), on SQLite with INSERT.
    numbers = [f"9198765{i:05d}" for i in range(300)]
    answer = await post(client, caller, body(caller, numbers=",".join(numbers), content="x" * 200, senderId="ACME"))
    assert answer["success"] == "300"
    async with services.db.read() as conn:
        rows = [dict(r._mapping) for r in await conn.execute(sa.select(messages).order_by(messages.c.id))]
    assert [r["msg_id"] for r in rows] == [a["msgId"] for a in answer["array"]]
    assert [r["number"] for r in rows] == numbers
    first = rows[0]
    assert (first["status"], first["sender_id"], first["segments"], first["encoding"]) == ("queued", "ACME", 2, "gsm7")
    assert first["cost"] == 2 * first["price"] and first["due_at"] == first["created_at"]
    assert first["due_at"].tzinfo is not None and first["send_at"] is None and first["attempts"] == 0
    snap = await snapshot(services, caller.new.account.id)
    assert snap["balance"] + snap["gift"] + sum(r["cost"] for r in rows) == 100_000_000
