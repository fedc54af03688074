"""smpp server accounts and owed receipts

Revision ID: 0006m
Revises: 0005v
Create Date: 2026-12-05 13:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import switchboard.store.types

revision: str = "0006m"
down_revision: str | None = "0005v"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "smpp_accounts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("system_id", sa.String(length=16), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("app_id", sa.String(length=32), nullable=False),
        sa.Column("allowed_ips", sa.JSON(), nullable=False),
        sa.Column("max_binds", sa.Integer(), nullable=False),
        sa.Column("throughput", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("created_at", switchboard.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_smpp_accounts")),
        sa.UniqueConstraint("system_id", name=op.f("uq_smpp_accounts_system_id")),
    )
    op.create_table(
        "smpp_receipts",
        sa.Column("msg_id", sa.String(length=40), nullable=False),
        sa.Column("system_id", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("registered_delivery", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("destination", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", switchboard.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", switchboard.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", switchboard.store.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("lease_until", switchboard.store.types.UtcDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("msg_id", name=op.f("pk_smpp_receipts")),
    )
    with op.batch_alter_table("smpp_receipts", schema=None) as batch_op:
        batch_op.create_index("ix_smpp_receipts_system_status", ["system_id", "status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("smpp_receipts", schema=None) as batch_op:
        batch_op.drop_index("ix_smpp_receipts_system_status")
    op.drop_table("smpp_receipts")
    op.drop_table("smpp_accounts")
