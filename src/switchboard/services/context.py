"""What every service needs: the database, the clock, the id source, the secret box and the settings."""

from __future__ import annotations

from dataclasses import dataclass

from switchboard.auth.secrets import SecretBox
from switchboard.clock import Clock, SystemClock
from switchboard.ids import MessageIds
from switchboard.settings import Settings
from switchboard.store.database import Database


@dataclass
class Services:
    settings: Settings
    db: Database
    clock: Clock
    secrets: SecretBox
    msg_ids: MessageIds

    @classmethod
    def build(cls, settings: Settings, *, db: Database | None = None, clock: Clock | None = None) -> Services:
        clock = clock or SystemClock()
        return cls(
            settings=settings,
            db=db or Database(settings.resolved_database_url()),
            clock=clock,
            secrets=SecretBox(settings.resolved_master_key()),
            msg_ids=MessageIds(clock, settings.node_id),
        )
