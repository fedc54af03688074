"""callcenter: agent groups, ring tones, team leaders, agents, SIP trunks, callee uploads, tasks, records

Revision ID: 0007c
Revises: 0006a
Create Date: 2026-12-05 18:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import switchboard.store.types

revision: str = "0007c"
down_revision: str | None = "0006a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    op.create_table(
        "cc_groups",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("app_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("strategy", sa.Integer(), server_default="1", nullable=False),
        sa.Column("timeout_transfer", sa.Integer(), nullable=True),
        sa.Column("auto_answer", sa.Integer(), nullable=True),
        sa.Column("wrap_up", sa.Integer(), nullable=True),
        sa.Column("timeout_idle", sa.Integer(), nullable=True),
        sa.Column("timeout_wait", sa.Integer(), nullable=True),
        sa.Column("ring_file", sa.String(length=64), nullable=True),
        sa.Column("labels", sa.JSON(), nullable=False),
        sa.Column("display_switch", sa.Integer(), server_default="0", nullable=False),
        sa.Column("encrypt_number", sa.Integer(), server_default="1", nullable=False),
        sa.Column("fs_node", sa.String(length=16), nullable=True),
        sa.Column("created_at", switchboard.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", switchboard.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_cc_groups_account_id_accounts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cc_groups")),
        sa.UniqueConstraint("account_id", "name", name="uq_cc_groups_account_name"),
    )
    op.create_table(
        "cc_leaders",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("pet_name", sa.String(length=20), nullable=True),
        sa.Column("emp_no", sa.String(length=12), nullable=False),
        sa.Column("login", sa.String(length=32), nullable=False),
        sa.Column("password_enc", sa.Text(), nullable=False),
        sa.Column("enabled", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("group_ids", sa.JSON(), nullable=False),
        sa.Column("created_at", switchboard.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", switchboard.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_cc_leaders_account_id_accounts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cc_leaders")),
        sa.UniqueConstraint("account_id", "name", name="uq_cc_leaders_account_name"),
        sa.UniqueConstraint("login", name=op.f("uq_cc_leaders_login")),
    )
    op.create_table(
        "cc_records",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("call_id", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("group_name", sa.String(length=32), nullable=True),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("agent_name", sa.String(length=32), nullable=True),
        sa.Column("task_id", BIG_ID, nullable=True),
        sa.Column("call_type", sa.Integer(), nullable=False),
        sa.Column("caller", sa.String(length=32), nullable=True),
        sa.Column("called", sa.String(length=32), nullable=True),
        sa.Column("ccode", sa.String(length=4), nullable=True),
        sa.Column("hangup_reason", sa.Integer(), nullable=False),
        sa.Column("hangup_direction", sa.Integer(), nullable=False),
        sa.Column("labels", sa.JSON(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("wait_seconds", sa.Integer(), nullable=False),
        sa.Column("talk_seconds", sa.Integer(), nullable=False),
        sa.Column("recording", sa.String(length=128), nullable=True),
        sa.Column("start_at", switchboard.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("answer_at", switchboard.store.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("end_at", switchboard.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_cc_records_account_id_accounts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cc_records")),
        sa.UniqueConstraint("call_id", name=op.f("uq_cc_records_call_id")),
    )
    op.create_index("ix_cc_records_account_start", "cc_records", ["account_id", "start_at"], unique=False)
    op.create_table(
        "cc_ring_files",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=32), nullable=False),
        sa.Column("stored_as", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("created_at", switchboard.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_cc_ring_files_account_id_accounts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cc_ring_files")),
        sa.UniqueConstraint("account_id", "file_name", name="uq_cc_ring_files_account_name"),
        sa.UniqueConstraint("stored_as", name=op.f("uq_cc_ring_files_stored_as")),
    )
    op.create_table(
        "cc_tasks",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("app_id", sa.String(length=32), nullable=True),
        sa.Column("kind", sa.Integer(), nullable=False),
        sa.Column("group_ids", sa.JSON(), nullable=False),
        sa.Column("rate", sa.Integer(), nullable=False),
        sa.Column("display_num", sa.String(length=20), nullable=True),
        sa.Column("ccode", sa.String(length=4), nullable=True),
        sa.Column("remark", sa.String(length=50), nullable=True),
        sa.Column("max_ringing", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=128), nullable=False),
        sa.Column("upload_path", sa.String(length=64), nullable=False),
        sa.Column("header", sa.JSON(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("created_at", switchboard.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", switchboard.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_cc_tasks_account_id_accounts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cc_tasks")),
    )
    op.create_index("ix_cc_tasks_account", "cc_tasks", ["account_id", "id"], unique=False)
    op.create_table(
        "cc_trunks",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=True),
        sa.Column("gateway_ip", sa.String(length=50), nullable=True),
        sa.Column("white_ip", sa.String(length=50), nullable=True),
        sa.Column("register", sa.Boolean(), nullable=False),
        sa.Column("sip_account", sa.String(length=64), nullable=True),
        sa.Column("sip_password_enc", sa.Text(), nullable=True),
        sa.Column("state", sa.Integer(), server_default="1", nullable=False),
        sa.Column("created_at", switchboard.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", switchboard.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_cc_trunks_account_id_accounts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cc_trunks")),
        sa.UniqueConstraint("account_id", "name", name="uq_cc_trunks_account_name"),
    )
    op.create_table(
        "cc_uploads",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("path", sa.String(length=64), nullable=False),
        sa.Column("file_name", sa.String(length=128), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("same", sa.Integer(), nullable=False),
        sa.Column("created_at", switchboard.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_cc_uploads_account_id_accounts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cc_uploads")),
        sa.UniqueConstraint("path", name=op.f("uq_cc_uploads_path")),
    )
    op.create_table(
        "cc_agents",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("app_id", sa.String(length=32), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("pet_name", sa.String(length=20), nullable=True),
        sa.Column("emp_no", sa.String(length=12), nullable=False),
        sa.Column("sip_account", sa.String(length=32), nullable=False),
        sa.Column("password_enc", sa.Text(), nullable=False),
        sa.Column("enabled", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("deleted", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("priority", sa.Integer(), server_default="1", nullable=False),
        sa.Column("display_num", sa.String(length=20), nullable=True),
        sa.Column("ccode", sa.String(length=4), nullable=True),
        sa.Column("status", sa.Integer(), server_default="1", nullable=False),
        sa.Column("idle_since", switchboard.store.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("handled", sa.Integer(), server_default="0", nullable=False),
        sa.Column("misses", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", switchboard.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", switchboard.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_cc_agents_account_id_accounts")),
        sa.ForeignKeyConstraint(["group_id"], ["cc_groups.id"], name=op.f("fk_cc_agents_group_id_cc_groups")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cc_agents")),
        sa.UniqueConstraint("sip_account", name=op.f("uq_cc_agents_sip_account")),
    )
    op.create_index("ix_cc_agents_account_group", "cc_agents", ["account_id", "group_id"], unique=False)
    op.create_table(
        "cc_callees",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("task_id", BIG_ID, nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(["task_id"], ["cc_tasks.id"], name=op.f("fk_cc_callees_task_id_cc_tasks")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cc_callees")),
        sa.UniqueConstraint("task_id", "number", name="uq_cc_callees_task_number"),
    )
    op.create_index("ix_cc_callees_task_state", "cc_callees", ["task_id", "state"], unique=False)
    op.create_table(
        "cc_trunk_groups",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("trunk_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=50), nullable=True),
        sa.ForeignKeyConstraint(["group_id"], ["cc_groups.id"], name=op.f("fk_cc_trunk_groups_group_id_cc_groups")),
        sa.ForeignKeyConstraint(
            ["trunk_id"], ["cc_trunks.id"], name=op.f("fk_cc_trunk_groups_trunk_id_cc_trunks"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cc_trunk_groups")),
        sa.UniqueConstraint("kind", "group_id", name="uq_cc_trunk_groups_kind_group"),
        sa.UniqueConstraint("number", name="uq_cc_trunk_groups_number"),
    )


def downgrade() -> None:
    op.drop_table("cc_trunk_groups")
    op.drop_index("ix_cc_callees_task_state", table_name="cc_callees")
    op.drop_table("cc_callees")
    op.drop_index("ix_cc_agents_account_group", table_name="cc_agents")
    op.drop_table("cc_agents")
    op.drop_table("cc_uploads")
    op.drop_table("cc_trunks")
    op.drop_index("ix_cc_tasks_account", table_name="cc_tasks")
    op.drop_table("cc_tasks")
    op.drop_table("cc_ring_files")
    op.drop_index("ix_cc_records_account_start", table_name="cc_records")
    op.drop_table("cc_records")
    op.drop_table("cc_leaders")
    op.drop_table("cc_groups")
