"""Where pushes may go: public addresses only, unless the operator allows networks (the SSRF guard).

A push URL is the customer's, so a push must not reach what only the platform can reach: loopback, link-local
(cloud metadata), private, multicast, reserved or unspecified addresses are refused unless they fall in
``SWITCHBOARD_PUSH_ALLOWED_NETWORKS`` (for on-premise customers). The check runs on the address each connection
is actually made to (``guarded_socket_factory``, given to aiohttp), after DNS, so a name that resolves to an
internal address, or changes to one after the URL was saved (DNS rebinding), is refused too. Saving a URL
checks what can be checked without DNS (``url_problem``): the scheme, no credentials, a literal address.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlsplit

from switchboard.auth.ip import Network, parse_networks

REFUSED = "not a public address"

AddrInfo = tuple[int, int, int, str, tuple[Any, ...]]


class TargetRefused(OSError):
    """A connection to an address pushes may not reach."""


def address_allowed(address: str, allowed: Sequence[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if any(ip in network for network in allowed):
        return True
    return ip.is_global and not ip.is_multicast


def _literal_address(host: str) -> str | None:
    """The address a host names literally, in any form a resolver accepts (``0x7f000001``, ``2130706433``,
    ``127.1``), or None for a name."""
    try:
        return str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        pass
    try:
        return socket.inet_ntoa(socket.inet_aton(host))
    except OSError:
        return None


def url_problem(url: str, allowed_networks: Sequence[str]) -> str | None:
    """Why a push URL is refused, or None."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 (raises on a bad port)
    except ValueError:
        return "not a valid URL"
    if parts.scheme not in ("http", "https") or not host:
        return "must be an http(s) URL"
    if parts.username is not None or parts.password is not None:
        return "must not contain credentials"
    literal = _literal_address(host)
    if literal is not None and not address_allowed(literal, parse_networks(allowed_networks)):
        return "must target a public address (or a network in SWITCHBOARD_PUSH_ALLOWED_NETWORKS)"
    return None


def guarded_socket_factory(allowed_networks: Sequence[str]) -> Callable[[AddrInfo], socket.socket]:
    """A socket factory for aiohttp's connector that refuses addresses pushes may not reach."""
    allowed = parse_networks(allowed_networks)

    def factory(addr_info: AddrInfo) -> socket.socket:
        family, type_, proto, _canonname, sockaddr = addr_info
        if not address_allowed(str(sockaddr[0]), allowed):
            raise TargetRefused(f"push target refused: {REFUSED}")
        return socket.socket(family=family, type=type_, proto=proto)

    return factory
