"""One process per node id: the node id is 2 digits of every msgId a process mints, so two processes with the
same ``SWITCHBOARD_NODE_ID`` would mint the same ids (and every send of one of them would fail).

A serving process (serve, api, worker) claims its node id in the database when it starts, with a lease it
renews every LEASE / 3 seconds, and gives it back when it stops. It refuses to start while another live
process holds the id. A holder that died without giving it back (kill -9, a lost machine) is replaced when its
lease has run out, or at once when it ran on this host and its process no longer exists.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from switchboard.errors import OperatorError
from switchboard.services.context import Services
from switchboard.store.node_tables import node_claims

log = logging.getLogger("switchboard.node")

LEASE = timedelta(seconds=30)


def _alive_here(host: str, pid: int) -> bool:
    """Whether a process of this host with that pid exists (another host's process is assumed alive)."""
    if host != socket.gethostname():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class NodeClaim:
    def __init__(self, services: Services) -> None:
        self.s = services
        self.node_id = services.settings.node_id
        self.host = socket.gethostname()
        self.pid = os.getpid()
        self.holder = f"{self.host}:{self.pid}:{secrets.token_hex(4)}"
        self._renewer: asyncio.Task[None] | None = None

    async def claim(self) -> None:
        """Take the node id, or raise OperatorError naming the live process that holds it."""
        for _ in range(2):  # a concurrent first claim loses on the primary key and looks again
            try:
                await self._try_claim()
                break
            except IntegrityError:
                continue
        else:
            raise OperatorError(f"node id {self.node_id} is being claimed by another process")
        self._renewer = asyncio.create_task(self._renew(), name="node-claim")

    async def _try_claim(self) -> None:
        now = self.s.clock.now()
        values = {"holder": self.holder, "host": self.host, "pid": self.pid, "lease_until": now + LEASE}
        async with self.s.db.write() as conn:
            row = (await conn.execute(sa.select(node_claims).where(node_claims.c.node_id == self.node_id))).first()
            if row is None:
                await conn.execute(node_claims.insert().values(node_id=self.node_id, **values))
                return
            if row.holder != self.holder and row.lease_until > now and _alive_here(row.host, row.pid):
                raise OperatorError(
                    f"node id {self.node_id} is held by process {row.pid} on {row.host} (lease until "
                    f"{row.lease_until:%H:%M:%S} UTC): give each process its own SWITCHBOARD_NODE_ID (0-99)"
                )
            await conn.execute(node_claims.update().where(node_claims.c.node_id == self.node_id).values(**values))

    async def _renew(self) -> None:
        while True:
            await asyncio.sleep(LEASE.total_seconds() / 3)
            try:
                async with self.s.db.write() as conn:
                    await conn.execute(
                        node_claims.update()
                        .where(node_claims.c.node_id == self.node_id, node_claims.c.holder == self.holder)
                        .values(lease_until=self.s.clock.now() + LEASE)
                    )
            except Exception:  # a database blip: the next renewal tries again, well within the lease
                log.warning("node id %d: lease not renewed", self.node_id, exc_info=True)

    async def release(self) -> None:
        if self._renewer is not None:
            self._renewer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._renewer
            self._renewer = None
        try:
            async with self.s.db.write() as conn:
                await conn.execute(
                    node_claims.delete().where(
                        node_claims.c.node_id == self.node_id, node_claims.c.holder == self.holder
                    )
                )
        except Exception:  # the lease runs out by itself
            log.warning("node id %d: claim not released", self.node_id, exc_info=True)
