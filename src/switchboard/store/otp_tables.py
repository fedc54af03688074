"""The OTP management and conversion tables, declared on the shared ``metadata``.

Migration ``0006w`` creates exactly these (and adds the template, verification columns declared in
``tables.py``); ``tests/store/test_schema.py`` compares them.
"""

from __future__ import annotations

import sqlalchemy as sa

from switchboard.store.tables import metadata
from switchboard.store.types import UtcDateTime

# A fallback flow of an account: ``steps`` is a list of {"channel", "waitingTime", "status", "channelCut"}.
# A verification sent with a flowId starts on its first enabled step; each resend may move to the next.
otp_flows = sa.Table(
    "otp_flows",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("name", sa.String(64), nullable=False),
    sa.Column("steps", sa.JSON, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.UniqueConstraint("account_id", "name", name="uq_otp_flows_account_name"),
)

# One verification-code conversion reported by the customer (postback/backfill, S8): the code sent in
# ``msg_id`` (or to ``number``) was used at ``used_at``. ``dedupe_key`` (the msgId, else number@time) makes a
# repeated report a no-op. Template and country are resolved when the report arrives.
otp_conversions = sa.Table(
    "otp_conversions",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("app_id", sa.String(32), nullable=False),
    sa.Column("dedupe_key", sa.String(64), nullable=False),
    sa.Column("msg_id", sa.String(24), nullable=True),
    sa.Column("number", sa.String(20), nullable=False),
    sa.Column("country", sa.String(8), nullable=True),
    sa.Column("template_id", sa.Integer, nullable=True),
    sa.Column("used_at", UtcDateTime, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.UniqueConstraint("app_id", "dedupe_key", name="uq_otp_conversions_app_key"),
    sa.Index("ix_otp_conversions_account_used", "account_id", "used_at"),
)

# An aggregate conversion rate the customer reports for an app and a mobile country code (otp/backfillRate).
otp_backfill_rates = sa.Table(
    "otp_backfill_rates",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("app_id", sa.String(32), nullable=False),
    sa.Column("mcc", sa.String(3), nullable=False),
    sa.Column("converted", sa.Integer, nullable=False),
    sa.Column("base", sa.Integer, nullable=False),
    sa.Column("reported_rate", sa.String(32), nullable=True),
    sa.Column("callback_at", UtcDateTime, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Index("ix_otp_backfill_rates_account_created", "account_id", "created_at"),
)
