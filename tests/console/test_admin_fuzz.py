"""Schemathesis against every /admin/api/ operation of the app's own OpenAPI document.

Every admin operation gets a deterministic sample of schemathesis' coverage cases (examples, boundary values,
missing and mistyped fields) and fuzzed cases, positive and negative, with a fixed seed. They are sent as an
admin with a bearer token (bearer requests need no CSRF token, see admin/access.py) over seeded data: an
account with a key and an SMS app (with a push URL), a global rate, a delivered message and its push, an OTP
template and an SMS one, a carrier, a route, a second user and a spare bearer token. About two thirds of the
cases have their path parameters pointed at those real ids so that the handlers run past their lookups. The
operations whose fuzzed cases seldom succeed also get one valid request each (``SUCCESSES``), so that their
documented success answers are checked too.

Checks, for every response: no 5xx (schemathesis' not_a_server_error, and our own assertion with the body), and
that it is documented: its status, content type, headers and body match the operation's responses in the
document (the response models' JSON schemas; the refusals' shapes, see admin/routing.py). And without a token,
every operation but signing in answers the documented 401.

Cases that would lock the caller out are redirected: disabling the admin user itself and revoking the token
in use (their refusals are tested in test_admin_api.py / test_auth.py).

Driven as tests/api/test_fuzz.py drives schemathesis (``iter_coverage_cases`` and ``as_strategy``, requests
through httpx's ASGI transport on one event loop the test owns), because ``from_fixture(...).parametrize()``
does not run on pytest 9.2.
"""

from __future__ import annotations

import asyncio
import math
import os
import shutil
import zlib
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.core import NOT_SET

import switchboard.store.console_tables  # noqa: F401 (registers the console tables on the shared metadata)
from switchboard.app import create_app
from switchboard.services.catalog import Catalog, RateInput
from switchboard.services.context import Services
from switchboard.services.otp import Otp
from switchboard.services.users import Users
from switchboard.settings import Settings
from switchboard.store.database import Database
from tests.conftest import MASTER_KEY
from tests.console.conftest import ADMIN_EMAIL, PASSWORD, Traffic, make_user, new_account
from tests.fakes.clock import FakeClock
from tests.fakes.connector import FakeConnector
from tests.fakes.push_receiver import PushRecorder

SEED = int(os.environ.get("SWITCHBOARD_FUZZ_SEED", "20261129"))
# Per operation: an even sample of schemathesis' coverage cases, and fuzzed cases (positive and negative).
# SWITCHBOARD_ADMIN_FUZZ_CASES=N raises both, for a deeper run by hand.
COVERAGE_CASES = int(os.environ.get("SWITCHBOARD_ADMIN_FUZZ_CASES", "6"))
FUZZED_CASES = COVERAGE_CASES
BASE_URL = "http://switchboard.test"
PREFIX = "/admin/api/"
OTHER_EMAIL = "other@example.test"
INT64_MAX, INT64_MIN = 2**63 - 1, -(2**63)
CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.response_schema_conformance,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_headers_conformance,
]


def _labels() -> list[str]:
    settings_ = Settings(data_dir=Path("/nonexistent-switchboard-fuzz"), master_key=MASTER_KEY.decode())
    document = create_app(settings_, run_migrations=False).openapi()
    return [
        f"{method.upper()} {path}"
        for path, item in document["paths"].items()
        for method in item
        if path.startswith(PREFIX)
    ]


OPERATIONS = _labels()


@dataclass(frozen=True)
class Seeded:
    """A migrated SQLite file with an admin, a token and real data in it; each test works on a copy."""

    path: Path
    token: str
    ids: dict[str, list[str]]
    document: dict[str, Any]


@dataclass
class Harness:
    runner: asyncio.Runner
    client: httpx.AsyncClient
    clock: FakeClock
    token: str
    ids: dict[str, list[str]]
    statuses: Counter[int] = field(default_factory=Counter)

    def request(self, method: str, url: str, *, headers: dict[str, str], body: bytes | None = None) -> httpx.Response:
        self.clock.advance(1)
        return self.runner.run(self.client.request(method, url, headers=headers, content=body))


@contextmanager
def _app(
    settings_: Settings, path: Path, clock: FakeClock
) -> Iterator[tuple[asyncio.Runner, Services, httpx.AsyncClient]]:
    with asyncio.Runner() as runner:
        db = Database(f"sqlite+aiosqlite:///{path}")
        services = Services.build(settings_, db=db, clock=clock)
        app = create_app(settings_, services=services, run_migrations=False)
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 40000))
        client = httpx.AsyncClient(transport=transport, base_url=BASE_URL)
        try:
            yield runner, services, client
        finally:
            runner.run(client.aclose())
            runner.run(db.dispose())


async def _seed(services: Services, clock: FakeClock, client: httpx.AsyncClient) -> tuple[str, dict[str, list[str]]]:
    account = await new_account(services, "acme", report_url="http://push.example.test/report")
    await Catalog(services).set_rates([RateInput("sms", "*", "0.01")])
    traffic = Traffic(services, clock, FakeConnector("fake"), PushRecorder())
    msg_id = await traffic.send(account)
    await traffic.deliver()
    await Otp(services).add_template(account.apps["sms"], "Your ACME code is {code}")
    # /admin/api/templates/{template_id} names an SMS app's template (not an OTP one)
    template_id = await Catalog(services).add_template(account.apps["sms"], "Your ACME order {n} has shipped")
    await make_user(services, ADMIN_EMAIL)
    await make_user(services, OTHER_EMAIL, "account", account.account.id)
    users = Users(services)
    token = await users.issue_token(ADMIN_EMAIL)
    await users.issue_token(ADMIN_EMAIL)  # a spare one, that the fuzzer may revoke
    auth = {"Authorization": f"Bearer {token}"}
    carrier = await client.post("/admin/api/carriers", json={"name": "sim", "type": "simulator"}, headers=auth)
    assert carrier.status_code == 201, carrier.text
    route = await client.post("/admin/api/routes", json={"carriers": ["sim"]}, headers=auth)
    assert route.status_code == 201, route.text
    pushes = (await client.get("/admin/api/pushes", headers=auth)).json()["items"]
    tokens = (await client.get("/admin/api/tokens", headers=auth)).json()
    assert pushes and len(tokens) == 2, (pushes, tokens)
    ids = {
        "account_id": [str(account.account.id)],
        "app_id": [account.apps["sms"]],
        "api_key": [account.api_key],
        "template_id": [str(template_id)],
        "msg_id": [msg_id],
        "push_id": [str(p["id"]) for p in pushes],
        "route_id": [str(route.json()["id"])],
        "name": ["sim"],
        "email": [OTHER_EMAIL],
        "token_id": [str(t["id"]) for t in tokens[1:] if not token.startswith(t["prefix"])]
        or [str(t["id"]) for t in tokens if not token.startswith(t["prefix"])],
    }
    return token, ids


@pytest.fixture(scope="module")
def seeded(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Seeded:
    directory = tmp_path_factory.mktemp("admin-fuzz")
    path = directory / "seeded.db"
    shutil.copy(sqlite_template, path)
    settings_ = Settings(data_dir=directory / "data", master_key=MASTER_KEY.decode())
    clock = FakeClock()
    with _app(settings_, path, clock) as (runner, services, client):
        token, ids = runner.run(_seed(services, clock, client))
        document = runner.run(client.get("/openapi.json")).json()
    return Seeded(path, token, ids, document)


@pytest.fixture
def harness(settings: Settings, seeded: Seeded, tmp_path: Path) -> Iterator[Harness]:
    path = tmp_path / "admin-fuzz.db"
    shutil.copy(seeded.path, path)
    clock = FakeClock()
    clock.advance(60)
    with _app(settings, path, clock) as (runner, _services, client):
        yield Harness(runner, client, clock, seeded.token, seeded.ids)


@pytest.fixture(scope="module")
def api_schema(seeded: Seeded) -> schemathesis.BaseSchema:
    config = schemathesis.Config.from_dict({"seed": SEED, "phases": {"coverage": {"unexpected-methods": []}}})
    return schemathesis.openapi.from_dict(seeded.document, config=config)


def _variant(case: schemathesis.Case) -> int:
    """A number derived from the case's content, so that the same case always takes the same variant."""
    body = None if case.body is NOT_SET else case.body
    headers = sorted(dict(case.headers or {}).items())
    return zlib.crc32(repr((case.method, case.path, case.path_parameters, case.query, headers, body)).encode())


def _within_int64(value: Any) -> Any:
    """Path ids beyond 64 bits answer 404 (tested below): point the fuzzer at ids that reach the handlers."""
    try:
        number = int(str(value).strip())
    except ValueError:
        return value
    return value if INT64_MIN <= number <= INT64_MAX else (INT64_MAX if number > 0 else INT64_MIN)


def _protect(harness: Harness, case: schemathesis.Case, variant: int) -> None:
    """Point about two thirds of the path parameters at real ids; never lock the caller out."""
    params = case.path_parameters or {}
    for name in list(params):
        if variant % 3 and name in harness.ids:
            choices = harness.ids[name]
            params[name] = choices[variant % len(choices)]
    for name, value in list(params.items()):
        params[name] = _within_int64(value)
    if case.path == "/admin/api/tokens/{token_id}" and "token_id" in params:
        params["token_id"] = harness.ids["token_id"][0]  # never the token in use
    if case.path == "/admin/api/users/{email}/disable" and "email" in params:
        if str(params["email"]).strip().lower() == ADMIN_EMAIL:
            params["email"] = OTHER_EMAIL


def _wire(
    harness: Harness, case: schemathesis.Case, token: str | None
) -> tuple[str, str, dict[str, str], bytes | None]:
    """What schemathesis' requests transport would send for the case, with (or without) the bearer token."""
    headers = {k: v for k, v in (case.headers or {}).items() if k.lower() not in ("authorization", "cookie")}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    case.headers = headers
    case.cookies = {}
    kwargs = case.as_transport_kwargs(base_url=BASE_URL)
    accepted = ("method", "url", "headers", "params", "data", "json")
    prepared = requests.Request(**{k: v for k, v in kwargs.items() if k in accepted}).prepare()
    body = prepared.body.encode() if isinstance(prepared.body, str) else prepared.body
    sent = {k: v for k, v in prepared.headers.items() if k.lower() != "content-length"}
    return str(prepared.method), str(prepared.url), sent, body


def exercise(harness: Harness, case: schemathesis.Case) -> None:
    _protect(harness, case, _variant(case))
    method, url, headers, body = _wire(harness, case, harness.token)
    response = harness.request(method, url, headers=headers, body=body)
    harness.statuses[response.status_code] += 1
    assert response.status_code < 500, (
        f"HTTP {response.status_code} on {method} {url} body={body!r}: {response.text[:300]}"
    )
    assert response.status_code != 401 or case.path == "/admin/api/session", (
        f"the token stopped working after {method} {url}: {response.text[:300]}"
    )
    case.validate_response(response, checks=CHECKS)


def _operation(api_schema: schemathesis.BaseSchema, label: str) -> schemathesis.APIOperation:
    operation = api_schema.find_operation_by_label(label)
    assert operation is not None, f"{label} is not in /openapi.json"
    return operation


def _coverage_cases(
    api_schema: schemathesis.BaseSchema, label: str, modes: list[GenerationMode]
) -> list[schemathesis.Case]:
    operation = _operation(api_schema, label)
    return list(
        api_schema.iter_coverage_cases(
            operation, generation_modes=modes, generation_config=api_schema.config.generation
        )
    )


def test_the_document_has_the_admin_api(api_schema: schemathesis.BaseSchema) -> None:
    labels = [
        f"{m.upper()} {p}" for p, item in api_schema.raw_schema["paths"].items() for m in item if p.startswith(PREFIX)
    ]
    assert labels == OPERATIONS and len(labels) >= 50


@pytest.mark.parametrize("label", OPERATIONS)
def test_admin_operation_is_never_a_server_error(
    label: str, harness: Harness, api_schema: schemathesis.BaseSchema
) -> None:
    """An even sample of the coverage cases, then fuzzed cases, positive and negative."""
    cases = _coverage_cases(api_schema, label, [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
    step = max(1, math.ceil(len(cases) / COVERAGE_CASES))
    for case in cases[::step]:
        exercise(harness, case)

    operation = _operation(api_schema, label)
    fuzzed = st.one_of(operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE))

    @seed(SEED)
    @settings(
        max_examples=FUZZED_CASES,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: bounded time, the failing case is printed
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
    )
    @given(case=fuzzed)
    def fuzz(case: schemathesis.Case) -> None:
        exercise(harness, case)

    fuzz()
    assert sum(harness.statuses.values()) >= min(len(cases), COVERAGE_CASES) + 1, harness.statuses


@pytest.mark.parametrize("label", [op for op in OPERATIONS if op != "POST /admin/api/session"])
def test_admin_operations_without_a_token_are_401(
    label: str, harness: Harness, api_schema: schemathesis.BaseSchema
) -> None:
    """Signing in (POST /admin/api/session) is the one operation that needs no credentials."""
    cases = _coverage_cases(api_schema, label, [GenerationMode.POSITIVE])
    assert cases, label
    for case in cases[:2]:
        _protect(harness, case, 1)
        method, url, headers, body = _wire(harness, case, None)
        response = harness.request(method, url, headers=headers, body=body)
        assert response.status_code == 401, f"{method} {url}: HTTP {response.status_code} {response.text[:300]}"
        assert response.headers.get("www-authenticate") == "Bearer", response.headers
        case.validate_response(response, checks=CHECKS)


@pytest.mark.parametrize("path", ["/admin/api/accounts/{n}/keys", "/admin/api/pushes/{n}", "/admin/api/templates/{n}"])
def test_an_id_beyond_64_bits_is_not_a_server_error(path: str, harness: Harness) -> None:
    method = "DELETE" if path.startswith("/admin/api/templates/") else "GET"
    url = path.format(n=2**64)
    response = harness.request(method, url, headers={"Authorization": f"Bearer {harness.token}"})
    assert response.status_code < 500, f"{method} {url}: HTTP {response.status_code} {response.text[:200]}"


# Operations whose fuzzed cases rarely succeed (they need a body that is valid as a whole, or a row made for them):
# one valid request each, so that their documented success answers are checked too. GET /admin/api/calls/{voice_id}
# is not here: the seeded data has no voice call.
SUCCESSES: list[tuple[str, dict[str, str], dict[str, str], Any, str | None]] = [
    ("POST /admin/api/session", {}, {}, {"email": ADMIN_EMAIL, "password": PASSWORD}, None),
    ("POST /admin/api/users", {}, {}, {"email": "new@example.test", "password": PASSWORD, "role": "admin"}, None),
    ("POST /admin/api/accounts", {}, {}, {"name": "globex"}, None),
    ("POST /admin/api/accounts/{account_id}/topup", {"account_id": "account_id"}, {}, {"amount": "1.5"}, None),
    ("PUT /admin/api/accounts/{account_id}/credit", {"account_id": "account_id"}, {}, {"amount": "2"}, None),
    ("POST /admin/api/accounts/{account_id}/apps", {"account_id": "account_id"}, {}, {"product": "sms"}, None),
    ("POST /admin/api/rates/import", {}, {}, "product,country,price\nsms,IN,0.02\n", "text/csv"),
    ("DELETE /admin/api/rates", {}, {"product": "sms", "country": "IN"}, NOT_SET, None),
    ("POST /admin/api/words", {}, {}, {"word": "casino"}, None),
    ("DELETE /admin/api/words", {}, {"word": "casino"}, NOT_SET, None),
    ("POST /admin/api/carriers", {}, {}, {"name": "sim2", "type": "simulator"}, None),
    ("POST /admin/api/routes", {}, {}, {"carriers": ["sim", "sim2"], "country": "IN"}, None),
    ("POST /admin/api/apps/{app_id}/templates", {"app_id": "app_id"}, {}, {"content": "Your parcel is here"}, None),
    ("POST /admin/api/templates/{template_id}/approval", {"template_id": "template_id"}, {}, {"approved": True}, None),
    ("DELETE /admin/api/templates/{template_id}", {"template_id": "template_id"}, {}, NOT_SET, None),
]


def test_admin_operations_that_seldom_succeed_when_fuzzed_document_their_success(
    harness: Harness, api_schema: schemathesis.BaseSchema
) -> None:
    """In order (a word is added before it is removed), each answered 2xx and checked against the document."""
    for label, path_ids, query, body, media_type in SUCCESSES:
        params = {name: harness.ids[seeded][0] for name, seeded in path_ids.items()}
        case = _operation(api_schema, label).Case(path_parameters=params, query=query, body=body, media_type=media_type)
        method, url, headers, sent = _wire(harness, case, harness.token)
        response = harness.request(method, url, headers=headers, body=sent)
        assert response.status_code < 300, f"{label}: HTTP {response.status_code} {response.text[:300]}"
        case.validate_response(response, checks=CHECKS)
