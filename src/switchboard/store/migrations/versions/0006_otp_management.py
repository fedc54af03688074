"""otp management: template fields, flows, conversions and backfill rates; voice calls' quote exchange

Revision ID: 0006w
Revises: 0005v
Create Date: 2026-12-05 13:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import switchboard.store.types

revision: str = "0006w"
down_revision: str | None = "0005v"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("otp_templates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("code_type", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("speech_rate", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("language", sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column("max_duration", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("repeat_cnt", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("sender_id", sa.String(length=32), nullable=True))
    with op.batch_alter_table("voice_calls", schema=None) as batch_op:
        batch_op.add_column(sa.Column("quote_exchange", sa.String(length=24), nullable=True))
    with op.batch_alter_table("verifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("flow_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("flow_step", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("country", sa.String(length=8), nullable=True))

    op.create_table(
        "otp_flows",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("steps", sa.JSON(), nullable=False),
        sa.Column("created_at", switchboard.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", switchboard.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_otp_flows_account_id_accounts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_otp_flows")),
        sa.UniqueConstraint("account_id", "name", name="uq_otp_flows_account_name"),
    )
    op.create_table(
        "otp_conversions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("app_id", sa.String(length=32), nullable=False),
        sa.Column("dedupe_key", sa.String(length=64), nullable=False),
        sa.Column("msg_id", sa.String(length=24), nullable=True),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("country", sa.String(length=8), nullable=True),
        sa.Column("template_id", sa.Integer(), nullable=True),
        sa.Column("used_at", switchboard.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("created_at", switchboard.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_otp_conversions_account_id_accounts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_otp_conversions")),
        sa.UniqueConstraint("app_id", "dedupe_key", name="uq_otp_conversions_app_key"),
    )
    with op.batch_alter_table("otp_conversions", schema=None) as batch_op:
        batch_op.create_index("ix_otp_conversions_account_used", ["account_id", "used_at"], unique=False)
    op.create_table(
        "otp_backfill_rates",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("app_id", sa.String(length=32), nullable=False),
        sa.Column("mcc", sa.String(length=3), nullable=False),
        sa.Column("converted", sa.Integer(), nullable=False),
        sa.Column("base", sa.Integer(), nullable=False),
        sa.Column("reported_rate", sa.String(length=32), nullable=True),
        sa.Column("callback_at", switchboard.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("created_at", switchboard.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_otp_backfill_rates_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_otp_backfill_rates")),
    )
    with op.batch_alter_table("otp_backfill_rates", schema=None) as batch_op:
        batch_op.create_index("ix_otp_backfill_rates_account_created", ["account_id", "created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("otp_backfill_rates", schema=None) as batch_op:
        batch_op.drop_index("ix_otp_backfill_rates_account_created")
    op.drop_table("otp_backfill_rates")
    with op.batch_alter_table("otp_conversions", schema=None) as batch_op:
        batch_op.drop_index("ix_otp_conversions_account_used")
    op.drop_table("otp_conversions")
    op.drop_table("otp_flows")
    with op.batch_alter_table("voice_calls", schema=None) as batch_op:
        batch_op.drop_column("quote_exchange")
    with op.batch_alter_table("verifications", schema=None) as batch_op:
        batch_op.drop_column("country")
        batch_op.drop_column("flow_step")
        batch_op.drop_column("flow_id")
    with op.batch_alter_table("otp_templates", schema=None) as batch_op:
        for column in ("sender_id", "repeat_cnt", "max_duration", "language", "speech_rate", "code_type", "name"):
            batch_op.drop_column(column)
