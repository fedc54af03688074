"""A local, durable holding place for carrier events the database could not take.

smpp34 acknowledges every deliver_sm itself, before the receipt or inbound message reaches us, so the SMSC
never redelivers one that we fail to store. When storing fails (the database is down or refuses), the event is
appended to a spool file in the data folder (one JSON line, flushed and fsynced) and the carrier's PDU counts as
handled; the dispatch role replays the spool every few seconds and on start. Replay renames the file first, so
events spooled meanwhile go to a new file, and writes back whatever still fails.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

from switchboard.connectors.sms.base import InboundSms, Receipt

log = logging.getLogger("switchboard.spool")

Event = Receipt | InboundSms


def encode(event: Event) -> str:
    fields = {k: v.isoformat() if isinstance(v, datetime) else v for k, v in asdict(event).items()}
    return json.dumps({"kind": "receipt" if isinstance(event, Receipt) else "inbound", **fields})


def decode(line: str) -> Event:
    data: dict[str, Any] = json.loads(line)
    kind = data.pop("kind")
    for name in ("done_at", "received_at"):
        if isinstance(data.get(name), str):
            data[name] = datetime.fromisoformat(data[name])
    return Receipt(**data) if kind == "receipt" else InboundSms(**data)


class Spool:
    def __init__(self, folder: Path) -> None:
        self.path = folder / "spool" / "carrier-events.jsonl"

    def append(self, event: Event) -> None:
        """Durably add one event (raises OSError when even the local disk refuses)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(encode(event) + "\n")
            handle.flush()
            os.fsync(handle.fileno())

    def pending(self) -> int:
        try:
            with self.path.open(encoding="utf-8") as handle:
                return sum(1 for line in handle if line.strip())
        except FileNotFoundError:
            return 0

    async def replay(self, store: Callable[[Event], Awaitable[None]]) -> int:
        """Store every spooled event with ``store``; returns how many were stored. Events that still fail
        (and lines that cannot be read) go back to the spool."""
        taking = self.path.with_name(f"{self.path.name}.{os.getpid()}.replaying")
        try:
            os.replace(self.path, taking)
        except FileNotFoundError:
            if not taking.exists():
                return 0
        lines = [line for line in taking.read_text(encoding="utf-8").splitlines() if line.strip()]
        stored = 0
        failed: list[str] = []
        for index, line in enumerate(lines):
            try:
                event = decode(line)
            except (ValueError, TypeError, KeyError):
                log.error("unreadable spooled carrier event moved aside: %r", line[:200])
                with self.path.with_suffix(".bad").open("a", encoding="utf-8") as bad:
                    bad.write(line + "\n")
                continue
            try:
                await store(event)
                stored += 1
            except Exception:
                log.warning("spooled carrier event not stored yet; kept", exc_info=True)
                failed = lines[index:]  # the database is still refusing: keep the rest for the next replay
                break
        if failed:
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write("".join(line + "\n" for line in failed))
                handle.flush()
                os.fsync(handle.fileno())
        taking.unlink()
        return stored
