"""The registered scenarios, in the order ``--scenario all`` runs them (the ceiling first: others refer to it).

To add one ("deliver", "calls", a Jasmin comparison): write a module with a class having ``name``,
``description`` and ``run(ctx)`` (which calls ``ctx.record(Measurement(...))``), and append an instance here.
"""

from __future__ import annotations

from bench.scenarios.accept import AcceptScenario
from bench.scenarios.base import Context, Scenario
from bench.scenarios.bridge import BridgeScenario
from bench.scenarios.calls import CallsScenario
from bench.scenarios.campaign import CampaignScenario
from bench.scenarios.ceiling import CeilingScenario
from bench.scenarios.deliver import DeliverScenario
from bench.scenarios.jasmin import JasminScenario
from bench.scenarios.kannel import KannelScenario
from bench.scenarios.robot import RobotScenario
from bench.scenarios.smpp_in import SmppInScenario

SCENARIOS: list[Scenario] = [
    CeilingScenario(),
    AcceptScenario(),
    DeliverScenario(),
    JasminScenario(),
    KannelScenario(),
    SmppInScenario(),
    CallsScenario(),
    BridgeScenario(),
    CampaignScenario(),
    RobotScenario(),
]


def names() -> list[str]:
    return [s.name for s in SCENARIOS]


def select(name: str) -> list[Scenario]:
    return list(SCENARIOS) if name == "all" else [s for s in SCENARIOS if s.name == name]


__all__ = ["SCENARIOS", "Context", "Scenario", "names", "select"]
