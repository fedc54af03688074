"""The intelligent-voice tables (flows, lines, tasks, customers), declared on the shared ``metadata``.

Migration ``0006a`` creates exactly these.
"""

from __future__ import annotations

import sqlalchemy as sa

from switchboard.store.tables import metadata
from switchboard.store.types import UtcDateTime

BIG_ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")

# Dialog flows (A1): the checked definition and the author's YAML/JSON text; ``version`` counts saves.
aivoice_flows = sa.Table(
    "aivoice_flows",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("name", sa.String(64), nullable=False),
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    sa.Column("status", sa.String(16), nullable=False, server_default="ENABLE"),
    sa.Column("definition", sa.JSON, nullable=False),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.UniqueConstraint("account_id", "name", name="uq_aivoice_flows_account_name"),
)

# Outbound lines (A2): caller numbers an account's robot tasks may call from, each on a voice trunk.
aivoice_lines = sa.Table(
    "aivoice_lines",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("phone_number", sa.String(32), nullable=False),
    sa.Column("trunk", sa.String(64), nullable=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.UniqueConstraint("account_id", "phone_number", name="uq_aivoice_lines_account_number"),
)

# Robot tasks (A3/A4): the settings of REFERENCE.md, list-valued ones as JSON. ``deleted`` hides a task
# (A10) while its customers and records stay.
aivoice_tasks = sa.Table(
    "aivoice_tasks",
    metadata,
    sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
    sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("app_id", sa.String(32), nullable=False),
    sa.Column("name", sa.String(64), nullable=False),
    sa.Column("flow_id", sa.Integer, sa.ForeignKey("aivoice_flows.id"), nullable=False),
    sa.Column("line_id", sa.Integer, sa.ForeignKey("aivoice_lines.id"), nullable=False),
    sa.Column("mode", sa.String(8), nullable=False),
    sa.Column("start_at", UtcDateTime, nullable=True),
    sa.Column("end_at", UtcDateTime, nullable=True),
    sa.Column("daily_start", sa.String(5), nullable=False),
    sa.Column("daily_end", sa.String(5), nullable=False),
    sa.Column("robot_count", sa.Integer, nullable=False),
    sa.Column("inactive_times", sa.JSON, nullable=False),
    sa.Column("inactive_dates", sa.JSON, nullable=False),
    sa.Column("days_of_week", sa.JSON, nullable=False),
    sa.Column("redial", sa.Boolean, nullable=False),
    sa.Column("redial_conditions", sa.JSON, nullable=False),
    sa.Column("redial_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("redial_interval", sa.Integer, nullable=False, server_default="0"),
    sa.Column("hangup_sms", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("deleted", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Index("ix_aivoice_tasks_account_app", "account_id", "app_id"),
)

# Customers imported into a task (A6); one row per number, ``status`` WAITING until called.
aivoice_customers = sa.Table(
    "aivoice_customers",
    metadata,
    sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
    sa.Column("task_id", BIG_ID, sa.ForeignKey("aivoice_tasks.id"), nullable=False),
    sa.Column("name", sa.String(64), nullable=False),
    sa.Column("phone_number", sa.String(32), nullable=False),
    sa.Column("gender", sa.String(8), nullable=True),
    sa.Column("properties", sa.JSON, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_at", UtcDateTime, nullable=True),  # a redial waits until then
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.UniqueConstraint("task_id", "phone_number", name="uq_aivoice_customers_task_number"),
)

# One row per robot call (A13 records): the result, the transcript turns (``details``), intent and variables.
aivoice_calls = sa.Table(
    "aivoice_calls",
    metadata,
    sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
    sa.Column("call_id", sa.String(32), nullable=False, unique=True),
    sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("app_id", sa.String(32), nullable=False),
    sa.Column("task_id", BIG_ID, sa.ForeignKey("aivoice_tasks.id"), nullable=False),
    sa.Column("customer_id", BIG_ID, nullable=False),
    sa.Column("flow_id", sa.Integer, nullable=False),
    sa.Column("line_id", sa.Integer, nullable=False),
    sa.Column("called_number", sa.String(32), nullable=False),
    sa.Column("customer_name", sa.String(64), nullable=False),
    sa.Column("result_status", sa.String(24), nullable=False),
    sa.Column("hangup_by", sa.String(16), nullable=True),
    sa.Column("intent", sa.String(64), nullable=True),
    sa.Column("intent_level", sa.String(8), nullable=True),
    sa.Column("chat_round", sa.Integer, nullable=False),
    sa.Column("chat_duration", sa.Integer, nullable=False),
    sa.Column("properties", sa.JSON, nullable=False),
    sa.Column("dynamic_properties", sa.JSON, nullable=False),
    sa.Column("details", sa.JSON, nullable=False),
    sa.Column("redial_times", sa.Integer, nullable=False, server_default="0"),
    sa.Column("start_at", UtcDateTime, nullable=False),
    sa.Column("end_at", UtcDateTime, nullable=False),
    sa.Index("ix_aivoice_calls_app_start", "app_id", "start_at"),
)
