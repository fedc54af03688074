"""Operator commands for SIP phones (``phone``): list them with their registration state, add, show, reset."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from switchboard.cli.common import console, print_json, run
from switchboard.services.context import Services
from switchboard.services.phones import PhoneAdmin, PhoneView

phone_app = typer.Typer(help="SIP phones of voice apps (sipAdd) and their registrations.", no_args_is_help=True)
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def phone_json(view: PhoneView, password: str | None = None) -> dict[str, Any]:
    p = view.phone
    data: dict[str, Any] = {
        "account": p.account,
        "appId": p.app_id,
        "groupName": p.group_name,
        "phoneName": p.phone_name,
        "displayNum": p.display_num or "",
        "registered": view.registered,
        "contacts": [
            {
                "contact": c.contact,
                "source": c.source,
                "transport": c.transport,
                "userAgent": c.user_agent or "",
                "expiresAt": c.expires_at.isoformat(timespec="seconds"),
            }
            for c in view.contacts
        ],
    }
    if password is not None:
        data["password"] = password
    return data


@phone_app.command("list")
def phone_list(
    app_id: Annotated[str | None, typer.Option("--app", help="Only this voice app's phones.")] = None,
    limit: Annotated[int, typer.Option(help="How many, oldest first.")] = 500,
    as_json: JsonFlag = False,
) -> None:
    """Phones with their registration state."""

    async def action(s: Services) -> None:
        rows = [phone_json(v) for v in await PhoneAdmin(s).phones(app_id=app_id, limit=limit)]
        if as_json:
            print_json(rows)
            return
        table = Table("account", "app", "group", "phone", "displayNum", "registered", "from", "expires")
        for r in rows:
            first = r["contacts"][0] if r["contacts"] else {}
            table.add_row(
                r["account"],
                r["appId"],
                r["groupName"],
                r["phoneName"],
                r["displayNum"],
                f"yes ({len(r['contacts'])})" if r["registered"] else "no",
                first.get("source", ""),
                first.get("expiresAt", ""),
            )
        console.print(table)

    run(action)


@phone_app.command("show")
def phone_show(
    account: str,
    password: Annotated[bool, typer.Option("--password", help="Include the SIP password.")] = False,
) -> None:
    """One phone, its contacts, and (with --password) its SIP password."""

    async def action(s: Services) -> None:
        admin = PhoneAdmin(s)
        view = await admin.phone(account)
        print_json(phone_json(view, admin.password(view.phone) if password else None))

    run(action)


@phone_app.command("add")
def phone_add(
    app_id: Annotated[str, typer.Option("--app", help="A voice app.")],
    group: Annotated[str, typer.Option("--group", help="Group name, 4-32 characters, unique in the app.")],
    name: Annotated[str, typer.Option("--name", help="Phone name, 4-32 characters, unique in the app.")],
    quantity: Annotated[int, typer.Option("--quantity", help="Phones to create, 1-50.")] = 1,
    display_num: Annotated[str | None, typer.Option("--display-num", help="Caller id, 7-13 digits.")] = None,
) -> None:
    """Create a group of phones in a voice app (as sipAdd) and list them."""

    async def action(s: Services) -> None:
        admin = PhoneAdmin(s)
        await admin.add(app_id, group, name, quantity, display_num)
        views = [v for v in await admin.phones(app_id=app_id) if v.phone.group_name == group]
        print_json([phone_json(v, admin.password(v.phone)) for v in views])

    run(action)
