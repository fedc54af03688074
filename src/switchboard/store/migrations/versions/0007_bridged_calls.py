"""bridged calls: the phone's names and the recording on sendSip calls, and the recordings table

Revision ID: 0007b
Revises: 0006p
Create Date: 2026-12-05 18:10:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import switchboard.store.types

revision: str = "0007b"
down_revision: str | None = "0006p"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("voice_calls") as batch:
        batch.add_column(sa.Column("sip_group_name", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("phone_name", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("recording_file_id", sa.String(length=64), nullable=True))
    op.create_table(
        "voice_recordings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("file_id", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("app_id", sa.String(length=32), nullable=False),
        sa.Column("voice_id", sa.String(length=20), nullable=False),
        sa.Column("format", sa.String(length=8), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("deleted", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", switchboard.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", switchboard.store.types.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_voice_recordings_account_id_accounts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_voice_recordings")),
        sa.UniqueConstraint("file_id", name=op.f("uq_voice_recordings_file_id")),
    )
    op.create_index(
        "ix_voice_recordings_account_created", "voice_recordings", ["account_id", "created_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_voice_recordings_account_created", table_name="voice_recordings")
    op.drop_table("voice_recordings")
    with op.batch_alter_table("voice_calls") as batch:
        batch.drop_column("recording_file_id")
        batch.drop_column("phone_name")
        batch.drop_column("sip_group_name")
