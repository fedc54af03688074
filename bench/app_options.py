"""Set an app's options through Switchboard's own service layer: ``python -m bench.app_options APP k=v ...``.

A fallback for ``switchboard app update APP --option k=v`` when the installed CLI lacks ``--option``; it uses
the same settings (SWITCHBOARD_DATA_DIR / SWITCHBOARD_DATABASE_URL) and prints the app's options as JSON.
"""

from __future__ import annotations

import sys

from switchboard.cli.common import print_json, run
from switchboard.cli.tenancy import parse_options
from switchboard.services.context import Services
from switchboard.services.tenancy import Tenancy
from switchboard.store.tenants import App


def main(argv: list[str]) -> None:
    app_id, *pairs = argv
    options = parse_options(pairs)

    async def action(s: Services) -> App:
        return await Tenancy(s).update_app(app_id, options=options)

    print_json(run(action).options)


if __name__ == "__main__":
    main(sys.argv[1:])
