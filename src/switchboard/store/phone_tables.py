"""The SIP phone tables (sipAdd V2 phones and their registrations), declared on the shared ``metadata``.

Migration ``0006p`` creates exactly these; ``tests/store/test_schema.py`` compares them.
"""

from __future__ import annotations

import sqlalchemy as sa

from switchboard.store.tables import metadata
from switchboard.store.types import UtcDateTime

# One row per phone. A sipAdd call makes one group (``group_name``) of 1-50 phones sharing ``phone_name``;
# each phone has its own SIP account (the digest user name) and a password sealed with the master key
# (sipQuery answers it, so it is encrypted, not hashed).
voice_phones = sa.Table(
    "voice_phones",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("account", sa.String(32), nullable=False, unique=True),
    sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("app_id", sa.String(32), nullable=False),
    sa.Column("group_name", sa.String(32), nullable=False),
    sa.Column("phone_name", sa.String(32), nullable=False),
    sa.Column("display_num", sa.String(20), nullable=True),
    sa.Column("password_enc", sa.Text, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("password_at", UtcDateTime, nullable=False),
    sa.Index("ix_voice_phones_app", "app_id", "id"),
)

# The contacts a phone registered (REGISTER), so any process can find where to send an INVITE.
# ``source`` is the address the REGISTER came from (host:port), used instead of the contact when the phone
# is behind NAT; ``transport`` is udp or tcp.
voice_registrations = sa.Table(
    "voice_registrations",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("phone_id", sa.Integer, sa.ForeignKey("voice_phones.id", ondelete="CASCADE"), nullable=False),
    sa.Column("contact", sa.String(255), nullable=False),
    sa.Column("source", sa.String(64), nullable=False),
    sa.Column("transport", sa.String(8), nullable=False),
    sa.Column("user_agent", sa.String(128), nullable=True),
    sa.Column("call_id", sa.String(128), nullable=False),
    sa.Column("cseq", sa.Integer, nullable=False),
    sa.Column("registered_at", UtcDateTime, nullable=False),
    sa.Column("expires_at", UtcDateTime, nullable=False),
    sa.UniqueConstraint("phone_id", "contact", name="uq_voice_registrations_phone_contact"),
    sa.Index("ix_voice_registrations_expires", "expires_at"),
)
