"""Operator commands for the way out and back: carriers, routes, pushes, inbound numbers, the test SMSC."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from switchboard.cli.common import console, fail, print_json, run
from switchboard.errors import OperatorError, Product
from switchboard.services.carrier_secrets import redacted
from switchboard.services.carriers import CarrierAdmin
from switchboard.services.context import Services
from switchboard.store import inbound, pushes, tenants

carrier_app = typer.Typer(help="SMS carriers: simulator, SMPP, HTTP.", no_args_is_help=True)
route_app = typer.Typer(help="The ordered route table (filters -> carriers with failover).", no_args_is_help=True)
push_app = typer.Typer(help="Pushes to customers: list, inspect, retry.", no_args_is_help=True)
number_app = typer.Typer(help="Numbers that receive inbound SMS for an app.", no_args_is_help=True)
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON.")]

SMPP_KEYS = ("host", "port", "system_id", "password", "system_type", "bind", "binds", "window", "throughput")


def _config(
    type_: str, config_json: str | None, scenario: Path | None, smpp: dict[str, Any], url: str | None
) -> dict[str, Any]:
    config: dict[str, Any] = {}
    if config_json:
        try:
            config = json.loads(config_json)
        except json.JSONDecodeError as exc:
            fail(f"--config is not JSON: {exc}")
        if not isinstance(config, dict):
            fail("--config must be a JSON object")
    if type_ == "simulator" and scenario is not None:
        try:
            config = json.loads(scenario.read_text())
        except (OSError, json.JSONDecodeError) as exc:
            fail(f"cannot read the scenario file: {exc}")
    if type_ == "smpp":
        config.update({k: v for k, v in smpp.items() if v is not None})
    if type_ == "http" and url:
        config["url"] = url
    return config


@carrier_app.command("add")
def carrier_add(
    name: Annotated[str, typer.Option("--name")],
    type_: Annotated[str, typer.Option("--type", help="simulator | smpp | http")],
    host: Annotated[str | None, typer.Option(help="SMPP host.")] = None,
    port: Annotated[int | None, typer.Option(help="SMPP port.")] = None,
    system_id: Annotated[str | None, typer.Option("--system-id", help="SMPP system_id.")] = None,
    password: Annotated[str | None, typer.Option(help="SMPP password.")] = None,
    system_type: Annotated[str | None, typer.Option("--system-type", help="SMPP system_type.")] = None,
    bind: Annotated[str | None, typer.Option(help="transceiver | transmitter | receiver | pair")] = None,
    binds: Annotated[int | None, typer.Option(help="Number of binds.")] = None,
    window: Annotated[int | None, typer.Option(help="Outstanding submits per bind.")] = None,
    throughput: Annotated[float | None, typer.Option(help="Submits per second per bind (0 = no cap).")] = None,
    url: Annotated[str | None, typer.Option(help="HTTP carrier URL.")] = None,
    scenario: Annotated[Path | None, typer.Option(help="Simulator scenario file (JSON).")] = None,
    config: Annotated[str | None, typer.Option("--config", help="The whole configuration as JSON.")] = None,
) -> None:
    """Add a carrier (its configuration is checked before it is saved)."""
    smpp = dict(
        zip(SMPP_KEYS, (host, port, system_id, password, system_type, bind, binds, window, throughput), strict=True)
    )
    settings = _config(type_, config, scenario, smpp, url)

    async def action(s: Services) -> None:
        carrier = await CarrierAdmin(s).add(name, type_, settings)
        console.print(f"carrier {carrier.name} ({carrier.type}) added; running workers pick it up when restarted")
        if carrier.type == "http":
            _print_callback(carrier.name, await CarrierAdmin(s).set_callback(carrier.name))

    run(action)


def _print_callback(name: str, secret: str) -> None:
    console.print(f"callback secret of {name} (shown once; give it to the carrier): {secret}", soft_wrap=True)
    console.print(
        f"receipts: POST /carriers/{name}/<secret>/receipt, inbound: POST /carriers/{name}/<secret>/inbound "
        f"(or the plain paths with the secret in the X-Carrier-Token header)",
        soft_wrap=True,
    )


@carrier_app.command("callback")
def carrier_callback(
    name: str,
    mode: Annotated[str, typer.Option(help="token (secret in the path or a header) | hmac (HMAC of the body)")] = (
        "token"
    ),
    header: Annotated[str | None, typer.Option(help="hmac mode: the header with the signature.")] = None,
    allow_ip: Annotated[
        list[str] | None, typer.Option("--allow-ip", help="Accept callbacks only from this address or CIDR.")
    ] = None,
) -> None:
    """Give an HTTP carrier a new callback secret (the old one stops working at once) and print it."""

    async def action(s: Services) -> None:
        secret = await CarrierAdmin(s).set_callback(name, mode=mode, header=header, allow_ips=allow_ip or [])
        _print_callback(name, secret)

    run(action)


@carrier_app.command("list")
def carrier_list(as_json: JsonFlag = False) -> None:
    """Configured carriers."""

    async def action(s: Services) -> None:
        found = await CarrierAdmin(s).carriers()
        if as_json:
            print_json([{"name": c.name, "type": c.type, "enabled": c.enabled} for c in found])
            return
        table = Table("name", "type", "enabled", "config")
        for c in found:
            table.add_row(c.name, c.type, str(c.enabled), json.dumps(redacted(c.config)))
        console.print(table)

    run(action)


@carrier_app.command("show")
def carrier_show(name: str) -> None:
    """One carrier (secrets hidden)."""

    async def action(s: Services) -> None:
        c = await CarrierAdmin(s).get(name)
        print_json({"name": c.name, "type": c.type, "enabled": c.enabled, "config": redacted(c.config)})

    run(action)


@carrier_app.command("disable")
def carrier_disable(name: str) -> None:
    """Stop using a carrier (routes skip it)."""
    run(lambda s: CarrierAdmin(s).set_enabled(name, False))


@carrier_app.command("enable")
def carrier_enable(name: str) -> None:
    """Use a carrier again."""
    run(lambda s: CarrierAdmin(s).set_enabled(name, True))


@route_app.command("add")
def route_add(
    carrier: Annotated[list[str], typer.Option("--carrier", help="Carrier name; repeat for failover order.")],
    country: Annotated[str | None, typer.Option(help="ISO country filter.")] = None,
    prefix: Annotated[str | None, typer.Option(help="Number prefix filter.")] = None,
    account: Annotated[int | None, typer.Option(help="Account filter.")] = None,
    sender: Annotated[str | None, typer.Option(help="Sender id filter.")] = None,
    position: Annotated[int | None, typer.Option(help="Order in the table (default: last).")] = None,
) -> None:
    """Add a route: the first matching route decides the carriers."""

    async def action(s: Services) -> None:
        route_id = await CarrierAdmin(s).add_route(
            carrier, position=position, country=country, prefix=prefix, account_id=account, sender_id=sender
        )
        console.print(f"route {route_id} added")

    run(action)


@route_app.command("list")
def route_list(as_json: JsonFlag = False) -> None:
    """The route table in order."""

    async def action(s: Services) -> None:
        found = await CarrierAdmin(s).routes()
        if as_json:
            print_json([asdict(r) for r in found])
            return
        table = Table("id", "position", "country", "prefix", "account", "sender", "carriers")
        for r in found:
            table.add_row(
                str(r.id),
                str(r.position),
                r.country or "*",
                r.prefix or "*",
                str(r.account_id or "*"),
                r.sender_id or "*",
                " -> ".join(r.carriers),
            )
        console.print(table)

    run(action)


@route_app.command("remove")
def route_remove(route_id: int) -> None:
    """Remove a route."""
    run(lambda s: CarrierAdmin(s).remove_route(route_id))


def _push_json(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "kind": row["kind"],
        "ref": row["ref"],
        "url": row["url"],
        "status": row["status"],
        "attempts": row["attempts"],
        "lastError": row["last_error"],
        "nextAttemptAt": row["next_attempt_at"].isoformat() if row["next_attempt_at"] else None,
    }


@push_app.command("list")
def push_list(
    failed: Annotated[bool, typer.Option("--failed", help="Only pushes that failed at least once or gave up.")] = False,
    ref: Annotated[str | None, typer.Option("--ref", help="Only pushes about this msgId.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Recent pushes, newest first."""

    async def action(s: Services) -> None:
        async with s.db.read() as conn:
            rows = [_push_json(r) for r in await pushes.list_pushes(conn, failed_only=failed, ref=ref)]
        if as_json:
            print_json(rows)
            return
        table = Table("id", "kind", "ref", "status", "attempts", "last error", "url")
        for r in rows:
            table.add_row(
                str(r["id"]), r["kind"], r["ref"], r["status"], str(r["attempts"]), r["lastError"] or "", r["url"]
            )
        console.print(table)

    run(action)


@push_app.command("show")
def push_show(push_id: int) -> None:
    """A push's attempts."""

    async def action(s: Services) -> None:
        async with s.db.read() as conn:
            attempts = await pushes.attempts_of(conn, push_id)
        print_json(
            [
                {"at": a["at"].isoformat(), "httpStatus": a["http_status"], "error": a["error"], "ms": a["duration_ms"]}
                for a in attempts
            ]
        )

    run(action)


@push_app.command("retry")
def push_retry(
    push_ids: Annotated[list[int] | None, typer.Argument(help="Push ids (default: every failed one).")] = None,
) -> None:
    """Make failed or abandoned pushes due now."""

    async def action(s: Services) -> None:
        async with s.db.write() as conn:
            count = await pushes.retry(conn, push_ids or None, s.clock.now())
        console.print(f"{count} pushes due again")

    run(action)


@number_app.command("assign")
def number_assign(number: str, app: Annotated[str, typer.Option("--app", help="SMS or voice appId.")]) -> None:
    """Route inbound SMS sent to NUMBER (or sender id) to an SMS app, or inbound calls to a voice app's phones."""

    async def action(s: Services) -> None:
        async with s.db.write() as conn:
            found = await tenants.get_app(conn, app)
            if found is None or found.product not in (Product.SMS.value, Product.VOICE.value):
                raise OperatorError(f"no SMS or voice app {app}")
            await inbound.assign_number(conn, number.strip().lstrip("+"), app, s.clock.now())
        console.print(f"{number} -> {app}")

    run(action)


@number_app.command("release")
def number_release(number: str) -> None:
    """Stop routing a number to its app."""

    async def action(s: Services) -> None:
        async with s.db.write() as conn:
            if not await inbound.release_number(conn, number.strip().lstrip("+")):
                raise OperatorError(f"{number} is not assigned")

    run(action)


@number_app.command("list")
def number_list(as_json: JsonFlag = False) -> None:
    """Assigned numbers."""

    async def action(s: Services) -> None:
        async with s.db.read() as conn:
            rows = [{"number": r["number"], "appId": r["app_id"]} for r in await inbound.list_numbers(conn)]
        if as_json:
            print_json(rows)
            return
        table = Table("number", "appId")
        for r in rows:
            table.add_row(r["number"], r["appId"])
        console.print(table)

    run(action)
