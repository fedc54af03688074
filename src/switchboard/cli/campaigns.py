"""Operator commands for group-call tasks: list them with their progress, show one with its counts."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from switchboard.cli.common import console, print_json, run
from switchboard.services.campaign_admin import CampaignAdmin, TaskView
from switchboard.services.context import Services

campaign_app = typer.Typer(help="Group-call tasks (voice campaigns).", no_args_is_help=True)
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _json(task: TaskView) -> dict[str, Any]:
    return {**task.shown, "accountId": int(task.row["account_id"])}


@campaign_app.command("list")
def campaigns(
    limit: Annotated[int, typer.Option(help="How many, newest first.")] = 50,
    as_json: JsonFlag = False,
) -> None:
    """Recent tasks of every account with their progress."""

    async def action(s: Services) -> None:
        tasks = await CampaignAdmin(s).tasks(limit=limit)
        if as_json:
            print_json([_json(t) for t in tasks])
            return
        table = Table("jobId", "account", "name", "status", "rate", "numbers", "called", "answered", "failed", "keys")
        for t in tasks:
            d = t.shown
            table.add_row(
                str(d["jobId"]),
                str(t.row["account_id"]),
                d["taskName"],
                str(d["status"]),
                d["rate"],
                str(d["numCnt"]),
                str(d["callTotal"]),
                str(d["success"]),
                str(d["fail"]),
                str(d["keyFeedbackNum"]),
            )
        console.print(table)

    run(action)


@campaign_app.command("show")
def campaign_show(job_id: int) -> None:
    """One task: the V16 fields and the account."""

    async def action(s: Services) -> None:
        print_json(_json(await CampaignAdmin(s).task(job_id)))

    run(action)
