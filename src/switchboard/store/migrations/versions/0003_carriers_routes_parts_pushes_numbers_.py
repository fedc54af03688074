"""carriers, routes, parts, pushes, numbers, inbound

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 21:28:27.642131
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import switchboard.store.types

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "carriers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("enabled", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("created_at", switchboard.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_carriers")),
        sa.UniqueConstraint("name", name=op.f("uq_carriers_name")),
    )
    op.create_table(
        "early_receipts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("carrier", sa.String(length=64), nullable=False),
        sa.Column("carrier_key", sa.String(length=80), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("error_code", sa.String(length=32), nullable=True),
        sa.Column("received_at", switchboard.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_early_receipts")),
    )
    with op.batch_alter_table("early_receipts", schema=None) as batch_op:
        batch_op.create_index("ix_early_receipts_carrier_key", ["carrier", "carrier_key"], unique=False)

    op.create_table(
        "numbers",
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("app_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", switchboard.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("number", name=op.f("pk_numbers")),
    )
    op.create_table(
        "inbound_messages",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("msg_id", sa.String(length=20), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("app_id", sa.String(length=32), nullable=True),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("destination", sa.String(length=32), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("carrier", sa.String(length=64), nullable=False),
        sa.Column("operator", sa.String(length=100), server_default="", nullable=False),
        sa.Column("country", sa.String(length=3), server_default="", nullable=False),
        sa.Column("received_at", switchboard.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_inbound_messages_account_id_accounts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_messages")),
        sa.UniqueConstraint("msg_id", name=op.f("uq_inbound_messages_msg_id")),
    )
    with op.batch_alter_table("inbound_messages", schema=None) as batch_op:
        batch_op.create_index("ix_inbound_app_received", ["app_id", "received_at"], unique=False)

    op.create_table(
        "pushes",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("app_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("ref", sa.String(length=40), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", switchboard.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("lease_until", switchboard.store.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.Column("created_at", switchboard.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", switchboard.store.types.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_pushes_account_id_accounts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pushes")),
    )
    with op.batch_alter_table("pushes", schema=None) as batch_op:
        batch_op.create_index("ix_pushes_ref", ["ref"], unique=False)
        batch_op.create_index("ix_pushes_status_next", ["status", "next_attempt_at"], unique=False)

    op.create_table(
        "routes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("product", sa.String(length=16), server_default="sms", nullable=False),
        sa.Column("country", sa.String(length=3), nullable=True),
        sa.Column("prefix", sa.String(length=16), nullable=True),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("sender_id", sa.String(length=32), nullable=True),
        sa.Column("carriers", sa.JSON(), nullable=False),
        sa.Column("enabled", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("created_at", switchboard.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_routes_account_id_accounts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_routes")),
    )
    op.create_table(
        "message_parts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=False),
        sa.Column("part", sa.Integer(), nullable=False),
        sa.Column("carrier", sa.String(length=64), nullable=False),
        sa.Column("carrier_key", sa.String(length=80), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("error_code", sa.String(length=32), nullable=True),
        sa.Column("updated_at", switchboard.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"], name=op.f("fk_message_parts_message_id_messages")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_parts")),
    )
    with op.batch_alter_table("message_parts", schema=None) as batch_op:
        batch_op.create_index("ix_message_parts_carrier_key", ["carrier", "carrier_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_message_parts_message_id"), ["message_id"], unique=False)

    op.create_table(
        "push_attempts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("push_id", sa.BigInteger(), nullable=False),
        sa.Column("at", switchboard.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("error", sa.String(length=300), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["push_id"], ["pushes.id"], name=op.f("fk_push_attempts_push_id_pushes")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_push_attempts")),
    )
    with op.batch_alter_table("push_attempts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_push_attempts_push_id"), ["push_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("push_attempts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_push_attempts_push_id"))

    op.drop_table("push_attempts")
    with op.batch_alter_table("message_parts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_message_parts_message_id"))
        batch_op.drop_index("ix_message_parts_carrier_key")

    op.drop_table("message_parts")
    op.drop_table("routes")
    with op.batch_alter_table("pushes", schema=None) as batch_op:
        batch_op.drop_index("ix_pushes_status_next")
        batch_op.drop_index("ix_pushes_ref")

    op.drop_table("pushes")
    with op.batch_alter_table("inbound_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_inbound_app_received")

    op.drop_table("inbound_messages")
    op.drop_table("numbers")
    with op.batch_alter_table("early_receipts", schema=None) as batch_op:
        batch_op.drop_index("ix_early_receipts_carrier_key")

    op.drop_table("early_receipts")
    op.drop_table("carriers")
