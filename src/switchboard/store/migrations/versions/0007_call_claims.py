"""call claims: who holds a calling call and whether it was dialled; the FX snapshot of group-call tasks

Revision ID: 0007g
Revises: 0006g
Create Date: 2026-12-05 18:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import switchboard.store.types

revision: str = "0007g"
down_revision: str | None = "0006g"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("voice_calls") as batch:
        batch.add_column(sa.Column("claimed_by", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("dialed_at", switchboard.store.types.UtcDateTime(), nullable=True))
    with op.batch_alter_table("voice_campaigns") as batch:
        batch.add_column(sa.Column("quote_exchange", sa.String(length=24), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("voice_campaigns") as batch:
        batch.drop_column("quote_exchange")
    with op.batch_alter_table("voice_calls") as batch:
        batch.drop_column("dialed_at")
        batch.drop_column("claimed_by")
