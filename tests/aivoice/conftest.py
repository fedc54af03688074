"""AI-voice test fixtures: a flow and a line for the caller's account."""

from __future__ import annotations

from typing import Any

import pytest

from switchboard.domain.aivoice.example import REMINDER_YAML
from switchboard.services.aivoice.flows import Flows
from switchboard.services.context import Services
from tests.conftest import Caller


@pytest.fixture
async def ready(services: Services, caller: Caller) -> dict[str, Any]:
    """A flow and a line for the caller's account; the AI app id."""
    account_id = caller.new.account.id
    flow = await Flows(services).save(account_id, REMINDER_YAML)
    line = await Flows(services).add_line(account_id, "12025550100", None)
    return {"app": caller.apps["aivoice"], "flow": flow["dialogFlowId"], "line": line}
