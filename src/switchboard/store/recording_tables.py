"""The recordings of bridged calls (sendSip V8), declared on the shared ``metadata``.

Migration ``0007b`` creates this table and the three ``voice_calls`` columns of bridged calls
(``sip_group_name``, ``phone_name``, ``recording_file_id``); ``tests/store/test_schema.py`` compares them.
"""

from __future__ import annotations

import sqlalchemy as sa

from switchboard.store.tables import metadata
from switchboard.store.types import UtcDateTime

# One row per recording of a bridged call, stored as <data_dir>/recordings/<file_id> (MP3, else WAV).
# ``deleted`` is set by fileDel (V13) and by retention; the file goes at once, the row stays as the proof.
voice_recordings = sa.Table(
    "voice_recordings",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("file_id", sa.String(64), nullable=False, unique=True),
    sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("app_id", sa.String(32), nullable=False),
    sa.Column("voice_id", sa.String(20), nullable=False),
    sa.Column("format", sa.String(8), nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("deleted", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("deleted_at", UtcDateTime, nullable=True),
    sa.Index("ix_voice_recordings_account_created", "account_id", "created_at"),
)
