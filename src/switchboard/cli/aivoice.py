"""Operator commands for intelligent voice: dialog flows (YAML/JSON), outbound lines, trying a flow."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from switchboard.cli.common import console, fail, print_json, run
from switchboard.connectors.asr.base import AsrError, engine
from switchboard.domain.aivoice.flow import FlowError, load_text
from switchboard.services.aivoice.conversation import run_with_persona
from switchboard.services.aivoice.flows import Flows
from switchboard.services.aivoice.personas import PERSONAS, Persona, Reply
from switchboard.services.context import Services

aivoice_app = typer.Typer(help="Intelligent voice: dialog flows, outbound lines.", no_args_is_help=True)
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON.")]
AccountArg = Annotated[int, typer.Option("--account", help="Account id.")]


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        fail(f"cannot read {path}: {exc}")


@aivoice_app.command("flow-set")
def flow_set(path: Path, account: AccountArg, as_json: JsonFlag = False) -> None:
    """Check a flow file (YAML or JSON) and store it (a new version when the name exists)."""
    text = _read(path)

    async def action(s: Services) -> None:
        saved = await Flows(s).save(account, text)
        if as_json:
            print_json(saved)
        else:
            console.print(f"flow {saved['dialogFlowId']} {saved['name']!r} version {saved['version']}")

    run(action)


@aivoice_app.command("flow-list")
def flow_list(account: AccountArg, as_json: JsonFlag = False) -> None:
    """The account's flows."""

    async def action(s: Services) -> None:
        found = await Flows(s).listed(account)
        if as_json:
            print_json(found)
            return
        table = Table("id", "name", "version", "status", "created")
        for f in found:
            table.add_row(str(f["dialogFlowId"]), f["name"], str(f["version"]), f["status"], f["createTime"])
        console.print(table)

    run(action)


@aivoice_app.command("flow-show")
def flow_show(flow_id: int, account: AccountArg) -> None:
    """Print a flow's source as it was authored."""

    async def action(s: Services) -> None:
        typer.echo(await Flows(s).export(account, flow_id))

    run(action)


@aivoice_app.command("flow-enable")
def flow_enable(flow_id: int, account: AccountArg, off: Annotated[bool, typer.Option("--off")] = False) -> None:
    """Enable a flow (or disable it with --off: its tasks cannot start, -55)."""
    run(lambda s: Flows(s).set_status(account, flow_id, not off))


@aivoice_app.command("line-add")
def line_add(number: str, account: AccountArg, trunk: Annotated[str | None, typer.Option("--trunk")] = None) -> None:
    """Give an account an outbound line (a caller number on a voice trunk)."""

    async def action(s: Services) -> None:
        console.print(f"line {await Flows(s).add_line(account, number, trunk)}")

    run(action)


@aivoice_app.command("try")
def try_flow(
    path: Path,
    persona: Annotated[str, typer.Option("--persona", help=", ".join(PERSONAS))] = "agrees",
    say: Annotated[list[str] | None, typer.Option("--say", help="Replies, in order (overrides --persona).")] = None,
    var: Annotated[list[str] | None, typer.Option("--var", help="name=value")] = None,
) -> None:
    """Run a flow file against a simulated caller that speaks (espeak-ng -> VAD -> pocketsphinx)."""
    try:
        flow = load_text(_read(path))
        asr = engine("pocketsphinx", flow.phrases())
    except (FlowError, AsrError) as exc:
        fail(str(exc))
    who = Persona("cli", tuple(Reply(text=t) for t in say)) if say else PERSONAS.get(persona)
    if who is None:
        fail(f"no persona {persona!r}")
    values = dict(v.split("=", 1) for v in var or [] if "=" in v)
    outcome = run_with_persona(flow, values, who, asr)
    for turn in outcome.dialog.turns:
        console.print(f"{turn.who:6} {turn.text}", markup=False, highlight=False)
    console.print(f"intent={outcome.dialog.intent} level={outcome.dialog.level} rounds={outcome.dialog.rounds}")
