"""aivoice: dialog flows, outbound lines, robot tasks, their customers and robot call records

Revision ID: 0006a
Revises: 0005v
Create Date: 2026-12-05 13:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import switchboard.store.types

revision: str = "0006a"
down_revision: str | None = "0005v"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def _at(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, switchboard.store.types.UtcDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "aivoice_flows",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("status", sa.String(length=16), server_default="ENABLE", nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        _at("created_at"),
        _at("updated_at"),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_aivoice_flows_account_id_accounts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_aivoice_flows")),
        sa.UniqueConstraint("account_id", "name", name="uq_aivoice_flows_account_name"),
    )
    op.create_table(
        "aivoice_lines",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("phone_number", sa.String(length=32), nullable=False),
        sa.Column("trunk", sa.String(length=64), nullable=True),
        _at("created_at"),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_aivoice_lines_account_id_accounts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_aivoice_lines")),
        sa.UniqueConstraint("account_id", "phone_number", name="uq_aivoice_lines_account_number"),
    )
    op.create_table(
        "aivoice_tasks",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("app_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("flow_id", sa.Integer(), nullable=False),
        sa.Column("line_id", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=8), nullable=False),
        _at("start_at", True),
        _at("end_at", True),
        sa.Column("daily_start", sa.String(length=5), nullable=False),
        sa.Column("daily_end", sa.String(length=5), nullable=False),
        sa.Column("robot_count", sa.Integer(), nullable=False),
        sa.Column("inactive_times", sa.JSON(), nullable=False),
        sa.Column("inactive_dates", sa.JSON(), nullable=False),
        sa.Column("days_of_week", sa.JSON(), nullable=False),
        sa.Column("redial", sa.Boolean(), nullable=False),
        sa.Column("redial_conditions", sa.JSON(), nullable=False),
        sa.Column("redial_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("redial_interval", sa.Integer(), server_default="0", nullable=False),
        sa.Column("hangup_sms", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("deleted", sa.Boolean(), server_default=sa.false(), nullable=False),
        _at("created_at"),
        _at("updated_at"),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_aivoice_tasks_account_id_accounts")),
        sa.ForeignKeyConstraint(["flow_id"], ["aivoice_flows.id"], name=op.f("fk_aivoice_tasks_flow_id_aivoice_flows")),
        sa.ForeignKeyConstraint(["line_id"], ["aivoice_lines.id"], name=op.f("fk_aivoice_tasks_line_id_aivoice_lines")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_aivoice_tasks")),
    )
    op.create_index("ix_aivoice_tasks_account_app", "aivoice_tasks", ["account_id", "app_id"])
    op.create_table(
        "aivoice_customers",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("task_id", BIG_ID, nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("phone_number", sa.String(length=32), nullable=False),
        sa.Column("gender", sa.String(length=8), nullable=True),
        sa.Column("properties", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        _at("next_at", True),
        _at("created_at"),
        sa.ForeignKeyConstraint(
            ["task_id"], ["aivoice_tasks.id"], name=op.f("fk_aivoice_customers_task_id_aivoice_tasks")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_aivoice_customers")),
        sa.UniqueConstraint("task_id", "phone_number", name="uq_aivoice_customers_task_number"),
    )

    op.create_table(
        "aivoice_calls",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("call_id", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("app_id", sa.String(length=32), nullable=False),
        sa.Column("task_id", BIG_ID, nullable=False),
        sa.Column("customer_id", BIG_ID, nullable=False),
        sa.Column("flow_id", sa.Integer(), nullable=False),
        sa.Column("line_id", sa.Integer(), nullable=False),
        sa.Column("called_number", sa.String(length=32), nullable=False),
        sa.Column("customer_name", sa.String(length=64), nullable=False),
        sa.Column("result_status", sa.String(length=24), nullable=False),
        sa.Column("hangup_by", sa.String(length=16), nullable=True),
        sa.Column("intent", sa.String(length=64), nullable=True),
        sa.Column("intent_level", sa.String(length=8), nullable=True),
        sa.Column("chat_round", sa.Integer(), nullable=False),
        sa.Column("chat_duration", sa.Integer(), nullable=False),
        sa.Column("properties", sa.JSON(), nullable=False),
        sa.Column("dynamic_properties", sa.JSON(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("redial_times", sa.Integer(), server_default="0", nullable=False),
        _at("start_at"),
        _at("end_at"),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_aivoice_calls_account_id_accounts")),
        sa.ForeignKeyConstraint(["task_id"], ["aivoice_tasks.id"], name=op.f("fk_aivoice_calls_task_id_aivoice_tasks")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_aivoice_calls")),
        sa.UniqueConstraint("call_id", name=op.f("uq_aivoice_calls_call_id")),
    )
    op.create_index("ix_aivoice_calls_app_start", "aivoice_calls", ["app_id", "start_at"])


def downgrade() -> None:
    op.drop_index("ix_aivoice_calls_app_start", table_name="aivoice_calls")
    op.drop_table("aivoice_calls")
    op.drop_table("aivoice_customers")
    op.drop_index("ix_aivoice_tasks_account_app", table_name="aivoice_tasks")
    op.drop_table("aivoice_tasks")
    op.drop_table("aivoice_lines")
    op.drop_table("aivoice_flows")
