"""Operator commands: accounts, API keys and apps."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from switchboard.cli.common import console, fail, print_json, run
from switchboard.money import format_amount
from switchboard.services.context import Services
from switchboard.services.tenancy import Tenancy
from switchboard.store.tenants import Account, ApiKey, App

account_app = typer.Typer(help="Accounts: create, top up, lock, show.", no_args_is_help=True)
key_app = typer.Typer(help="API keys: create, enable, disable, IP allow-lists.", no_args_is_help=True)
app_app = typer.Typer(help="Apps (one per product): create, update push URLs, show.", no_args_is_help=True)

AllowIp = Annotated[
    list[str] | None,
    typer.Option("--allow-ip", help="IP address or CIDR the key may be used from (repeat, or comma-separate)."),
]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print one JSON object instead of a table.")]


def account_json(account: Account) -> dict[str, Any]:
    return {
        "accountId": account.id,
        "name": account.name,
        "currency": account.currency,
        "balance": format_amount(account.balance),
        "gift": format_amount(account.gift),
        "credit": format_amount(account.credit),
        "locked": account.locked,
        "workspaceEnabled": account.workspace_enabled,
        "timezone": account.timezone,
    }


def app_json(app: App) -> dict[str, Any]:
    return {
        "appId": app.app_id,
        "accountId": app.account_id,
        "product": app.product,
        "name": app.name,
        "reportUrl": app.report_url,
        "inboundUrl": app.inbound_url,
        "callUrl": app.call_url,
        "options": app.options,
    }


def key_json(key: ApiKey) -> dict[str, Any]:
    return {
        "apiKey": key.api_key,
        "accountId": key.account_id,
        "enabled": key.enabled,
        "allowedIps": key.allowed_ips,
        "allowedApps": key.allowed_apps,
    }


def parse_options(items: list[str]) -> dict[str, Any]:
    """NAME=VALUE pairs; values true/false become booleans and digits integers."""
    options: dict[str, Any] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            fail(f"an option is NAME=VALUE: {item!r}")
        text = value.strip()
        parsed: Any = text
        if text.lower() in ("true", "false"):
            parsed = text.lower() == "true"
        elif text.isdigit():
            parsed = int(text)
        options[name.strip()] = parsed
    return options


def show_account(account: Account, as_json: bool) -> None:
    if as_json:
        print_json(account_json(account))
        return
    table = Table(title=f"account {account.id}", show_header=False)
    for name, value in account_json(account).items():
        table.add_row(name, str(value))
    console.print(table)


@account_app.command("create")
def account_create(
    name: Annotated[str, typer.Option("--name", help="Account name.")],
    balance: Annotated[str, typer.Option(help="Opening balance.")] = "0",
    currency: Annotated[str, typer.Option(help="ISO 4217 currency.")] = "USD",
    gift: Annotated[str, typer.Option(help="Opening gift balance.")] = "0",
    credit: Annotated[str, typer.Option(help="Credit line (how far below zero the balance may go).")] = "0",
    allow_ip: AllowIp = None,
    as_json: JsonFlag = False,
) -> None:
    """Create an account with one API key and one app of each product."""

    async def action(s: Services) -> None:
        new = await Tenancy(s).create_account(
            name=name, balance=balance, currency=currency, gift=gift, credit=credit, allow_ips=allow_ip
        )
        if as_json:
            print_json(new.as_json())
            return
        table = Table(title=f"account {new.account.id} created", show_header=False)
        for label, value in new.as_json().items():
            table.add_row(label, str(value))
        console.print(table)
        console.print("The API secret is shown only now; keep it.")

    run(action)


@account_app.command("topup")
def account_topup(
    account_id: int,
    amount: Annotated[str, typer.Option("--amount", help="Amount to add, e.g. 10 or 2.5.")],
    gift: Annotated[bool, typer.Option("--gift", help="Add to the gift balance instead.")] = False,
    reference: Annotated[str, typer.Option(help="Note kept in the ledger.")] = "",
    as_json: JsonFlag = False,
) -> None:
    """Add money to an account (a ledger entry)."""

    async def action(s: Services) -> None:
        show_account(await Tenancy(s).topup(account_id, amount, gift=gift, reference=reference), as_json)

    run(action)


@account_app.command("credit")
def account_credit(
    account_id: int,
    amount: Annotated[str, typer.Option("--amount", help="The credit line, e.g. 50.")],
    as_json: JsonFlag = False,
) -> None:
    """Set how far below zero the balance may be spent."""

    async def action(s: Services) -> None:
        show_account(await Tenancy(s).set_credit_line(account_id, amount), as_json)

    run(action)


@account_app.command("timezone")
def account_timezone(
    account_id: int,
    zone: Annotated[str, typer.Option("--tz", help="IANA time zone, e.g. Asia/Shanghai.")],
    as_json: JsonFlag = False,
) -> None:
    """Set the time zone of the account's report times (UTC by default)."""

    async def action(s: Services) -> None:
        show_account(await Tenancy(s).set_timezone(account_id, zone), as_json)

    run(action)


def _flag_command(name: str, help_text: str, **flags: bool) -> None:
    def command(account_id: int, as_json: JsonFlag = False) -> None:
        async def action(s: Services) -> None:
            show_account(await Tenancy(s).set_account_flags(account_id, **flags), as_json)

        run(action)

    command.__doc__ = help_text
    account_app.command(name)(command)


_flag_command("lock", "Lock an account: its keys get 'user locked'.", locked=True)
_flag_command("unlock", "Unlock an account.", locked=False)
_flag_command("disable-workspace", "Disable the account's workspace.", workspace_enabled=False)
_flag_command("enable-workspace", "Enable the account's workspace.", workspace_enabled=True)


@account_app.command("show")
def account_show(account_id: int, as_json: JsonFlag = False) -> None:
    """An account with its keys (never their secrets) and apps."""

    async def action(s: Services) -> None:
        account, keys, apps = await Tenancy(s).account_details(account_id)
        if as_json:
            print_json(
                {
                    **account_json(account),
                    "keys": [key_json(k) for k in keys],
                    "apps": [app_json(a) for a in apps],
                }
            )
            return
        show_account(account, False)
        keys_table = Table("apiKey", "enabled", "allowed IPs", "allowed apps", title="keys")
        for k in keys:
            keys_table.add_row(
                k.api_key, str(k.enabled), ", ".join(k.allowed_ips) or "any", str(k.allowed_apps or "all")
            )
        apps_table = Table("appId", "product", "name", "report URL", "inbound URL", "call URL", title="apps")
        for a in apps:
            apps_table.add_row(a.app_id, a.product, a.name, a.report_url or "", a.inbound_url or "", a.call_url or "")
        console.print(keys_table, apps_table)

    run(action)


@account_app.command("list")
def account_list(as_json: JsonFlag = False) -> None:
    """All accounts."""

    async def action(s: Services) -> None:
        accounts = await Tenancy(s).accounts()
        if as_json:
            print_json([account_json(a) for a in accounts])
            return
        table = Table("id", "name", "currency", "balance", "gift", "credit", "locked")
        for a in accounts:
            table.add_row(
                str(a.id),
                a.name,
                a.currency,
                format_amount(a.balance),
                format_amount(a.gift),
                format_amount(a.credit),
                str(a.locked),
            )
        console.print(table)

    run(action)


@key_app.command("create")
def key_create(
    account: Annotated[int, typer.Option("--account", help="Account id.")],
    allow_ip: AllowIp = None,
    app: Annotated[list[str] | None, typer.Option("--app", help="Limit the key to this appId (repeat).")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Create another API key for an account; the secret is printed once."""

    async def action(s: Services) -> None:
        api_key, secret = await Tenancy(s).create_key(account, allow_ips=allow_ip, apps=app)
        if as_json:
            print_json({"apiKey": api_key, "apiSecret": secret})
        else:
            console.print(f"apiKey {api_key}\napiSecret {secret}\nThe secret is shown only now; keep it.")

    run(action)


def _key_update(api_key: str, as_json: bool, **values: Any) -> None:
    async def action(s: Services) -> None:
        key = await Tenancy(s).update_key(api_key, **values)
        if as_json:
            print_json(key_json(key))
        else:
            console.print(key_json(key))

    run(action)


@key_app.command("disable")
def key_disable(api_key: str, as_json: JsonFlag = False) -> None:
    """Disable a key: requests with it fail authentication."""
    _key_update(api_key, as_json, enabled=False)


@key_app.command("enable")
def key_enable(api_key: str, as_json: JsonFlag = False) -> None:
    """Enable a key again."""
    _key_update(api_key, as_json, enabled=True)


@key_app.command("allow-ip")
def key_allow_ip(
    api_key: str,
    cidrs: Annotated[list[str], typer.Argument(help="Addresses or CIDRs; 'any' clears the list.")],
    as_json: JsonFlag = False,
) -> None:
    """Replace a key's IP allow-list."""
    _key_update(api_key, as_json, allowed_ips=[] if cidrs == ["any"] else cidrs)


@app_app.command("create")
def app_create(
    account: Annotated[int, typer.Option("--account", help="Account id.")],
    product: Annotated[str, typer.Option("--product", help="sms | voice | aivoice | cc")],
    name: Annotated[str | None, typer.Option(help="App name.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Create an app of one product for an account."""

    async def action(s: Services) -> None:
        created = await Tenancy(s).create_app(account, product, name)
        print_json(app_json(created)) if as_json else console.print(app_json(created))

    run(action)


@app_app.command("update")
def app_update(
    app_id: str,
    report_url: Annotated[
        str | None, typer.Option("--report-url", help="Delivery-report push URL ('' clears).")
    ] = None,
    inbound_url: Annotated[str | None, typer.Option("--inbound-url", help="Inbound SMS push URL ('' clears).")] = None,
    call_url: Annotated[str | None, typer.Option("--call-url", help="Call-result push URL ('' clears).")] = None,
    option: Annotated[
        list[str] | None,
        typer.Option("--option", help="NAME=VALUE app option (repeat), e.g. templates_required=true (docs/sms.md)."),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Set an app's push targets and options."""
    options = parse_options(option or [])

    async def action(s: Services) -> None:
        updated = await Tenancy(s).update_app(
            app_id, options=options, report_url=report_url, inbound_url=inbound_url, call_url=call_url
        )
        print_json(app_json(updated)) if as_json else console.print(app_json(updated))

    run(action)


@app_app.command("show")
def app_show(app_id: str, as_json: JsonFlag = False) -> None:
    """One app."""

    async def action(s: Services) -> None:
        found = await Tenancy(s).app(app_id)
        print_json(app_json(found)) if as_json else console.print(app_json(found))

    run(action)
