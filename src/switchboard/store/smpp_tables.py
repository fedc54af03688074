"""Tables of the customer-facing SMPP server: accounts (credentials bound to an SMS app) and the receipts owed.

Declared on the shared ``metadata``; migration ``0006m`` creates them exactly as written here.
"""

from __future__ import annotations

import sqlalchemy as sa

from switchboard.store.tables import metadata
from switchboard.store.types import UtcDateTime

# SMPP credentials of a customer: a system_id and an argon2id password hash, bound to one SMS app.
smpp_accounts = sa.Table(
    "smpp_accounts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("system_id", sa.String(16), nullable=False, unique=True),
    sa.Column("password_hash", sa.String(200), nullable=False),
    sa.Column("app_id", sa.String(32), nullable=False),
    sa.Column("allowed_ips", sa.JSON, nullable=False),
    sa.Column("max_binds", sa.Integer, nullable=False),
    sa.Column("throughput", sa.Integer, nullable=False),  # submits per second; 0 = unlimited
    sa.Column("enabled", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("created_at", UtcDateTime, nullable=False),
)

# One row per message submitted over SMPP that asked for a receipt (or an MO owed to an SMPP account): the
# receipt is sent as a deliver_sm once the message is final, and the row is marked sent once the client acks.
smpp_receipts = sa.Table(
    "smpp_receipts",
    metadata,
    sa.Column("msg_id", sa.String(40), primary_key=True),
    sa.Column("system_id", sa.String(16), nullable=False),
    sa.Column("kind", sa.String(8), nullable=False),  # receipt (of a submitted message) | mo (an inbound SMS)
    sa.Column("registered_delivery", sa.Integer, nullable=False),
    sa.Column("source", sa.String(32), nullable=False),
    sa.Column("destination", sa.String(32), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),  # waiting | sent | expired | skipped
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("expires_at", UtcDateTime, nullable=False),
    sa.Column("sent_at", UtcDateTime, nullable=True),
    # set by the server process sending it, so that two processes never send the same row at once
    sa.Column("lease_until", UtcDateTime, nullable=True),
    sa.Index("ix_smpp_receipts_system_status", "system_id", "status"),
)
