"""IP allow-lists and the client address behind trusted proxies."""

from __future__ import annotations

import pytest

from switchboard.auth.ip import client_address, ip_allowed, normalise_networks


@pytest.mark.parametrize(
    ("ip", "allowed", "expected"),
    [
        pytest.param("1.2.3.4", [], True, id="empty-list-allows-all"),
        pytest.param("10.1.2.3", ["10.0.0.0/8"], True, id="in-cidr"),
        pytest.param("11.1.2.3", ["10.0.0.0/8"], False, id="outside-cidr"),
        pytest.param("192.168.1.5", ["192.168.1.5/32"], True, id="single-address"),
        pytest.param("::ffff:10.0.0.1", ["10.0.0.0/8"], True, id="ipv4-mapped"),
        pytest.param("2001:db8::1", ["2001:db8::/32"], True, id="ipv6"),
        pytest.param(None, ["10.0.0.0/8"], False, id="unknown-client"),
        pytest.param("garbage", ["10.0.0.0/8"], False, id="unparseable-client"),
    ],
)
def test_ip_allowed(ip: str | None, allowed: list[str], expected: bool) -> None:
    assert ip_allowed(ip, allowed) is expected


def test_networks_are_normalised_and_bad_ones_named() -> None:
    assert normalise_networks(["10.1.2.3/8, 1.2.3.4"]) == ["10.0.0.0/8", "1.2.3.4/32"]
    with pytest.raises(ValueError, match="'nope'"):
        normalise_networks(["nope"])


@pytest.mark.parametrize(
    ("peer", "xff", "trusted", "expected"),
    [
        pytest.param("1.1.1.1", "9.9.9.9", [], "1.1.1.1", id="no-trusted-proxy-uses-socket"),
        pytest.param("1.1.1.1", "9.9.9.9", ["10.0.0.0/8"], "1.1.1.1", id="untrusted-peer-ignores-header"),
        pytest.param("10.0.0.2", "9.9.9.9, 10.0.0.3", ["10.0.0.0/8"], "9.9.9.9", id="rightmost-untrusted-hop"),
        pytest.param("10.0.0.2", None, ["10.0.0.0/8"], "10.0.0.2", id="proxy-without-header"),
    ],
)
def test_client_address(peer: str, xff: str | None, trusted: list[str], expected: str) -> None:
    assert client_address(peer, xff, trusted) == expected
