"""phones: SIP phones of voice apps (sipAdd) and their registrations

Revision ID: 0006p
Revises: 0005v
Create Date: 2026-12-05 13:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import switchboard.store.types

revision: str = "0006p"
down_revision: str | None = "0005v"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "voice_phones",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("app_id", sa.String(length=32), nullable=False),
        sa.Column("group_name", sa.String(length=32), nullable=False),
        sa.Column("phone_name", sa.String(length=32), nullable=False),
        sa.Column("display_num", sa.String(length=20), nullable=True),
        sa.Column("password_enc", sa.Text(), nullable=False),
        sa.Column("created_at", switchboard.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("password_at", switchboard.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_voice_phones_account_id_accounts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_voice_phones")),
        sa.UniqueConstraint("account", name=op.f("uq_voice_phones_account")),
    )
    op.create_index("ix_voice_phones_app", "voice_phones", ["app_id", "id"], unique=False)

    op.create_table(
        "voice_registrations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("phone_id", sa.Integer(), nullable=False),
        sa.Column("contact", sa.String(length=255), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("transport", sa.String(length=8), nullable=False),
        sa.Column("user_agent", sa.String(length=128), nullable=True),
        sa.Column("call_id", sa.String(length=128), nullable=False),
        sa.Column("cseq", sa.Integer(), nullable=False),
        sa.Column("registered_at", switchboard.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", switchboard.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["phone_id"],
            ["voice_phones.id"],
            name=op.f("fk_voice_registrations_phone_id_voice_phones"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_voice_registrations")),
        sa.UniqueConstraint("phone_id", "contact", name="uq_voice_registrations_phone_contact"),
    )
    op.create_index("ix_voice_registrations_expires", "voice_registrations", ["expires_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_voice_registrations_expires", table_name="voice_registrations")
    op.drop_table("voice_registrations")
    op.drop_index("ix_voice_phones_app", table_name="voice_phones")
    op.drop_table("voice_phones")
