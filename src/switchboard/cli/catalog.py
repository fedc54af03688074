"""Operator commands: rates, sensitive words, templates, scheduled messages."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import Progress
from rich.table import Table

from switchboard.cli.common import console, fail, print_json, reaches_servers, run
from switchboard.money import format_amount
from switchboard.services.catalog import Catalog, RateInput
from switchboard.services.context import Services
from switchboard.services.otp import Otp
from switchboard.services.sms import Scheduled

rate_app = typer.Typer(help="Prices per product and country (optionally per prefix or account).", no_args_is_help=True)
words_app = typer.Typer(help="Sensitive words (global or per account).", no_args_is_help=True)
template_app = typer.Typer(help="SMS templates of an app.", no_args_is_help=True)
sms_app = typer.Typer(help="Messages: send (client), report, scheduled ones, cancelling.", no_args_is_help=True)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON.")]
AccountOpt = Annotated[int | None, typer.Option("--account", help="Account id (default: global).")]


def _rate_json(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "product": row["product"],
        "country": row["country"],
        "prefix": row["prefix"],
        "account": row["account_id"],
        "price": format_amount(row["price"]),
        "currency": row["currency"],
    }


@rate_app.command("set")
def rate_set(
    product: Annotated[str, typer.Option("--product", help="sms | voice | aivoice | cc")],
    country: Annotated[str, typer.Option("--country", help="ISO alpha-2 code, or '*' for every country.")],
    price: Annotated[str, typer.Option("--price", help="Price per SMS segment (or per voice billing block).")],
    currency: Annotated[str, typer.Option(help="Currency of the price.")] = "USD",
    prefix: Annotated[str, typer.Option(help="Only numbers starting with these digits.")] = "",
    account: AccountOpt = None,
) -> None:
    """Set one price (replaces the same product/country/prefix/account)."""

    async def action(s: Services) -> None:
        await Catalog(s).set_rates([RateInput(product, country, price, currency, prefix, account)])
        console.print(
            f"rate set: {product} {country.upper()}{' ' + prefix if prefix else ''} {price} {currency.upper()}"
        )
        reaches_servers()

    run(action)


@rate_app.command("list")
def rate_list(
    product: Annotated[str | None, typer.Option(help="Only this product.")] = None, as_json: JsonFlag = False
) -> None:
    """All prices."""

    async def action(s: Services) -> None:
        rows = [_rate_json(r) for r in await Catalog(s).rates(product)]
        if as_json:
            print_json(rows)
            return
        table = Table("product", "country", "prefix", "account", "price", "currency")
        for r in rows:
            table.add_row(
                r["product"], r["country"], r["prefix"], str(r["account"] or "global"), r["price"], r["currency"]
            )
        console.print(table)

    run(action)


@rate_app.command("import")
def rate_import(
    file: Annotated[Path, typer.Argument(help="CSV: product,country,price[,currency][,prefix][,account]")],
) -> None:
    """Import prices from a CSV file, all or nothing."""
    try:
        content = file.read_text(encoding="utf-8-sig")
    except OSError as exc:
        fail(f"cannot read {file}: {exc}")

    async def action(s: Services) -> None:
        catalog = Catalog(s)
        rows = catalog.parse_rate_csv(content)
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task("importing rates", total=len(rows))
            count = await catalog.set_rates(rows, progress=lambda done: progress.update(task, completed=done))
        console.print(f"{count} rates imported")
        reaches_servers()

    run(action)


@rate_app.command("remove")
def rate_remove(
    product: Annotated[str, typer.Option("--product")],
    country: Annotated[str, typer.Option("--country")],
    prefix: Annotated[str, typer.Option()] = "",
    account: AccountOpt = None,
) -> None:
    """Remove one price."""
    run(lambda s: Catalog(s).remove_rate(product, country, prefix, account))
    reaches_servers()


@words_app.command("add")
def words_add(word: str, account: AccountOpt = None) -> None:
    """Add a sensitive word (case-insensitive substring match)."""

    async def action(s: Services) -> None:
        added = await Catalog(s).add_word(word, account)
        console.print("added" if added else "already listed")
        reaches_servers()

    run(action)


@words_app.command("remove")
def words_remove(word: str, account: AccountOpt = None) -> None:
    """Remove a sensitive word."""
    run(lambda s: Catalog(s).remove_word(word, account))
    reaches_servers()


@words_app.command("list")
def words_list(as_json: JsonFlag = False) -> None:
    """All sensitive words."""

    async def action(s: Services) -> None:
        rows = [{"word": r["word"], "account": r["account_id"]} for r in await Catalog(s).words()]
        if as_json:
            print_json(rows)
            return
        table = Table("word", "account")
        for r in rows:
            table.add_row(r["word"], str(r["account"] or "global"))
        console.print(table)

    run(action)


@template_app.command("add")
def template_add(
    app_id: Annotated[str, typer.Option("--app", help="SMS appId.")],
    content: Annotated[str, typer.Option("--content", help="Text with {placeholders}.")],
    approve: Annotated[bool, typer.Option("--approve", help="Approve at once.")] = False,
) -> None:
    """Add a template to an app (pending until approved)."""

    async def action(s: Services) -> None:
        template_id = await Catalog(s).add_template(app_id, content, approved=approve)
        console.print(f"template {template_id} {'approved' if approve else 'pending'}")
        reaches_servers()

    run(action)


@template_app.command("approve")
def template_approve(template_id: int, revoke: Annotated[bool, typer.Option("--revoke")] = False) -> None:
    """Approve a template (or revoke the approval)."""
    run(lambda s: Catalog(s).approve_template(template_id, not revoke))
    reaches_servers()


@template_app.command("remove")
def template_remove(template_id: int) -> None:
    """Remove a template."""
    run(lambda s: Catalog(s).remove_template(template_id))
    reaches_servers()


@template_app.command("list")
def template_list(app_id: Annotated[str, typer.Option("--app")], as_json: JsonFlag = False) -> None:
    """An app's templates."""

    async def action(s: Services) -> None:
        found = await Catalog(s).templates(app_id)
        if as_json:
            print_json([{"id": t.id, "content": t.content, "approved": t.approved} for t in found])
            return
        table = Table("id", "approved", "content")
        for t in found:
            table.add_row(str(t.id), str(t.approved), t.content)
        console.print(table)

    run(action)


@sms_app.command("scheduled")
def sms_scheduled(account: AccountOpt = None, as_json: JsonFlag = False) -> None:
    """Messages waiting for their sendTime."""

    async def action(s: Services) -> None:
        rows = [
            {
                "msgId": r["msg_id"],
                "account": str(r["account_id"]),
                "number": r["number"],
                "sendTime": r["due_at"].isoformat(),
                "cost": format_amount(r["cost"]),
            }
            for r in await Scheduled(s).scheduled(account)
        ]
        if as_json:
            print_json(rows)
            return
        table = Table("msgId", "account", "number", "sendTime", "cost")
        for r in rows:
            table.add_row(r["msgId"], r["account"], r["number"], r["sendTime"], r["cost"])
        console.print(table)

    run(action)


@sms_app.command("cancel")
def sms_cancel(msg_ids: Annotated[list[str], typer.Argument(help="msgIds of scheduled messages.")]) -> None:
    """Cancel scheduled messages; each is refunded."""

    async def action(s: Services) -> None:
        cancelled = await Scheduled(s).cancel(msg_ids)
        missing = sorted(set(msg_ids) - set(cancelled))
        console.print(f"{len(cancelled)} cancelled and refunded")
        if missing:
            fail(f"not scheduled (unknown, already sent or cancelled): {', '.join(missing)}")

    run(action)


otp_app = typer.Typer(help="OTP templates of SMS apps.", no_args_is_help=True)


@otp_app.command("template-add")
def otp_template_add(
    app_id: Annotated[str, typer.Option("--app", help="SMS appId.")],
    content: Annotated[str, typer.Option("--content", help="Text with a {code} placeholder.")],
    length: Annotated[int, typer.Option(help="Digits in a generated code.")] = 6,
    ttl: Annotated[int, typer.Option(help="Seconds a code is valid.")] = 300,
    attempts: Annotated[int, typer.Option(help="Wrong codes allowed before the verification locks.")] = 5,
) -> None:
    """Add an OTP template; prints its templateId."""

    async def action(s: Services) -> None:
        template_id = await Otp(s).add_template(app_id, content, code_length=length, ttl=ttl, max_attempts=attempts)
        console.print(f"templateId {template_id}")

    run(action)


@otp_app.command("template-list")
def otp_template_list(app_id: Annotated[str, typer.Option("--app")], as_json: JsonFlag = False) -> None:
    """An app's OTP templates."""

    async def action(s: Services) -> None:
        rows = [
            {
                "templateId": r["id"],
                "content": r["content"],
                "length": r["code_length"],
                "ttl": r["ttl"],
                "attempts": r["max_attempts"],
            }
            for r in await Otp(s).templates(app_id)
        ]
        if as_json:
            print_json(rows)
            return
        table = Table("templateId", "content", "length", "ttl", "attempts")
        for r in rows:
            table.add_row(*(str(v) for v in r.values()))
        console.print(table)

    run(action)
