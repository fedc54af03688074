"""IP allow-lists (addresses or CIDRs) and the client address behind trusted proxies."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(items: Iterable[str]) -> list[Network]:
    """Addresses or CIDRs to networks; raises ValueError naming the first bad one."""
    networks: list[Network] = []
    for item in items:
        for part in item.split(","):
            text = part.strip()
            if not text:
                continue
            try:
                networks.append(ipaddress.ip_network(text, strict=False))
            except ValueError as exc:
                raise ValueError(f"not an IP address or CIDR: {text!r}") from exc
    return networks


def normalise_networks(items: Iterable[str]) -> list[str]:
    return [str(net) for net in parse_networks(items)]


def ip_allowed(client_ip: str | None, allowed: Sequence[str]) -> bool:
    """An empty list allows everyone; otherwise the client must fall in one of the networks."""
    if not allowed:
        return True
    if client_ip is None:
        return False
    try:
        address = ipaddress.ip_address(client_ip)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address in net for net in parse_networks(allowed))


def client_address(peer: str | None, forwarded_for: str | None, trusted: Sequence[str]) -> str | None:
    """The socket peer, unless it is a trusted proxy: then the right-most untrusted X-Forwarded-For hop."""
    if peer is None or not trusted or not forwarded_for or not ip_allowed(peer, trusted):
        return peer
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not ip_allowed(hop, trusted):
            return hop
    return hops[0] if hops else peer
