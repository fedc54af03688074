"""The call center of the sandbox (``make run``): a demo agent group with agents ready, simulated callers and
phones (connectors/callcenter/simulated.py) driving its queue, so the console's wall board moves without any
telephone. Made once; later runs find the same group.
"""

from __future__ import annotations

import asyncio
import logging

from switchboard.connectors.callcenter.simulated import SimulatedPhones
from switchboard.domain.callcenter.agents import Status
from switchboard.services.callcenter.agents import Agents
from switchboard.services.callcenter.inbound import QueueRun
from switchboard.services.context import Services
from switchboard.store import callcenter as store
from switchboard.store.cc_tables import cc_groups

log = logging.getLogger("switchboard.callcenter.sandbox")
GROUP_NAME = "Demo desk"
AGENTS = 4
SETTINGS = {"strategy": 1, "timeout_transfer": 12, "wrap_up": 8, "timeout_idle": 3, "timeout_wait": 60}


async def ensure_group(services: Services, account_id: int, app_id: str) -> int:
    """The demo group with its agents, ready; the same one on every call."""
    now = services.clock.now()
    async with services.db.write() as conn:
        found = await store.group_named(conn, account_id, GROUP_NAME)
        if found is not None:
            return int(found["id"])
        values = {"account_id": account_id, "app_id": app_id, "name": GROUP_NAME, "labels": ["sale", "support"]}
        group_id = await store.insert(conn, cc_groups, {**values, **SETTINGS, "created_at": now, "updated_at": now})
    from switchboard.auth.authenticate import Principal
    from switchboard.store import tenants

    async with services.db.read() as conn:
        account = await tenants.get_account(conn, account_id)
        key = (await tenants.list_keys(conn, account_id))[0]
    assert account is not None
    agents = Agents(services)
    made = await agents.add(Principal(key=key, account=account, app=None), {"voiceGroupId": group_id, "size": AGENTS})
    for agent in made:
        await agents.set_state(account_id, agent["keyId"], Status.IDLE)
    return group_id


class Sandbox:
    def __init__(self, services: Services, account_id: int, group_id: int) -> None:
        self.s, self.account_id, self.group_id = services, account_id, group_id

    async def start(self) -> QueueRun:
        async with self.s.db.read() as conn:
            agents = await store.agents_of_groups(conn, self.account_id, [self.group_id])
        phones = SimulatedPhones(self.s.clock, {a["sip_account"]: a["id"] for a in agents})
        queue = QueueRun(self.s, phones, self.account_id, self.group_id)
        await queue.start()
        return queue

    async def run(self, interval: float = 1.0) -> None:
        """Step the queue every ``interval`` seconds until cancelled."""
        queue = await self.start()
        while True:
            try:
                await queue.step()
            except Exception:
                log.exception("sandbox call center step failed")
            await asyncio.sleep(interval)
