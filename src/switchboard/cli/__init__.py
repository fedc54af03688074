"""The ``switchboard`` command: the operator's CLI (typer + rich)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from switchboard.cli import aivoice as aivoice_cli
from switchboard.cli import campaigns, catalog, client, delivery, server, smsc, tenancy, users
from switchboard.cli import smpp as smpp_cli
from switchboard.cli import voice as voice_cli
from switchboard.cli.common import CliState
from switchboard.cli.phones import phone_app

app = typer.Typer(
    help="Switchboard: SMS and voice platform speaking the Onbuka v3 API.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def root(
    database_url: Annotated[
        str | None, typer.Option("--database-url", help="Database URL (else SWITCHBOARD_DATABASE_URL).")
    ] = None,
    data_dir: Annotated[
        Path | None, typer.Option("--data-dir", help="Data folder (else SWITCHBOARD_DATA_DIR).")
    ] = None,
) -> None:
    CliState.database_url = database_url
    CliState.data_dir = data_dir


app.command()(server.serve)
app.command()(server.migrate)
app.command()(server.api)
app.command()(server.worker)
app.command()(smsc.smsc)
app.add_typer(tenancy.account_app, name="account")
app.add_typer(tenancy.key_app, name="key")
app.add_typer(tenancy.app_app, name="app")
app.add_typer(catalog.rate_app, name="rate")
app.add_typer(catalog.words_app, name="words")
app.add_typer(catalog.template_app, name="template")
app.add_typer(catalog.sms_app, name="sms")
client.register(catalog.sms_app, app)
app.add_typer(catalog.otp_app, name="otp")
app.add_typer(delivery.carrier_app, name="carrier")
app.add_typer(delivery.route_app, name="route")
app.add_typer(delivery.push_app, name="push")
app.add_typer(delivery.number_app, name="number")
app.add_typer(users.user_app, name="user")
app.add_typer(voice_cli.trunk_app, name="trunk")
app.add_typer(voice_cli.voice_app, name="voice")
app.add_typer(campaigns.campaign_app, name="campaign")
app.add_typer(phone_app, name="phone")
app.add_typer(smpp_cli.smpp_account_app, name="smpp-account")
app.command("smpp-server")(smpp_cli.smpp_server)
app.add_typer(aivoice_cli.aivoice_app, name="aivoice")


def main() -> None:
    app()
