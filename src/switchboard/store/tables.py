"""The schema, as SQLAlchemy Core tables. Migrations in ``migrations/versions`` must match it."""

from __future__ import annotations

import sqlalchemy as sa

from switchboard.store.types import UtcDateTime

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

accounts = sa.Table(
    "accounts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    # Money in micro-units (see switchboard.money). balance and gift never go negative; the credit line
    # is how far below zero the balance bucket may be drawn by spending.
    sa.Column("balance", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("gift", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("credit", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("locked", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("workspace_enabled", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("timezone", sa.String(64), nullable=False, server_default="UTC"),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.CheckConstraint("gift >= 0", name="gift_not_negative"),
    sa.CheckConstraint("credit >= 0", name="credit_not_negative"),
    sa.CheckConstraint("balance + credit >= 0", name="balance_within_credit"),
)

api_keys = sa.Table(
    "api_keys",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=False, index=True),
    sa.Column("api_key", sa.String(64), nullable=False, unique=True),
    # Fernet token of the secret under the master key; the plain secret is never stored.
    sa.Column("secret_enc", sa.Text, nullable=False),
    sa.Column("enabled", sa.Boolean, nullable=False, server_default=sa.true()),
    # IP addresses or CIDRs the key may be used from; empty = anywhere.
    sa.Column("allowed_ips", sa.JSON, nullable=False),
    # appIds the key may use; null = every app of its account.
    sa.Column("allowed_apps", sa.JSON, nullable=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
)

apps = sa.Table(
    "apps",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("app_id", sa.String(32), nullable=False, unique=True),
    sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=False, index=True),
    sa.Column("product", sa.String(16), nullable=False),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("report_url", sa.String(2048), nullable=True),
    sa.Column("inbound_url", sa.String(2048), nullable=True),
    sa.Column("call_url", sa.String(2048), nullable=True),
    # Per-app options added by the products (templates required, strict numbers, limits ...).
    sa.Column("options", sa.JSON, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
)

ledger = sa.Table(
    "ledger",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=False, index=True),
    # topup | gift | debit | refund | credit_line
    sa.Column("kind", sa.String(16), nullable=False),
    # Signed micro-units moved into (positive) or out of (negative) each bucket by this entry.
    sa.Column("balance_delta", sa.BigInteger, nullable=False),
    sa.Column("gift_delta", sa.BigInteger, nullable=False),
    sa.Column("reference", sa.String(200), nullable=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
)
