"""Operator commands for console users: create, list, disable, enable, and issuing bearer tokens."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from switchboard.cli.common import console, print_json, run
from switchboard.services.context import Services
from switchboard.services.users import Users

user_app = typer.Typer(help="Console and admin-API users: admins and account users.", no_args_is_help=True)
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON.")]


@user_app.command("create")
def user_create(
    email: Annotated[str, typer.Option("--email", help="The user's email (the login).")],
    password: Annotated[
        str, typer.Option("--password", prompt=True, hide_input=True, confirmation_prompt=True, help="At least 8.")
    ],
    role: Annotated[str, typer.Option("--role", help="admin | account")],
    account: Annotated[int | None, typer.Option("--account", help="The account of an account user.")] = None,
) -> None:
    """Create a user. The console and the admin API are off until an admin exists."""

    async def action(s: Services) -> None:
        user = await Users(s).create_user(email, password, role, account)
        scope = f" of account {user.account_id}" if user.account_id is not None else ""
        console.print(f"user {user.email} ({user.role}{scope}) created", markup=False, highlight=False)

    run(action)


@user_app.command("list")
def user_list(as_json: JsonFlag = False) -> None:
    """Every user."""

    async def action(s: Services) -> None:
        users = await Users(s).users()
        if as_json:
            print_json(
                [{"email": u.email, "role": u.role, "accountId": u.account_id, "enabled": u.enabled} for u in users]
            )
            return
        table = Table("email", "role", "account", "enabled", "created (UTC)")
        for u in users:
            table.add_row(
                u.email, u.role, str(u.account_id or ""), str(u.enabled), u.created_at.strftime("%Y-%m-%d %H:%M")
            )
        console.print(table)

    run(action)


@user_app.command("disable")
def user_disable(email: str) -> None:
    """Disable a user and end their sessions (their tokens stop working too)."""
    run(lambda s: Users(s).set_enabled(email, False))


@user_app.command("enable")
def user_enable(email: str) -> None:
    """Enable a user again."""
    run(lambda s: Users(s).set_enabled(email, True))


@user_app.command("token")
def user_token(email: str) -> None:
    """Issue a bearer token for EMAIL and print it (shown only now): ``Authorization: Bearer <token>``."""

    async def action(s: Services) -> None:
        token = await Users(s).issue_token(email)
        typer.echo(token)

    run(action)
