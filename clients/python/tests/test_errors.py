"""Refusals: every outcome is HTTP 200; ``status`` != "0" raises the product's error with that code."""

from __future__ import annotations

import pickle

import httpx
import pytest
from sdk_testing import FakeApi
from switchboard_client import (
    AiVoiceError,
    ApiError,
    CallCenterError,
    Client,
    ProtocolError,
    SmsError,
    SwitchboardError,
    TransportError,
    VoiceError,
)

# The SMS code table (-1..-28), as the server words it.
SMS_TABLE = {
    -1: "Authentication error",
    -2: "IP access limited",
    -3: "SMS contents with sensitive characters",
    -4: "SMS content is empty",
    -5: "SMS content is over the length",
    -6: "SMS contents are out of template",
    -7: "Numbers are over the limitation",
    -8: "Number is empty",
    -9: "Numbers are abnormal",
    -10: "Insufficient balance which unable to support the task",
    -11: "Incorrect timing format",
    -12: "Due to platform issue, bulk submission has been failed, please contact Admin",
    -13: "Users has been locked",
    -14: "Field is empty or inquiry id is abnormal",
    -15: "Query too frequently",
    -16: "Timestamp expires",
    -17: "SMS template can not be empty",
    -18: "Port program unusual",
    -19: "Confirm SMS pricing with the business team",
    -20: "Data existing",
    -21: "Data validation exception",
    -22: "Parameter exception",
    -23: "Data caps",
    -24: "Data unexisting",
    -25: "Out of time range",
    -26: "Getting fee faily",
    -27: "Period total send limit",
    -28: "Period phone send limit",
}


def test_the_table_is_complete() -> None:
    assert sorted(SMS_TABLE) == list(range(-28, 0))


@pytest.mark.parametrize(("code", "reason"), sorted(SMS_TABLE.items(), reverse=True))
def test_every_sms_code_raises_sms_error_with_that_code(client: Client, api: FakeApi, code: int, reason: str) -> None:
    api.route("/v3/sendSms", {"status": str(code), "reason": reason})
    with pytest.raises(SmsError) as caught:
        client.send("919876543210", "hello")
    error = caught.value
    assert (error.code, error.reason, error.product) == (code, reason, "sms")
    assert isinstance(error, ApiError) and isinstance(error, SwitchboardError)
    assert str(error) == f"sms error {code}: {reason}"
    assert error.body == {"status": str(code), "reason": reason}
    assert len(api.seen) == 1  # a refusal is never retried


@pytest.mark.parametrize("code", [-14, -15, -16])
def test_query_refusals_raise_sms_error_too(client: Client, api: FakeApi, code: int) -> None:
    api.route("/v3/getReport", {"status": str(code), "reason": SMS_TABLE[code]})
    with pytest.raises(SmsError) as caught:
        client.get_report(["2108021054011000095"])
    assert caught.value.code == code
    assert len(api.seen) == 1


def test_status_is_compared_as_a_string_and_a_numeric_status_works_too(client: Client, api: FakeApi) -> None:
    api.route("/v3/getBalance", {"status": 0, "reason": "success", "balance": "1", "gift": "0", "credit": "0"})
    assert client.balance().balance == 1
    api.route("/v3/getBalance", {"status": -13, "reason": "Users has been locked"})
    with pytest.raises(SmsError) as caught:
        client.balance()
    assert caught.value.code == -13


@pytest.mark.parametrize(
    ("product", "path", "error_type"),
    [
        ("voice", "/v3/voice/sendCode", VoiceError),
        ("aivoice", "/v3/AiVoice/taskList", AiVoiceError),
        ("cc", "/v3/cc/seat/query", CallCenterError),
        ("sms", "/v3/otp/verification/send", SmsError),
    ],
)
def test_the_generic_request_raises_the_products_error(
    client: Client, api: FakeApi, product: str, path: str, error_type: type[ApiError]
) -> None:
    api.route(path, {"status": "-22", "reason": "Parameter exception"})
    with pytest.raises(error_type) as caught:
        client.request(product, "POST", path, {"appId": "x"})
    assert (caught.value.code, caught.value.product) == (-22, product)


def test_the_generic_request_returns_the_envelope_and_handles_envelope_b(client: Client, api: FakeApi) -> None:
    api.route("/v3/voice/group/call/query", {"code": 0, "msg": "success", "data": {"total": 1}})
    assert client.request("voice", "POST", "/v3/voice/group/call/query", {"current": 1})["data"] == {"total": 1}
    api.route("/v3/voice/group/call/send", {"code": "-41", "msg": "Task name already exists"})
    with pytest.raises(VoiceError) as caught:
        client.request("voice", "POST", "/v3/voice/group/call/send", {})
    assert caught.value.code == -41


def test_non_envelope_answers_are_protocol_errors(client: Client, api: FakeApi) -> None:
    with pytest.raises(ProtocolError) as caught:  # unknown path
        client.request("voice", "GET", "/v3/voice/nothing")
    assert caught.value.status_code == 404
    api.route("/v3/getBalance", lambda _seen: httpx.Response(200, text="<html>proxy</html>"))
    with pytest.raises(ProtocolError):
        client.balance()
    api.route("/v3/getBalance", lambda _seen: httpx.Response(200, json=["not", "an", "object"]))
    with pytest.raises(ProtocolError):
        client.balance()
    api.route("/v3/getBalance", {"reason": "no status"})
    with pytest.raises(ProtocolError):
        client.balance()


def test_api_error_can_be_built_directly() -> None:
    error = ApiError(-30, "API Key is disabled", "voice")
    assert (error.code, error.reason, error.product) == (-30, "API Key is disabled", "voice")
    assert str(error) == "voice error -30: API Key is disabled"
    assert VoiceError(-30, "x").product == "voice" and CallCenterError(-1, "x").product == "cc"


def test_errors_survive_pickling() -> None:
    error = pickle.loads(pickle.dumps(SmsError(-4, "SMS content is empty", body={"status": "-4"})))  # noqa: S301
    assert isinstance(error, SmsError) and (error.code, error.reason, error.product) == (
        -4,
        "SMS content is empty",
        "sms",
    )


def test_network_errors_are_transport_errors(api: FakeApi) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with Client("k", "s", "http://sb.test", app_id="a", transport=httpx.MockTransport(refuse), retries=0) as client:
        with pytest.raises(TransportError) as caught:
            client.send("919876543210", "hello")
    assert caught.value.sent is False  # connection refused: nothing can have been sent
    assert isinstance(caught.value, SwitchboardError)
