"""``switchboard smsc``: a standalone SMPP test SMSC, so the SMPP path can be tried without a carrier."""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated

import typer

from switchboard.cli.common import fail


def smsc(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="SMPP port.")] = 2775,
    delivered: Annotated[float, typer.Option(help="Share of messages with a DELIVRD receipt (0..1).")] = 1.0,
    undelivered: Annotated[float, typer.Option(help="Share with an UNDELIV receipt (the rest: EXPIRED).")] = 0.0,
    rejected: Annotated[float, typer.Option(help="Share of submits refused with ESME_RINVDSTADR.")] = 0.0,
    throttle_every: Annotated[int, typer.Option(help="Answer every Nth submit with ESME_RTHROTTLED (0: never).")] = 0,
    receipt_delay: Annotated[float, typer.Option(help="Seconds before a receipt is sent.")] = 0.0,
    no_receipts: Annotated[bool, typer.Option("--no-receipts", help="Never send receipts.")] = False,
    seed: Annotated[int | None, typer.Option(help="Seed for reproducible outcomes.")] = None,
    system_id: Annotated[str | None, typer.Option("--system-id", help="Only accept binds with this system_id.")] = None,
    id_style: Annotated[str, typer.Option("--id-style", help="Message ids as 'decimal' or 'hex'.")] = "decimal",
) -> None:
    """Run a test SMSC: accepts binds and submits, sends receipts per the scenario (Ctrl-C stops it)."""
    from switchboard.smsc.server import SmscScenario, run_smsc

    if id_style not in ("decimal", "hex"):
        fail("--id-style is decimal or hex")
    try:
        scenario = SmscScenario(
            delivered=delivered,
            undelivered=undelivered,
            rejected=rejected,
            throttle_every=throttle_every,
            receipt_delay=receipt_delay,
            no_receipts=no_receipts,
            seed=seed,
        )
    except ValueError as exc:
        fail(str(exc))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    typer.echo(f"SMPP test SMSC on {host}:{port} (Ctrl-C to stop)")
    asyncio.run(run_smsc(host, port, scenario, system_id=system_id, id_style=id_style))
