"""voice: SIP trunks, audio files and calls

Revision ID: 0005v
Revises: 0004
Create Date: 2026-11-30 09:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import switchboard.store.types

revision: str = "0005v"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "voice_trunks",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("port", sa.Integer(), nullable=False),
        sa.Column("transport", sa.String(length=8), server_default="udp", nullable=False),
        sa.Column("username", sa.String(length=128), nullable=True),
        sa.Column("password_enc", sa.Text(), nullable=True),
        sa.Column("caller_id", sa.String(length=32), nullable=True),
        sa.Column("cps", sa.Integer(), server_default="10", nullable=False),
        sa.Column("max_concurrent", sa.Integer(), server_default="100", nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("enabled", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("created_at", switchboard.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_voice_trunks")),
        sa.UniqueConstraint("name", name=op.f("uq_voice_trunks_name")),
    )

    op.create_table(
        "voice_files",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("file_id", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("format", sa.String(length=8), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("deleted", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", switchboard.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", switchboard.store.types.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_voice_files_account_id_accounts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_voice_files")),
        sa.UniqueConstraint("file_id", name=op.f("uq_voice_files_file_id")),
    )
    op.create_index("ix_voice_files_account_name", "voice_files", ["account_id", "name"], unique=False)

    op.create_table(
        "voice_calls",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("voice_id", sa.String(length=20), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("app_id", sa.String(length=32), nullable=False),
        sa.Column("type", sa.Integer(), nullable=False),
        sa.Column("callee", sa.String(length=20), nullable=False),
        sa.Column("display_num", sa.String(length=20), nullable=True),
        sa.Column("country", sa.String(length=3), nullable=False),
        sa.Column("region", sa.String(length=100), server_default="", nullable=False),
        sa.Column("audio", sa.String(length=100), nullable=False),
        sa.Column("audio_ms", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("loop_count", sa.Integer(), nullable=False),
        sa.Column("max_duration", sa.Integer(), nullable=True),
        sa.Column("max_ringing", sa.Integer(), nullable=False),
        sa.Column("called_info", sa.Text(), nullable=True),
        sa.Column("recall_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("recall_interval", sa.Integer(), server_default="5", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("due_at", switchboard.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("lease_until", switchboard.store.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("trunk", sa.String(length=64), nullable=True),
        sa.Column("price", sa.BigInteger(), nullable=False),
        sa.Column("bill_block", sa.Integer(), nullable=False),
        sa.Column("limit_seconds", sa.Integer(), nullable=False),
        sa.Column("reserved", sa.BigInteger(), nullable=False),
        sa.Column("paid_gift", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("cost", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("call_duration", sa.Integer(), server_default="0", nullable=False),
        sa.Column("charged_duration", sa.Integer(), server_default="0", nullable=False),
        sa.Column("termination_code", sa.String(length=8), nullable=True),
        sa.Column("termination_reason", sa.String(length=100), nullable=True),
        sa.Column("sip_code", sa.String(length=8), nullable=True),
        sa.Column("keys", sa.String(length=32), server_default="", nullable=False),
        sa.Column("created_at", switchboard.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("call_at", switchboard.store.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("ringing_at", switchboard.store.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("answer_at", switchboard.store.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("hangup_at", switchboard.store.types.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_voice_calls_account_id_accounts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_voice_calls")),
        sa.UniqueConstraint("voice_id", name=op.f("uq_voice_calls_voice_id")),
    )
    op.create_index("ix_voice_calls_status_due", "voice_calls", ["status", "due_at"], unique=False)
    op.create_index("ix_voice_calls_account_created", "voice_calls", ["account_id", "created_at"], unique=False)
    op.create_index("ix_voice_calls_audio", "voice_calls", ["audio"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_voice_calls_audio", table_name="voice_calls")
    op.drop_index("ix_voice_calls_account_created", table_name="voice_calls")
    op.drop_index("ix_voice_calls_status_due", table_name="voice_calls")
    op.drop_table("voice_calls")
    op.drop_index("ix_voice_files_account_name", table_name="voice_files")
    op.drop_table("voice_files")
    op.drop_table("voice_trunks")
