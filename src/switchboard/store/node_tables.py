"""Which process holds which node id (the 2 digits of every msgId it mints), declared on the shared ``metadata``."""

from __future__ import annotations

import sqlalchemy as sa

from switchboard.store.tables import metadata
from switchboard.store.types import UtcDateTime

node_claims = sa.Table(
    "node_claims",
    metadata,
    sa.Column("node_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("holder", sa.String(200), nullable=False),  # host:pid:token of the process
    sa.Column("host", sa.String(255), nullable=False),
    sa.Column("pid", sa.Integer, nullable=False),
    sa.Column("lease_until", UtcDateTime, nullable=False),
)
