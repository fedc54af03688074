"""Every path the contract documents answers HTTP 200 with its product's envelope (WIRE.md rule 1), built or not,
under the Onbuka prefix and the mirror; unknown paths under the API prefixes answer in the same shape."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from switchboard.api.deps import PARAMETER_ERROR
from switchboard.api.documented import OPERATIONS, Operation, documented, paths_of
from switchboard.api.fallback import NOT_OFFERED
from switchboard.auth.authenticate import CODES, MISSING_HEADER_CODES, Failure
from switchboard.errors import Product
from tests.conftest import Caller

REFERENCE_PATHS = Path(__file__).parents[1] / "data" / "reference_paths.txt"


def _reference_paths() -> list[str]:
    lines = REFERENCE_PATHS.read_text().splitlines()
    return [line for line in lines if line.startswith("/")]


def _missing_header_code(product: Product) -> int:
    codes = MISSING_HEADER_CODES.get(product)
    return next(iter(codes.values())) if codes else CODES[product][Failure.MISSING_HEADER]


async def _ask(client: httpx.AsyncClient, op: Operation, path: str, headers: dict[str, str]) -> httpx.Response:
    url = path.replace("{id}", "1")
    if op.methods[0] == "GET":
        return await client.get(url, headers=headers)
    return await client.post(url, headers=headers, content=b"{}")


@pytest.mark.parametrize("path", _reference_paths())
def test_the_catalogue_holds_every_path_of_the_contract(path: str) -> None:
    assert documented(path.replace("{voiceId}", "123")) is not None, path


def test_the_catalogue_names_each_path_once() -> None:
    every = [p.lower() for op in OPERATIONS for p in paths_of(op)]
    assert len(every) == len(set(every))


async def test_every_documented_path_answers_the_envelope_with_and_without_headers(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    asked = 0
    for op in OPERATIONS:
        for path in paths_of(op):
            bare = await _ask(client, op, path, {"Content-Type": "application/json;charset=UTF-8"})
            assert bare.status_code == 200, (path, bare.text)
            assert bare.json()["status"] == str(_missing_header_code(op.product)), (path, bare.text)
            signed = await _ask(client, op, path, caller.headers())
            assert signed.status_code == 200, (path, signed.text)
            status = signed.json()["status"]
            assert isinstance(status, str) and status.lstrip("-").isdigit(), (path, signed.text)
            assert int(status) in op.product.table, (path, signed.text)
            asked += 2
    assert asked >= 2 * len(OPERATIONS)


async def test_an_operation_not_offered_authenticates_then_answers_its_products_code(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    path = "/v3/email/sendEmail"
    assert (await client.post(path, headers=caller.headers(secret="wrong"), content=b"{}")).json()["status"] == "-1"
    answer = (await client.post(path, headers=caller.headers(), content=b"{}")).json()
    assert answer["status"] == str(NOT_OFFERED[Product.SMS])


@pytest.mark.parametrize(
    ("path", "product"),
    [
        pytest.param("/v3/noSuchThing", Product.SMS, id="sms"),
        pytest.param("/sms/noSuchThing", Product.SMS, id="sms-mirror"),
        pytest.param("/v3/voice/anything", Product.VOICE, id="voice"),
        pytest.param("/voice/anything/else", Product.VOICE, id="voice-mirror"),
        pytest.param("/v3/AiVoice/noSuchTask", Product.AIVOICE, id="aivoice"),
        pytest.param("/aivoice/noSuchTask", Product.AIVOICE, id="aivoice-mirror"),
        pytest.param("/v3/cc/seat/nothing", Product.CC, id="cc"),
        pytest.param("/otp/nothing", Product.SMS, id="otp-mirror"),
    ],
)
async def test_an_unknown_path_under_an_api_prefix_answers_the_parameter_code(
    client: httpx.AsyncClient, path: str, product: Product
) -> None:
    for answer in (await client.get(path), await client.post(path, content=b"{}")):
        assert answer.status_code == 200
        assert answer.json()["status"] == str(PARAMETER_ERROR[product])


async def test_paths_outside_the_api_keep_the_plain_404(client: httpx.AsyncClient) -> None:
    assert (await client.get("/nowhere")).status_code == 404
    assert (await client.get("/carriers")).status_code == 404


async def test_ai_voice_names_the_missing_header(client: httpx.AsyncClient, caller: Caller) -> None:
    headers = caller.headers()
    for header, code in (("Sign", "-57"), ("Timestamp", "-58"), ("Api-Key", "-59")):
        partial = {k: v for k, v in headers.items() if k != header}
        answer = await client.post("/v3/AiVoice/taskList", headers=partial, content=b"{}")
        assert answer.json()["status"] == code
