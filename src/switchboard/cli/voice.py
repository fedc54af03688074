"""Operator commands for voice: SIP trunks (``trunk``), voice routes, calls, the simulated callee, TTS."""

from __future__ import annotations

import asyncio
import json
import signal
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from switchboard.cli.common import console, fail, print_json, run
from switchboard.connectors.voice.simulated import start_simulated_callee
from switchboard.domain.voice.records import feedback
from switchboard.domain.voice.scenarios import CalleeScenario
from switchboard.errors import ApiError, OperatorError
from switchboard.money import format_amount
from switchboard.services.audio import run as run_tool
from switchboard.services.context import Services
from switchboard.services.tts import Tts
from switchboard.services.voice import TrunkInput, VoiceAdmin
from switchboard.store.voice import Trunk

trunk_app = typer.Typer(help="SIP trunks that place voice calls.", no_args_is_help=True)
voice_app = typer.Typer(help="Voice: routes, calls, the simulated callee, text to speech.", no_args_is_help=True)
route_app = typer.Typer(
    help="Voice routes (country / prefix / account -> trunks in failover order).", no_args_is_help=True
)
voice_app.add_typer(route_app, name="route")
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _scenario(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    try:
        data = json.loads(path.read_text())
        CalleeScenario.of(data)
    except (OSError, json.JSONDecodeError, TypeError, ValueError) as exc:
        fail(f"scenario {path}: {exc}")
    if not isinstance(data, dict):
        fail("a scenario is a JSON object")
    return data


def _trunk_json(t: Trunk) -> dict[str, Any]:
    return {
        "name": t.name,
        "type": t.type,
        "host": t.host,
        "port": t.port,
        "transport": t.transport,
        "username": t.username,
        "password": "***" if t.password_enc else None,
        "callerId": t.caller_id,
        "cps": t.cps,
        "maxConcurrent": t.max_concurrent,
        "enabled": t.enabled,
        "config": t.config,
    }


@trunk_app.command("add")
def trunk_add(
    name: Annotated[str, typer.Option("--name")],
    host: Annotated[str, typer.Option("--host", help="Trunk (or outbound proxy) address.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port")] = 5060,
    transport: Annotated[str, typer.Option("--transport", help="udp")] = "udp",
    type_: Annotated[str, typer.Option("--type", help="sip | simulated (the built-in test callee)")] = "sip",
    username: Annotated[str | None, typer.Option("--username", help="Digest user name.")] = None,
    password: Annotated[str | None, typer.Option("--password", help="Digest password.")] = None,
    caller_id: Annotated[str | None, typer.Option("--caller-id", help="Caller id when a call names none.")] = None,
    cps: Annotated[int, typer.Option("--cps", help="Calls started per second at most.")] = 10,
    max_concurrent: Annotated[int, typer.Option("--max-concurrent", help="Calls at once at most.")] = 100,
    local_host: Annotated[str | None, typer.Option("--local-host", help="Address to bind and advertise.")] = None,
    scenario: Annotated[Path | None, typer.Option("--scenario", help="Simulated callee scenario (JSON file).")] = None,
) -> None:
    """Add a SIP trunk (running voice workers pick it up when restarted)."""
    config: dict[str, Any] = _scenario(scenario) if type_ == "simulated" else {}
    if local_host:
        config["local_host"] = local_host
    trunk = TrunkInput(name, host, port, type_, transport, username, password, caller_id, cps, max_concurrent, config)

    async def action(s: Services) -> None:
        added = await VoiceAdmin(s).add_trunk(trunk)
        console.print(f"trunk {added.name} ({added.type}, {added.host}:{added.port}) added")

    run(action)


@trunk_app.command("list")
def trunk_list(as_json: JsonFlag = False) -> None:
    """Configured trunks."""

    async def action(s: Services) -> None:
        found = [_trunk_json(t) for t in await VoiceAdmin(s).trunks()]
        if as_json:
            print_json(found)
            return
        table = Table("name", "type", "address", "auth", "caller id", "cps", "max concurrent", "enabled")
        for t in found:
            auth = t["username"] or ""
            table.add_row(
                t["name"],
                t["type"],
                f"{t['host']}:{t['port']}",
                auth,
                t["callerId"] or "",
                str(t["cps"]),
                str(t["maxConcurrent"]),
                str(t["enabled"]),
            )
        console.print(table)

    run(action)


@trunk_app.command("show")
def trunk_show(name: str) -> None:
    """One trunk (the password hidden)."""

    async def action(s: Services) -> None:
        print_json(_trunk_json(await VoiceAdmin(s).trunk(name)))

    run(action)


@trunk_app.command("disable")
def trunk_disable(name: str) -> None:
    """Stop placing calls through a trunk (after the voice workers restart)."""
    run(lambda s: VoiceAdmin(s).set_enabled(name, False))


@trunk_app.command("enable")
def trunk_enable(name: str) -> None:
    """Use a trunk again."""
    run(lambda s: VoiceAdmin(s).set_enabled(name, True))


@route_app.command("add")
def route_add(
    trunk: Annotated[list[str], typer.Option("--trunk", help="Trunk name; repeat for failover order.")],
    country: Annotated[str | None, typer.Option(help="ISO country filter.")] = None,
    prefix: Annotated[str | None, typer.Option(help="Number prefix filter.")] = None,
    account: Annotated[int | None, typer.Option(help="Account filter.")] = None,
    position: Annotated[int | None, typer.Option(help="Order in the table (default: last).")] = None,
) -> None:
    """Add a voice route: the first matching route decides the trunks."""

    async def action(s: Services) -> None:
        route_id = await VoiceAdmin(s).add_route(
            trunk, position=position, country=country, prefix=prefix, account_id=account
        )
        console.print(f"voice route {route_id} added")

    run(action)


@route_app.command("list")
def route_list(as_json: JsonFlag = False) -> None:
    """The voice route table in order."""

    async def action(s: Services) -> None:
        found = await VoiceAdmin(s).routes()
        rows: list[dict[str, Any]] = [
            {
                "id": r.id,
                "position": r.position,
                "country": r.country,
                "prefix": r.prefix,
                "account": r.account_id,
                "trunks": r.carriers,
            }
            for r in found
        ]
        if as_json:
            print_json(rows)
            return
        table = Table("id", "position", "country", "prefix", "account", "trunks")
        for r in rows:
            table.add_row(
                str(r["id"]),
                str(r["position"]),
                r["country"] or "*",
                r["prefix"] or "*",
                str(r["account"] or "*"),
                " -> ".join(r["trunks"]),
            )
        console.print(table)

    run(action)


@route_app.command("remove")
def route_remove(route_id: int) -> None:
    """Remove a voice route."""
    run(lambda s: VoiceAdmin(s).remove_route(route_id))


def _call_json(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "voiceId": row["voice_id"],
        "type": row["type"],
        "callee": row["callee"],
        "status": row["status"],
        "attempts": row["attempts"],
        "trunk": row["trunk"],
        "terminationCode": row["termination_code"],
        "terminationReason": row["termination_reason"],
        "sipCode": row["sip_code"],
        "callDuration": row["call_duration"],
        "chargedDuration": row["charged_duration"],
        "reserved": format_amount(row["reserved"]),
        "cost": format_amount(row["cost"]),
        "feedbackValue": feedback(row["keys"]),
        "keys": row["keys"],
        "createdAt": row["created_at"].isoformat(),
    }


@voice_app.command("calls")
def calls(
    status: Annotated[str | None, typer.Option(help="queued | calling | done")] = None,
    limit: Annotated[int, typer.Option(help="How many, newest first.")] = 50,
    as_json: JsonFlag = False,
) -> None:
    """Recent calls."""

    async def action(s: Services) -> None:
        rows = [_call_json(r) for r in await VoiceAdmin(s).calls(limit=limit, status=status)]
        if as_json:
            print_json(rows)
            return
        table = Table("voiceId", "callee", "status", "code", "reason", "duration", "cost", "keys")
        for r in rows:
            table.add_row(
                r["voiceId"],
                r["callee"],
                r["status"],
                r["terminationCode"] or "",
                r["terminationReason"] or "",
                str(r["callDuration"]),
                r["cost"],
                r["keys"],
            )
        console.print(table)

    run(action)


@voice_app.command("show")
def call_show(voice_id: str) -> None:
    """One call."""

    async def action(s: Services) -> None:
        print_json(_call_json(await VoiceAdmin(s).call(voice_id)))

    run(action)


@voice_app.command("callee")
def callee(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="SIP port (0: any).")] = 5080,
    scenario: Annotated[Path | None, typer.Option(help="Scenario (JSON file).")] = None,
    journal: Annotated[Path | None, typer.Option(help="Append '<number> <Call-ID>' per call to this file.")] = None,
) -> None:
    """Run the simulated callee alone (point a trunk at it), until interrupted."""
    data = _scenario(scenario)

    async def main() -> None:
        log = journal.open("a", encoding="utf-8") if journal else None
        sim = await start_simulated_callee(data, host=host, port=port, journal=log)
        console.print(f"simulated callee listening on {sim.address[0]}:{sim.address[1]} (udp)")
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        await stop.wait()
        await sim.stop()
        if log is not None:
            log.close()

    asyncio.run(main())


@voice_app.command("say")
def say(
    text: str,
    language: Annotated[str, typer.Option(help="API language code (EN, HI, ZH ...) or auto.")] = "EN",
    rate: Annotated[float, typer.Option(help="Speaking rate 0.25-4.0.")] = 1.0,
    out: Annotated[Path, typer.Option(help="WAV file to write.")] = Path("speech.wav"),
) -> None:
    """Render a text as a call would hear it (8 kHz mu-law) into a WAV file."""

    async def action(s: Services) -> None:
        tts = Tts(s)
        try:
            rendered = await tts.render(text, language, rate=rate)
        except ApiError as exc:
            raise OperatorError(f"{exc.reason} ({exc.detail})" if exc.detail else exc.reason) from exc
        wav = await run_tool(
            "sox", "-t", "ul", "-r", "8000", "-c", "1", "-", "-t", "wav", "-", data=tts.audio(rendered.key)
        )
        out.write_bytes(wav)
        console.print(f"{out}: {rendered.language}, {rendered.duration_ms / 1000:.1f} s")

    run(action)
