"""otp templates and verifications

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 21:36:41.815658
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import switchboard.store.types

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "otp_templates",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("app_id", sa.String(length=32), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("code_length", sa.Integer(), nullable=False),
        sa.Column("ttl", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", switchboard.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_otp_templates")),
    )
    with op.batch_alter_table("otp_templates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_otp_templates_app_id"), ["app_id"], unique=False)

    op.create_table(
        "verifications",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("verification_id", sa.String(length=24), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("app_id", sa.String(length=32), nullable=False),
        sa.Column("template_id", sa.Integer(), nullable=True),
        sa.Column("to", sa.String(length=20), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("order_id", sa.String(length=64), nullable=True),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("salt", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("resends", sa.Integer(), server_default="0", nullable=False),
        sa.Column("msg_id", sa.String(length=20), nullable=True),
        sa.Column("expires_at", switchboard.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", switchboard.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("created_at", switchboard.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("verified_at", switchboard.store.types.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_verifications_account_id_accounts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verifications")),
        sa.UniqueConstraint("app_id", "order_id", name="uq_verifications_app_order"),
        sa.UniqueConstraint("verification_id", name=op.f("uq_verifications_verification_id")),
    )


def downgrade() -> None:

    op.drop_table("verifications")
    with op.batch_alter_table("otp_templates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_otp_templates_app_id"))

    op.drop_table("otp_templates")
