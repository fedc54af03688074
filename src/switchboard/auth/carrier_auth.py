"""Authentication of the callbacks HTTP carriers make to us (receipts and inbound messages).

Each HTTP carrier has its own secret, kept in its configuration under ``"callback"``, sealed with the master key
like API secrets::

    "callback": {"secret": "<sealed>", "mode": "token" | "hmac", "header": "X-Signature", "allow_ips": [...]}

- ``token``: the secret in the URL path (``/carriers/NAME/SECRET/receipt``) or in the ``X-Carrier-Token`` header;
- ``hmac``: the hex HMAC-SHA256 of the raw request body under the secret, in ``header`` (a ``sha256=`` prefix is
  accepted), for carriers that sign their callbacks;
- ``allow_ips``: when not empty, the request must also come from one of these addresses or networks.

A carrier with no callback secret accepts no callback. Every refusal looks the same from outside.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from switchboard.auth.ip import ip_allowed, normalise_networks
from switchboard.auth.secrets import SecretBox

CALLBACK_KEY = "callback"
TOKEN_HEADER = "X-Carrier-Token"  # noqa: S105 (a header name)
DEFAULT_HMAC_HEADER = "X-Signature"
MODES = ("token", "hmac")
_DUMMY_SECRET = "x" * 43


@dataclass(frozen=True)
class CallbackAuth:
    sealed_secret: str
    mode: str = "token"
    header: str = ""
    allow_ips: tuple[str, ...] = ()

    @classmethod
    def of(cls, config: Mapping[str, Any]) -> CallbackAuth | None:
        """The callback authentication of a carrier's configuration, or None when it has none."""
        spec = config.get(CALLBACK_KEY)
        if not isinstance(spec, dict) or not isinstance(spec.get("secret"), str):
            return None
        return cls(
            sealed_secret=spec["secret"],
            mode=str(spec.get("mode", "token")),
            header=str(spec.get("header") or ""),
            allow_ips=tuple(spec.get("allow_ips") or ()),
        )

    def hmac_header(self) -> str:
        return self.header or DEFAULT_HMAC_HEADER


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def callback_spec(
    box: SecretBox, secret: str, *, mode: str = "token", header: str | None = None, allow_ips: Sequence[str] = ()
) -> dict[str, Any]:
    """The ``"callback"`` entry of a configuration; raises ValueError on a bad mode or address."""
    if mode not in MODES:
        raise ValueError(f"callback mode must be one of {', '.join(MODES)}")
    if len(secret) < 16:
        raise ValueError("a callback secret has at least 16 characters")
    spec: dict[str, Any] = {"secret": box.seal(secret), "mode": mode, "allow_ips": normalise_networks(allow_ips)}
    if header:
        spec["header"] = header
    return spec


def signature(secret: str, body: bytes) -> str:
    """What a carrier in ``hmac`` mode sends: hex HMAC-SHA256 of the raw body."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(
    auth: CallbackAuth | None,
    box: SecretBox,
    *,
    path_token: str | None,
    headers: Mapping[str, str],
    body: bytes,
    client_ip: str | None,
) -> bool:
    """True when the request carries the carrier's credentials. An unknown carrier does the same work against a
    dummy secret, so neither the answer nor its time tells it from a known one."""
    secret = _DUMMY_SECRET
    if auth is not None:
        try:
            secret = box.open(auth.sealed_secret)
        except ValueError:
            auth = None
    mode = auth.mode if auth is not None else "token"
    if mode == "hmac":
        given = (headers.get(auth.hmac_header() if auth else DEFAULT_HMAC_HEADER) or "").strip().lower()
        given = given.removeprefix("sha256=")
        matches = hmac.compare_digest(given.encode(), signature(secret, body).encode())
    else:
        given = path_token if path_token is not None else headers.get(TOKEN_HEADER) or ""
        matches = hmac.compare_digest(hashlib.sha256(given.encode()).digest(), hashlib.sha256(secret.encode()).digest())
    from_allowed = ip_allowed(client_ip, auth.allow_ips if auth is not None else ())
    return auth is not None and matches and from_allowed
