"""The call-center tables (groups, ring tones, team leaders, agents, SIP trunks, uploads, tasks, callees, records),
declared on the shared ``metadata``.

Migration ``0007c`` creates exactly these; ``tests/store/test_schema.py`` compares them.
"""

from __future__ import annotations

import sqlalchemy as sa

from switchboard.store.tables import metadata
from switchboard.store.types import UtcDateTime

BIG_ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def _account() -> sa.Column[int]:
    return sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=False)


# Agent groups (C1-C7): the app they were made in, their settings and call tags (``labels``, JSON list).
cc_groups = sa.Table(
    "cc_groups",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    _account(),
    sa.Column("app_id", sa.String(32), nullable=False),
    sa.Column("name", sa.String(32), nullable=False),
    sa.Column("strategy", sa.Integer, nullable=False, server_default="1"),
    sa.Column("timeout_transfer", sa.Integer, nullable=True),
    sa.Column("auto_answer", sa.Integer, nullable=True),
    sa.Column("wrap_up", sa.Integer, nullable=True),
    sa.Column("timeout_idle", sa.Integer, nullable=True),
    sa.Column("timeout_wait", sa.Integer, nullable=True),
    sa.Column("ring_file", sa.String(64), nullable=True),
    sa.Column("labels", sa.JSON, nullable=False),
    sa.Column("display_switch", sa.Integer, nullable=False, server_default="0"),
    sa.Column("encrypt_number", sa.Integer, nullable=False, server_default="1"),
    sa.Column("fs_node", sa.String(16), nullable=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.UniqueConstraint("account_id", "name", name="uq_cc_groups_account_name"),
)

# Transfer ring tones (C6): the file lives in ``<data_dir>/cc/rings/``; one name per account.
cc_ring_files = sa.Table(
    "cc_ring_files",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    _account(),
    sa.Column("file_name", sa.String(32), nullable=False),
    sa.Column("stored_as", sa.String(64), nullable=False, unique=True),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.UniqueConstraint("account_id", "file_name", name="uq_cc_ring_files_account_name"),
)

# Team leaders (C8-C11): a console login (``login``) with a sealed password; ``group_ids`` JSON list.
cc_leaders = sa.Table(
    "cc_leaders",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    _account(),
    sa.Column("name", sa.String(32), nullable=False),
    sa.Column("pet_name", sa.String(20), nullable=True),
    sa.Column("emp_no", sa.String(12), nullable=False),
    sa.Column("login", sa.String(32), nullable=False, unique=True),
    sa.Column("password_enc", sa.Text, nullable=False),
    sa.Column("enabled", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("group_ids", sa.JSON, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.UniqueConstraint("account_id", "name", name="uq_cc_leaders_account_name"),
)

# Agents (C12-C16): each a SIP account (digest user name, unique on the platform) and a sealed password, in one
# group. ``status`` is C13's 1-5; ``idle_since``, ``handled`` and ``misses`` feed the strategies.
cc_agents = sa.Table(
    "cc_agents",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    _account(),
    sa.Column("app_id", sa.String(32), nullable=False),
    sa.Column("group_id", sa.Integer, sa.ForeignKey("cc_groups.id"), nullable=False),
    sa.Column("name", sa.String(32), nullable=False),
    sa.Column("pet_name", sa.String(20), nullable=True),
    sa.Column("emp_no", sa.String(12), nullable=False),
    sa.Column("sip_account", sa.String(32), nullable=False, unique=True),
    sa.Column("password_enc", sa.Text, nullable=False),
    sa.Column("enabled", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("deleted", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("priority", sa.Integer, nullable=False, server_default="1"),
    sa.Column("display_num", sa.String(20), nullable=True),
    sa.Column("ccode", sa.String(4), nullable=True),
    sa.Column("status", sa.Integer, nullable=False, server_default="1"),
    sa.Column("idle_since", UtcDateTime, nullable=True),
    sa.Column("handled", sa.Integer, nullable=False, server_default="0"),
    sa.Column("misses", sa.Integer, nullable=False, server_default="0"),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Index("ix_cc_agents_account_group", "account_id", "group_id"),
)

# SIP trunks (C18-C20); the registration password is sealed. Bound groups (and inbound numbers) in
# ``cc_trunk_groups``: a group on at most one trunk of a type, a number on at most one inbound trunk.
cc_trunks = sa.Table(
    "cc_trunks",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    _account(),
    sa.Column("kind", sa.Integer, nullable=False),
    sa.Column("name", sa.String(32), nullable=False),
    sa.Column("prefix", sa.String(16), nullable=True),
    sa.Column("gateway_ip", sa.String(50), nullable=True),
    sa.Column("white_ip", sa.String(50), nullable=True),
    sa.Column("register", sa.Boolean, nullable=False),
    sa.Column("sip_account", sa.String(64), nullable=True),
    sa.Column("sip_password_enc", sa.Text, nullable=True),
    sa.Column("state", sa.Integer, nullable=False, server_default="1"),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.UniqueConstraint("account_id", "name", name="uq_cc_trunks_account_name"),
)

cc_trunk_groups = sa.Table(
    "cc_trunk_groups",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("trunk_id", sa.Integer, sa.ForeignKey("cc_trunks.id", ondelete="CASCADE"), nullable=False),
    sa.Column("kind", sa.Integer, nullable=False),
    sa.Column("group_id", sa.Integer, sa.ForeignKey("cc_groups.id"), nullable=False),
    sa.Column("number", sa.String(50), nullable=True),
    sa.UniqueConstraint("kind", "group_id", name="uq_cc_trunk_groups_kind_group"),
    sa.UniqueConstraint("number", name="uq_cc_trunk_groups_number"),
)

# Callee lists uploaded (C21), kept as files under ``<data_dir>/cc/uploads/``; ``path`` is C21's filePath.
cc_uploads = sa.Table(
    "cc_uploads",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    _account(),
    sa.Column("path", sa.String(64), nullable=False, unique=True),
    sa.Column("file_name", sa.String(128), nullable=False),
    sa.Column("total", sa.Integer, nullable=False),
    sa.Column("same", sa.Integer, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
)

# Outbound tasks (C22-C25): ``status`` is C24's taskStatus; ``group_ids`` JSON list.
cc_tasks = sa.Table(
    "cc_tasks",
    metadata,
    sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
    _account(),
    sa.Column("app_id", sa.String(32), nullable=True),
    sa.Column("kind", sa.Integer, nullable=False),
    sa.Column("group_ids", sa.JSON, nullable=False),
    sa.Column("rate", sa.Integer, nullable=False),
    sa.Column("display_num", sa.String(20), nullable=True),
    sa.Column("ccode", sa.String(4), nullable=True),
    sa.Column("remark", sa.String(50), nullable=True),
    sa.Column("max_ringing", sa.Integer, nullable=False),
    sa.Column("file_name", sa.String(128), nullable=False),
    sa.Column("upload_path", sa.String(64), nullable=False),
    sa.Column("header", sa.JSON, nullable=False),
    sa.Column("status", sa.Integer, nullable=False),
    sa.Column("total", sa.Integer, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Index("ix_cc_tasks_account", "account_id", "id"),
)

# A task's callees, each number once; ``state`` waiting, calling, or the dialer's final state.
cc_callees = sa.Table(
    "cc_callees",
    metadata,
    sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
    sa.Column("task_id", BIG_ID, sa.ForeignKey("cc_tasks.id"), nullable=False),
    sa.Column("number", sa.String(20), nullable=False),
    sa.Column("data", sa.JSON, nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.UniqueConstraint("task_id", "number", name="uq_cc_callees_task_number"),
    sa.Index("ix_cc_callees_task_state", "task_id", "state"),
)

# One row per finished call-center call (C17 / V21): type, reason, direction, times, tags and note.
cc_records = sa.Table(
    "cc_records",
    metadata,
    sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
    sa.Column("call_id", sa.String(64), nullable=False, unique=True),
    _account(),
    sa.Column("group_id", sa.Integer, nullable=True),
    sa.Column("group_name", sa.String(32), nullable=True),
    sa.Column("agent_id", sa.Integer, nullable=True),
    sa.Column("agent_name", sa.String(32), nullable=True),
    sa.Column("task_id", BIG_ID, nullable=True),
    sa.Column("call_type", sa.Integer, nullable=False),
    sa.Column("caller", sa.String(32), nullable=True),
    sa.Column("called", sa.String(32), nullable=True),
    sa.Column("ccode", sa.String(4), nullable=True),
    sa.Column("hangup_reason", sa.Integer, nullable=False),
    sa.Column("hangup_direction", sa.Integer, nullable=False),
    sa.Column("labels", sa.JSON, nullable=False),
    sa.Column("note", sa.String(500), nullable=True),
    sa.Column("wait_seconds", sa.Integer, nullable=False),
    sa.Column("talk_seconds", sa.Integer, nullable=False),
    sa.Column("recording", sa.String(128), nullable=True),
    sa.Column("start_at", UtcDateTime, nullable=False),
    sa.Column("answer_at", UtcDateTime, nullable=True),
    sa.Column("end_at", UtcDateTime, nullable=False),
    sa.Index("ix_cc_records_account_start", "account_id", "start_at"),
)
