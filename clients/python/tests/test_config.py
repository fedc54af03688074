"""Configuration: arguments, then SWITCHBOARD_* variables, then ONBUKA_* variables."""

from __future__ import annotations

import httpx
import pytest
from sdk_testing import FakeApi
from switchboard_client import AsyncClient, Client, ConfigurationError

BALANCE = {"status": "0", "reason": "success", "balance": "1", "gift": "0", "credit": "0"}


def test_credentials_and_base_url_come_from_switchboard_variables(
    api: FakeApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    api.route("/v3/getBalance", BALANCE)
    monkeypatch.setenv("SWITCHBOARD_API_KEY", "bDqJFiq9")
    monkeypatch.setenv("SWITCHBOARD_API_SECRET", "7bz1lzh9")
    monkeypatch.setenv("SWITCHBOARD_BASE_URL", "http://env.example:9000/")
    monkeypatch.setenv("SWITCHBOARD_APP_ID", "envApp01")
    seen: list[httpx.URL] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url)
        return api(request)

    with Client(transport=httpx.MockTransport(handler)) as client:
        assert client.balance().balance == 1
        assert (client.config.api_key, client.config.app_id) == ("bDqJFiq9", "envApp01")
    assert str(seen[0]) == "http://env.example:9000/v3/getBalance"
    assert api.seen[0].headers["Api-Key"] == "bDqJFiq9"  # and the fake API accepted the signature


def test_onbuka_variables_are_the_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ONBUKA_API_KEY", "okey")
    monkeypatch.setenv("ONBUKA_API_SECRET", "osecret")
    monkeypatch.setenv("ONBUKA_BASE_URL", "https://onbuka.example")
    monkeypatch.setenv("ONBUKA_APP_ID", "oapp")
    config = Client().config
    assert (config.api_key, config.api_secret, config.base_url, config.app_id) == (
        "okey",
        "osecret",
        "https://onbuka.example",
        "oapp",
    )
    monkeypatch.setenv("SWITCHBOARD_API_KEY", "skey")
    assert Client().config.api_key == "skey"  # SWITCHBOARD_* wins over ONBUKA_*
    assert Client("arg").config.api_key == "arg"  # and an argument over both


def test_base_url_defaults_to_a_local_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SWITCHBOARD_API_KEY", "k")
    monkeypatch.setenv("SWITCHBOARD_API_SECRET", "s")
    assert Client().config.base_url == "http://127.0.0.1:8080"
    assert AsyncClient().config.base_url == "http://127.0.0.1:8080"


@pytest.mark.parametrize("missing", ["SWITCHBOARD_API_KEY", "SWITCHBOARD_API_SECRET"])
def test_missing_credentials_fail_when_the_client_is_built(monkeypatch: pytest.MonkeyPatch, missing: str) -> None:
    monkeypatch.setenv("SWITCHBOARD_API_KEY", "k")
    monkeypatch.setenv("SWITCHBOARD_API_SECRET", "s")
    monkeypatch.setenv(missing, "  ")
    with pytest.raises(ConfigurationError, match="SWITCHBOARD_API_KEY"):
        Client()


def test_a_base_url_must_be_http() -> None:
    with pytest.raises(ConfigurationError, match="http"):
        Client("k", "s", "ftp://example.com")
    with pytest.raises(ConfigurationError):
        Client("k", "s", "example.com:8080")


def test_the_secret_is_never_shown() -> None:
    client = Client("key1", "very-secret-value", "http://sb.test")
    assert "very-secret-value" not in repr(client) and "very-secret-value" not in repr(client.config)
    assert "key1" in repr(client)
