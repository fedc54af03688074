"""The request variants of WIRE.md rules 7-9, as properties, through HTTP against sendSms and getReport.

Each property sends the same request in the spellings real clients use and checks that the app reads the
same thing: a raw ``+`` in a time (form decoding makes it a space), double encoding, comma lists raw or
encoded, ``null``/``""`` for optional fields, ``numbers`` as a JSON number or array, keys in any order with
``\\/`` and ``\\uXXXX`` escapes. Parsing does not depend on the database, so these run on SQLite only.
"""

from __future__ import annotations

import json
from datetime import UTC, timedelta, timezone
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from switchboard.services.carriers import CarrierSet
from switchboard.services.catalog import Catalog, RateInput
from switchboard.services.context import Services
from switchboard.services.delivery import Dispatcher
from switchboard.store.tables import messages
from tests.conftest import Caller
from tests.fakes.clock import FakeClock
from tests.fakes.connector import FakeConnector

PROPERTY = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Possible numbers (India, USA), normalised: what the answer's `number` must be.
NUMBERS = st.one_of(
    st.integers(0, 99_999_999).map(lambda n: f"9198{n:08d}"),
    st.integers(0, 9_999).map(lambda n: f"1202555{n:04d}"),
)
NUMBER_LISTS = st.lists(NUMBERS, min_size=1, max_size=5, unique=True)
# How a client spells one value in a query string: as is, URL-encoded once, or twice.
SPELLINGS = st.sampled_from(["raw", "encoded", "double"])


def spell(value: str, how: str) -> str:
    if how == "raw":
        return value
    once = quote(value, safe="")
    return once if how == "encoded" else quote(once, safe="")


@pytest.fixture
def backend() -> str:
    return "sqlite"


@pytest.fixture(autouse=True)
async def priced(services: Services) -> None:
    await Catalog(services).set_rates([RateInput("sms", "*", "0.01")])


def next_hour(clock: FakeClock) -> None:
    """Each example in a fresh hour: the per-number limit (50 an hour) never interferes."""
    clock.advance(3601)


async def get(client: httpx.AsyncClient, caller: Caller, path: str, query: str) -> dict[str, Any]:
    response = await client.get(f"{path}?{query}", headers=caller.headers())
    assert response.status_code == 200
    answer: dict[str, Any] = response.json()
    return answer


async def post(client: httpx.AsyncClient, caller: Caller, path: str, body: str | bytes) -> dict[str, Any]:
    response = await client.post(path, content=body, headers=caller.headers())
    assert response.status_code == 200
    answer: dict[str, Any] = response.json()
    return answer


async def stored(services: Services, msg_id: str) -> Any:
    async with services.db.read() as conn:
        return (await conn.execute(sa.select(messages).where(messages.c.msg_id == msg_id))).one()


def accepted(answer: dict[str, Any]) -> list[str]:
    assert answer["status"] == "0", answer
    assert answer["success"] == str(len(answer["array"])) and answer["fail"] == "0", answer
    return [a["number"] for a in answer["array"]]


@PROPERTY
@given(
    delay=st.integers(10 * 60, 34 * 86400),
    offset=st.integers(-12 * 4, 14 * 4).map(lambda quarters: timedelta(minutes=15 * quarters)),
    zulu=st.booleans(),
    how=SPELLINGS,
)
async def test_a_send_time_with_a_raw_plus_or_encoded_is_the_same_instant(
    client: httpx.AsyncClient,
    caller: Caller,
    services: Services,
    clock: FakeClock,
    delay: int,
    offset: timedelta,
    zulu: bool,
    how: str,
) -> None:
    next_hour(clock)
    when = clock.now().replace(microsecond=0) + timedelta(seconds=delay)
    text = when.astimezone(timezone(offset)).isoformat(timespec="seconds")
    if zulu and not offset:
        text = text.replace("+00:00", "Z")
    query = f"appId={caller.apps['sms']}&numbers=919876543210&content=hi&sendTime={spell(text, how)}"
    answer = await get(client, caller, "/v3/sendSms", query)
    [msg_id] = [a["msgId"] for a in answer["array"]]
    row = await stored(services, msg_id)
    assert (row.status, row.send_at) == ("scheduled", when.astimezone(UTC)), text


@PROPERTY
@given(numbers=NUMBER_LISTS, how=SPELLINGS, mirror=st.booleans())
async def test_a_comma_list_of_numbers_raw_encoded_or_double_encoded(
    client: httpx.AsyncClient, caller: Caller, clock: FakeClock, numbers: list[str], how: str, mirror: bool
) -> None:
    next_hour(clock)
    query = f"appId={spell(caller.apps['sms'], how)}&numbers={spell(','.join(numbers), how)}&content=hi"
    answer = await get(client, caller, "/sms/sendSms" if mirror else "/v3/sendSms", query)
    assert accepted(answer) == numbers


@PROPERTY
@given(content=st.text(min_size=1, max_size=80).filter(str.strip), double_percent=st.booleans())
async def test_free_text_is_decoded_exactly_once(
    client: httpx.AsyncClient, caller: Caller, services: Services, clock: FakeClock, content: str, double_percent: bool
) -> None:
    """`content` is never decoded twice: text that looks encoded ("100%25", "%41") arrives as written."""
    next_hour(clock)
    if double_percent:
        content = f"{content}%2541%41"
    query = f"appId={caller.apps['sms']}&numbers=919876543210&content={quote(content, safe='')}"
    answer = await get(client, caller, "/v3/sendSms", query)
    row = await stored(services, answer["array"][0]["msgId"])
    assert row.content == content.strip()


@PROPERTY
@given(
    numbers=NUMBER_LISTS,
    sender_id=st.sampled_from(["absent", None, ""]),
    order_id=st.sampled_from(["absent", None, ""]),
    send_time=st.sampled_from(["absent", None, ""]),
)
async def test_null_and_empty_optional_fields_mean_not_given(
    client: httpx.AsyncClient,
    caller: Caller,
    services: Services,
    clock: FakeClock,
    numbers: list[str],
    sender_id: str | None,
    order_id: str | None,
    send_time: str | None,
) -> None:
    """`"orderId": ""` with several numbers is no count mismatch; nothing is scheduled or given a sender."""
    next_hour(clock)
    body: dict[str, Any] = {"appId": caller.apps["sms"], "numbers": ",".join(numbers), "content": "hi"}
    for name, value in (("senderId", sender_id), ("orderId", order_id), ("sendTime", send_time)):
        if value != "absent":
            body[name] = value
    answer = await post(client, caller, "/v3/sendSms", json.dumps(body))
    assert accepted(answer) == numbers
    assert {a["orderId"] for a in answer["array"]} == {""}
    row = await stored(services, answer["array"][0]["msgId"])
    assert (row.sender_id, row.order_id, row.send_at, row.status) == (None, None, None, "queued")


@st.composite
def spelled_numbers(draw: st.DrawFn) -> tuple[list[str], Any]:
    """Numbers, and how a client puts them in JSON: a comma string (maybe with spaces), an array, a number."""
    numbers = draw(NUMBER_LISTS)
    forms: list[Any] = [",".join(numbers), ", ".join(numbers), list(numbers)]
    if len(numbers) == 1:
        forms.append(int(numbers[0]))
    return numbers, draw(st.sampled_from(forms))


def escaped_json(body: dict[str, Any], *, ascii_only: bool, escape_slash: bool) -> str:
    text = json.dumps(body, ensure_ascii=ascii_only)
    return text.replace("/", "\\/") if escape_slash else text


@PROPERTY
@given(
    spelled=spelled_numbers(),
    content=st.text(
        st.characters(codec="utf-8", exclude_categories=["Cs"], exclude_characters="\x00"), min_size=1, max_size=40
    ).filter(str.strip),
    order=st.permutations(["appId", "numbers", "content"]),
    ascii_only=st.booleans(),
    escape_slash=st.booleans(),
)
async def test_numbers_as_a_json_number_or_array_keys_in_any_order_and_escapes(
    client: httpx.AsyncClient,
    caller: Caller,
    services: Services,
    clock: FakeClock,
    spelled: tuple[list[str], Any],
    content: str,
    order: list[str],
    ascii_only: bool,
    escape_slash: bool,
) -> None:
    next_hour(clock)
    numbers, value = spelled
    fields = {"appId": caller.apps["sms"], "numbers": value, "content": f"a/b {content}"}
    body = escaped_json({key: fields[key] for key in order}, ascii_only=ascii_only, escape_slash=escape_slash)
    answer = await post(client, caller, "/v3/sendSms", body.encode())
    assert accepted(answer) == numbers
    row = await stored(services, answer["array"][0]["msgId"])
    assert row.content == f"a/b {content}".strip()


@pytest.fixture
async def sending(client: httpx.AsyncClient, caller: Caller, services: Services) -> list[str]:
    """Four msgIds handed to a carrier (getReport says "-1", sending)."""
    body = {"appId": caller.apps["sms"], "numbers": "919876543210,919876543211,919876543212,12025550123"}
    answer = await post(client, caller, "/v3/sendSms", json.dumps({**body, "content": "hi"}))
    carriers = CarrierSet(services)
    carriers.connectors["smsc"] = FakeConnector("smsc")
    carriers.enabled.append("smsc")
    await Dispatcher(services, carriers).step()
    return [a["msgId"] for a in answer["array"]]


@PROPERTY
@given(data=st.data(), how=SPELLINGS, key=st.sampled_from(["msgIds", "msgids"]))
async def test_msgids_raw_encoded_double_encoded_or_in_a_post_body(
    client: httpx.AsyncClient,
    caller: Caller,
    clock: FakeClock,
    sending: list[str],
    data: st.DataObject,
    how: str,
    key: str,
) -> None:
    """getReport reads the same ids from every spelling (rule 7) and from a POST body (rule 9)."""
    clock.advance(1)  # report queries: 10 a second
    known = data.draw(st.lists(st.sampled_from(sending), min_size=1, max_size=4, unique=True), label="known")
    unknown = data.draw(st.lists(st.from_regex(r"\A26\d{17}\Z"), max_size=3, unique=True), label="unknown")
    unknown = [i for i in unknown if i not in sending]
    ids = data.draw(st.permutations(known + unknown), label="order")
    app_id = caller.apps["sms"]
    answers = [
        await get(client, caller, "/v3/getReport", f"appId={app_id}&{key}={spell(','.join(ids), how)}"),
        await post(client, caller, "/v3/getReport", json.dumps({key: ",".join(ids), "appId": app_id})),
    ]
    for answer in answers:
        assert answer["status"] == "0", answer
        assert (answer["sending"], answer["nofound"]) == (str(len(known)), str(len(unknown))), answer
        assert [a["msgId"] for a in answer["array"]] == [i for i in ids if i in known]
        assert {a["status"] for a in answer["array"]} == {"-1"}
