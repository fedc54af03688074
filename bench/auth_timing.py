"""Does the time of an authentication answer tell a known API key from an unknown one? (issue 15, item 15)

In process, on a fresh database: one account, then ``Authenticator.authenticate`` called alternately in blocks
for each path, each call timed on its own:

- ``wrong-sign``: the account's key with a wrong signature (answered -1, "signature does not match")
- ``unknown``: a key string of the same length that no account has (answered -1, "unknown API key")
- ``ok``: the account's key correctly signed (the price of the lookup for real requests)

Each round runs ``--calls`` calls per path (the order of the paths turns round each round, so neither always
runs first) and prints each path's median; the last lines give the medians over every round and the gap
``wrong-sign - unknown``. ``--app`` names the account's SMS app in each call (the key-account-app lookup);
``--redis`` adds the production key cache (database 13 of the local Redis; the entries it made are deleted).
The in-process guard's failure lists are emptied before each call (the guard never blocks the run).

    python -m bench.auth_timing --backend sqlite|postgres [--calls 400] [--rounds 5] [--app] [--redis]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from cryptography.fernet import Fernet

from bench.databases import temporary_postgres_database
from switchboard import ids
from switchboard.auth import key_cache
from switchboard.auth.authenticate import Authenticator
from switchboard.auth.guard import MemoryGuard
from switchboard.auth.signature import sign
from switchboard.errors import ApiError, Product
from switchboard.services.context import Services
from switchboard.services.tenancy import Tenancy
from switchboard.settings import Settings
from switchboard.store import migrate

REDIS_URL = "redis://127.0.0.1:6379/13"
WARM_UP_CALLS = 50
PATHS = ("wrong-sign", "unknown", "ok")


@contextmanager
def _database_url(backend: str, folder: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite+aiosqlite:///{folder / 'timing.db'}"
        return
    with temporary_postgres_database() as url:
        yield url.replace("postgresql://", "postgresql+asyncpg://")


async def _measure(url: str, folder: Path, args: argparse.Namespace) -> dict[str, list[float]]:
    settings = Settings(
        data_dir=folder,
        database_url=url,
        redis_url=REDIS_URL if args.redis else None,
        master_key=Fernet.generate_key().decode(),
        auth_failure_limit=10**9,  # the guard counts every failure but never blocks the run
    )
    services = Services.build(settings)
    try:
        await migrate.upgrade(services.db)
        new = await Tenancy(services).create_account(name="timing", balance="1", currency="USD")
        unknown_key = ids.new_api_key()
        authenticator = Authenticator(services)
        app_id = new.apps[Product.SMS.value] if args.app else None

        def headers(api_key: str, secret: str) -> dict[str, str]:
            stamp = str(int(time.time()))
            return {"api-key": api_key, "sign": sign(api_key, secret, stamp), "timestamp": stamp}

        make: dict[str, Callable[[], dict[str, str]]] = {
            "wrong-sign": lambda: headers(new.api_key, "not the secret"),
            "unknown": lambda: headers(unknown_key, "not the secret"),
            "ok": lambda: headers(new.api_key, new.api_secret),
        }

        async def one(path: str) -> float:
            given = make[path]()
            guard = services.caches.get("auth_guard")
            if isinstance(guard, MemoryGuard):
                guard.failures.clear()  # a real caller is blocked after 30; an ever longer list would be timed
            start = time.perf_counter_ns()
            try:
                await authenticator.authenticate(Product.SMS, given, "127.0.0.1", app_id=app_id, app_required=False)
            except ApiError as exc:
                assert path != "ok", exc
            else:
                assert path == "ok"
            return (time.perf_counter_ns() - start) / 1000

        for path in PATHS:
            for _ in range(WARM_UP_CALLS):
                await one(path)
        times: dict[str, list[float]] = {path: [] for path in PATHS}
        for round_ in range(args.rounds):
            order = PATHS if round_ % 2 == 0 else PATHS[::-1]
            medians = {}
            for path in order:
                taken = [await one(path) for _ in range(args.calls)]
                times[path].extend(taken)
                medians[path] = statistics.median(taken)
            gap = medians["wrong-sign"] - medians["unknown"]
            shown = "  ".join(f"{path} {medians[path]:7.1f}" for path in PATHS)
            print(f"round {round_ + 1}: median us  {shown}  gap {gap:+6.1f}")  # noqa: T201
        if services.redis is not None:
            await key_cache.forget(services.redis, new.api_key, unknown_key)
        return times
    finally:
        await services.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--calls", type=int, default=400, help="calls per path and round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--app", action="store_true", help="name the account's SMS app in each call")
    parser.add_argument("--redis", action="store_true", help="with the Redis key cache")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, _database_url(args.backend, Path(folder)) as url:
        times = asyncio.run(_measure(url, Path(folder), args))
    medians = {path: statistics.median(taken) for path, taken in times.items()}
    shown = "  ".join(f"{path} {medians[path]:7.1f}" for path in PATHS)
    gap = medians["wrong-sign"] - medians["unknown"]
    print(f"all {args.rounds} x {args.calls}: median us  {shown}  gap {gap:+6.1f}")  # noqa: T201


if __name__ == "__main__":
    main()
