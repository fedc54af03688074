"""Provision a Switchboard for a bench run with the ``switchboard`` CLI's own commands, in one process.

``python -m bench.provision [--report-url URL] [--smpp-port P --system-id S --password X]`` runs, through the CLI
(typer) in this one interpreter (each ``switchboard`` process spends seconds importing the platform):
``account create``, ``rate set``, ``app update --option number_limit=0 [--report-url URL]``, ``app show`` (to
check the option) and, with ``--smpp-port``, ``carrier add --type smpp``. The data folder / database come from the
environment, as for the CLI. Prints one JSON line: the created account. Exits 1 with the failing command's output.
"""

from __future__ import annotations

import argparse
import json
import sys

from typer.testing import CliRunner

from bench.sbserver import BALANCE, PRICE
from switchboard.cli import app


def cli(runner: CliRunner, *args: str) -> str:
    result = runner.invoke(app, list(args))
    if result.exit_code != 0:
        detail = (result.output or "") + (repr(result.exception) if result.exception else "")
        print(f"switchboard {' '.join(args[:3])} ... exited {result.exit_code}: {detail[-800:]}", file=sys.stderr)
        sys.exit(1)
    return result.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description="Provision Switchboard for a bench delivery run.")
    parser.add_argument("--report-url")
    parser.add_argument("--smpp-port", type=int)
    parser.add_argument("--system-id", default="bench")
    parser.add_argument("--password", default="bench")
    parser.add_argument("--binds", type=int, default=2)
    parser.add_argument("--window", type=int, default=10)
    args = parser.parse_args()
    runner = CliRunner()
    account = json.loads(cli(runner, "account", "create", "--name", "bench", "--balance", BALANCE, "--json"))
    app_id = account["apps"]["sms"]
    cli(runner, "rate", "set", "--product", "sms", "--country", "*", "--price", PRICE)
    report = ["--report-url", args.report_url] if args.report_url else []
    cli(runner, "app", "update", app_id, "--option", "number_limit=0", *report)
    shown = json.loads(cli(runner, "app", "show", app_id, "--json"))
    if shown.get("options", {}).get("number_limit") != 0:
        print(f"number_limit is still {shown.get('options')!r} on app {app_id}", file=sys.stderr)
        sys.exit(1)
    if args.smpp_port:
        carrier = ["carrier", "add", "--name", "smsc", "--type", "smpp", "--host", "127.0.0.1"]
        carrier += ["--port", str(args.smpp_port), "--system-id", args.system_id, "--password", args.password]
        cli(runner, *carrier, "--window", str(args.window), "--binds", str(args.binds))
    print(json.dumps(account))


if __name__ == "__main__":
    main()
