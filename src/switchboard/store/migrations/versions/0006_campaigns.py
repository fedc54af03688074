"""voice campaigns: group-call tasks and their numbers

Revision ID: 0006g
Revises: 0005v
Create Date: 2026-12-05 12:50:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import switchboard.store.types

revision: str = "0006g"
down_revision: str | None = "0005v"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "voice_campaigns",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("app_id", sa.String(length=32), nullable=False),
        sa.Column("api_key", sa.String(length=64), nullable=False),
        sa.Column("task_name", sa.String(length=64), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("source", sa.Integer(), nullable=False),
        sa.Column("voice_file_id", sa.String(length=64), nullable=True),
        sa.Column("upload_name", sa.String(length=32), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("lan", sa.String(length=8), nullable=True),
        sa.Column("audio", sa.String(length=100), nullable=False),
        sa.Column("audio_ms", sa.Integer(), nullable=False),
        sa.Column("display_num", sa.String(length=20), nullable=True),
        sa.Column("send_at", switchboard.store.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("loop_count", sa.Integer(), nullable=False),
        sa.Column("max_calls", sa.Integer(), nullable=False),
        sa.Column("max_ringing", sa.Integer(), nullable=False),
        sa.Column("windows", sa.JSON(), nullable=False),
        sa.Column("zone", sa.String(length=64), nullable=False),
        sa.Column("sms", sa.JSON(), nullable=True),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("num_cnt", sa.Integer(), nullable=False),
        sa.Column("invalid_cnt", sa.Integer(), server_default="0", nullable=False),
        sa.Column("bill_block", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("reserved", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("pool", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("pool_gift", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("called", sa.Integer(), server_default="0", nullable=False),
        sa.Column("success", sa.Integer(), server_default="0", nullable=False),
        sa.Column("fail", sa.Integer(), server_default="0", nullable=False),
        sa.Column("rang", sa.Integer(), server_default="0", nullable=False),
        sa.Column("key_feedback", sa.Integer(), server_default="0", nullable=False),
        sa.Column("call_duration", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("charge_len", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("cost", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("sms_sent", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", switchboard.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", switchboard.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("started_at", switchboard.store.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", switchboard.store.types.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_voice_campaigns_account_id_accounts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_voice_campaigns")),
    )
    op.create_index("ix_voice_campaigns_account_created", "voice_campaigns", ["account_id", "created_at"], unique=False)
    op.create_index("ix_voice_campaigns_status", "voice_campaigns", ["status"], unique=False)
    op.create_index("ux_voice_campaigns_account_name", "voice_campaigns", ["account_id", "task_name"], unique=True)
    op.create_table(
        "voice_campaign_numbers",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("campaign_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("callee", sa.String(length=20), nullable=False),
        sa.Column("country", sa.String(length=3), nullable=False),
        sa.Column("price", sa.BigInteger(), nullable=False),
        sa.Column("reserved", sa.BigInteger(), nullable=False),
        sa.Column("text1", sa.String(length=30), nullable=True),
        sa.Column("text2", sa.String(length=30), nullable=True),
        sa.Column("text3", sa.String(length=30), nullable=True),
        sa.Column("text4", sa.String(length=30), nullable=True),
        sa.Column("text5", sa.String(length=30), nullable=True),
        sa.Column("state", sa.String(length=8), nullable=False),
        sa.Column("voice_id", sa.String(length=20), nullable=True),
        sa.Column("calls", sa.Integer(), server_default="0", nullable=False),
        sa.Column("result", sa.String(length=8), nullable=True),
        sa.Column("termination_code", sa.String(length=8), nullable=True),
        sa.Column("keys", sa.String(length=32), server_default="", nullable=False),
        sa.Column("call_duration", sa.Integer(), server_default="0", nullable=False),
        sa.Column("cost", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("sms", sa.String(length=8), nullable=True),
        sa.Column("sms_msg_id", sa.String(length=20), nullable=True),
        sa.Column("finished_at", switchboard.store.types.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["voice_campaigns.id"], name=op.f("fk_voice_campaign_numbers_campaign_id_voice_campaigns")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_voice_campaign_numbers")),
    )
    op.create_index("ix_voice_campaign_numbers_sms", "voice_campaign_numbers", ["sms"], unique=False)
    op.create_index(
        "ix_voice_campaign_numbers_task", "voice_campaign_numbers", ["campaign_id", "state", "seq"], unique=False
    )
    op.create_index("ix_voice_campaign_numbers_voice", "voice_campaign_numbers", ["voice_id"], unique=False)
    op.create_index("ix_voice_campaign_numbers_state", "voice_campaign_numbers", ["state"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_voice_campaign_numbers_state", table_name="voice_campaign_numbers")
    op.drop_index("ix_voice_campaign_numbers_voice", table_name="voice_campaign_numbers")
    op.drop_index("ix_voice_campaign_numbers_task", table_name="voice_campaign_numbers")
    op.drop_index("ix_voice_campaign_numbers_sms", table_name="voice_campaign_numbers")
    op.drop_table("voice_campaign_numbers")
    op.drop_index("ux_voice_campaigns_account_name", table_name="voice_campaigns")
    op.drop_index("ix_voice_campaigns_status", table_name="voice_campaigns")
    op.drop_index("ix_voice_campaigns_account_created", table_name="voice_campaigns")
    op.drop_table("voice_campaigns")
