"""The sandbox's call center: the demo group is made once with its agents ready, and simulated callers and
phones keep its queue busy on the injected clock, so records and agents' states move."""

from __future__ import annotations

import sqlalchemy as sa

from switchboard.services.callcenter.sandbox import AGENTS, Sandbox, ensure_group
from switchboard.services.context import Services
from switchboard.store.cc_tables import cc_agents, cc_records
from tests.conftest import Caller
from tests.fakes.clock import FakeClock


async def test_the_demo_group_is_made_once_and_its_queue_moves(
    services: Services, caller: Caller, clock: FakeClock
) -> None:
    account_id, app_id = caller.new.account.id, caller.apps["cc"]
    group_id = await ensure_group(services, account_id, app_id)
    assert await ensure_group(services, account_id, app_id) == group_id
    queue = await Sandbox(services, account_id, group_id).start()
    seen_states: set[int] = set()
    for _ in range(600):
        clock.advance(1)
        await queue.step()
        async with services.db.read() as conn:
            seen_states |= {r[0] for r in await conn.execute(sa.select(cc_agents.c.status))}
    async with services.db.read() as conn:
        agents = (await conn.execute(sa.select(sa.func.count(cc_agents.c.id)))).scalar_one()
        records = [dict(r._mapping) for r in await conn.execute(sa.select(cc_records))]
    assert agents == AGENTS
    assert len(records) > 20 and {r["call_type"] for r in records} == {2}
    assert any(r["hangup_reason"] == 9 for r in records)
    assert {2, 3} <= seen_states  # idle and busy (and wrap-up) as calls come and go
