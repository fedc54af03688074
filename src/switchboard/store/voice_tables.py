"""The voice tables (SIP trunks, audio files, calls), declared on the shared ``metadata``.

Migration ``0005v`` creates exactly these; ``tests/store/test_schema.py`` compares them.
"""

from __future__ import annotations

import sqlalchemy as sa

from switchboard.store.tables import metadata
from switchboard.store.types import UtcDateTime

# SIP trunks the voice worker places calls through. ``type`` is "sip" (a real trunk) or "simulated" (the
# built-in test callee, with its scenario in ``config``). The digest password is sealed with the master key.
voice_trunks = sa.Table(
    "voice_trunks",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(64), nullable=False, unique=True),
    sa.Column("type", sa.String(16), nullable=False),
    sa.Column("host", sa.String(255), nullable=False),
    sa.Column("port", sa.Integer, nullable=False),
    sa.Column("transport", sa.String(8), nullable=False, server_default="udp"),
    sa.Column("username", sa.String(128), nullable=True),
    sa.Column("password_enc", sa.Text, nullable=True),
    sa.Column("caller_id", sa.String(32), nullable=True),
    sa.Column("cps", sa.Integer, nullable=False, server_default="10"),
    sa.Column("max_concurrent", sa.Integer, nullable=False, server_default="100"),
    sa.Column("config", sa.JSON, nullable=False),
    sa.Column("enabled", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("created_at", UtcDateTime, nullable=False),
)

# Audio uploaded with fileUpload, stored converted (8 kHz mu-law) under <data_dir>/audio/<file_id>.ul.
# A deleted file keeps its row (deleted_at set) until no queued call needs its audio any more.
voice_files = sa.Table(
    "voice_files",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("file_id", sa.String(64), nullable=False, unique=True),
    sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("name", sa.String(32), nullable=False),
    sa.Column("format", sa.String(8), nullable=False),
    sa.Column("duration_ms", sa.Integer, nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("deleted", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("deleted_at", UtcDateTime, nullable=True),
    sa.Index("ix_voice_files_account_name", "account_id", "name"),
)

# One row per callee: the call record and its own job (the voice worker claims queued, due rows with a
# lease that it renews while the call runs).
voice_calls = sa.Table(
    "voice_calls",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("voice_id", sa.String(20), nullable=False, unique=True),
    sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("app_id", sa.String(32), nullable=False),
    sa.Column("type", sa.Integer, nullable=False),  # 1 group call (file), 2 verification code (TTS)
    sa.Column("callee", sa.String(20), nullable=False),
    sa.Column("display_num", sa.String(20), nullable=True),
    sa.Column("country", sa.String(3), nullable=False),
    sa.Column("region", sa.String(100), nullable=False, server_default=""),
    sa.Column("audio", sa.String(100), nullable=False),  # file:<file_id> | tts:<sha256>
    sa.Column("audio_ms", sa.Integer, nullable=False),
    sa.Column("text", sa.Text, nullable=True),
    sa.Column("language", sa.String(8), nullable=True),
    sa.Column("loop_count", sa.Integer, nullable=False),
    sa.Column("max_duration", sa.Integer, nullable=True),
    sa.Column("max_ringing", sa.Integer, nullable=False),
    sa.Column("called_info", sa.Text, nullable=True),
    sa.Column("recall_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("recall_interval", sa.Integer, nullable=False, server_default="5"),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("status", sa.String(16), nullable=False),  # queued | calling | done
    sa.Column("due_at", UtcDateTime, nullable=False),
    sa.Column("lease_until", UtcDateTime, nullable=True),
    # The worker process holding a calling call ("<node>:<token>") and, once it sends the INVITE, when it did:
    # a call whose holder died before dialling is queued again, one dialled is never dialled again (0007g).
    sa.Column("claimed_by", sa.String(32), nullable=True),
    sa.Column("dialed_at", UtcDateTime, nullable=True),
    sa.Column("trunk", sa.String(64), nullable=True),
    # Money in micro-units of `currency`: the price of one block, the reservation and the final cost.
    sa.Column("price", sa.BigInteger, nullable=False),
    sa.Column("bill_block", sa.Integer, nullable=False),
    sa.Column("limit_seconds", sa.Integer, nullable=False),
    sa.Column("reserved", sa.BigInteger, nullable=False),
    sa.Column("paid_gift", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("cost", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("currency", sa.String(3), nullable=False),
    # Settlement units per unit of `currency` when the account is quoted in another currency (migration 0006w).
    sa.Column("quote_exchange", sa.String(24), nullable=True),
    sa.Column("call_duration", sa.Integer, nullable=False, server_default="0"),
    sa.Column("charged_duration", sa.Integer, nullable=False, server_default="0"),
    sa.Column("termination_code", sa.String(8), nullable=True),
    sa.Column("termination_reason", sa.String(100), nullable=True),
    sa.Column("sip_code", sa.String(8), nullable=True),
    sa.Column("keys", sa.String(32), nullable=False, server_default=""),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("call_at", UtcDateTime, nullable=True),
    sa.Column("ringing_at", UtcDateTime, nullable=True),
    sa.Column("answer_at", UtcDateTime, nullable=True),
    sa.Column("hangup_at", UtcDateTime, nullable=True),
    # sendSip calls (type 3, migration 0007b): the phone's group and name, and the call's recording.
    sa.Column("sip_group_name", sa.String(32), nullable=True),
    sa.Column("phone_name", sa.String(32), nullable=True),
    sa.Column("recording_file_id", sa.String(64), nullable=True),
    sa.Index("ix_voice_calls_status_due", "status", "due_at"),
    sa.Index("ix_voice_calls_account_created", "account_id", "created_at"),
    sa.Index("ix_voice_calls_audio", "audio"),
)
