"""Carrier credentials are stored sealed with the master key, like API secrets: an SMPP carrier's ``password``
and an HTTP carrier's ``headers`` (which hold its API tokens) become ``password_enc`` / ``headers_enc`` in the
stored configuration, and are opened only where a connector is built. Configurations written before this
(plain text) are still read, and :func:`seal_stored` seals them in place."""

from __future__ import annotations

import json
import logging
from typing import Any

from switchboard.auth.secrets import SecretBox
from switchboard.services.context import Services
from switchboard.store import carriers as store

log = logging.getLogger("switchboard.carriers")

# field -> how it is stored sealed
SEALED = {"password": "password_enc", "headers": "headers_enc"}


def seal_config(config: dict[str, Any], box: SecretBox) -> dict[str, Any]:
    """The configuration as it is stored: the secret fields sealed (already sealed ones are kept)."""
    stored = dict(config)
    for plain, sealed in SEALED.items():
        if plain in stored:
            value = stored.pop(plain)
            stored[sealed] = box.seal(json.dumps(value))
    return stored


def open_config(config: dict[str, Any], box: SecretBox) -> dict[str, Any]:
    """The configuration a connector needs: the sealed fields opened (plain ones, written before sealing
    existed, pass through)."""
    opened = dict(config)
    for plain, sealed in SEALED.items():
        if sealed in opened:
            opened[plain] = json.loads(box.open(opened.pop(sealed)))
    return opened


def redacted(config: dict[str, Any]) -> dict[str, Any]:
    """A carrier's configuration to show (CLI, admin API, console): each secret field, sealed or not, as "***"
    under its plain name, and the callback credentials (auth/carrier_auth.py) as "***"."""
    plain_of = {sealed: plain for plain, sealed in SEALED.items()}
    shown: dict[str, Any] = {}
    for key, value in config.items():
        name = plain_of.get(key, key)
        shown[name] = "***" if name in SEALED or name == "callback" else value
    return shown


def needs_sealing(config: dict[str, Any]) -> bool:
    return any(plain in config for plain in SEALED)


async def seal_stored(services: Services) -> int:
    """Seal the secret fields of carriers stored in plain text; returns how many carriers were changed."""
    async with services.db.read() as conn:
        plain = [c for c in await store.list_carriers(conn) if needs_sealing(c.config)]
    if not plain:
        return 0
    async with services.db.write() as conn:
        for carrier in plain:
            await store.set_carrier_config(conn, carrier.name, seal_config(carrier.config, services.secrets))
    log.info("sealed the credentials of %d carriers stored in plain text", len(plain))
    return len(plain)
