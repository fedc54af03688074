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

# One row per destination number. A queued row is also its own dispatch job (the outbox): workers claim
# rows whose status is "queued" and whose due_at has come, holding a lease until lease_until.
messages = sa.Table(
    "messages",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("msg_id", sa.String(20), nullable=False, unique=True),
    sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("app_id", sa.String(32), nullable=False),
    sa.Column("number", sa.String(20), nullable=False),
    sa.Column("country", sa.String(3), nullable=False),
    sa.Column("content", sa.Text, nullable=False),
    sa.Column("sender_id", sa.String(32), nullable=True),
    sa.Column("order_id", sa.String(64), nullable=True),
    sa.Column("encoding", sa.String(8), nullable=False),
    sa.Column("segments", sa.Integer, nullable=False),
    # Price per segment and the cost charged for this number, in micro-units of `currency`.
    sa.Column("price", sa.BigInteger, nullable=False),
    sa.Column("cost", sa.BigInteger, nullable=False),
    # The part of `cost` paid from the gift bucket (refunds return it there).
    sa.Column("paid_gift", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("currency", sa.String(3), nullable=False),
    # scheduled | queued | submitted | delivered | failed | expired | cancelled
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("send_at", UtcDateTime, nullable=True),
    sa.Column("due_at", UtcDateTime, nullable=False),
    sa.Column("lease_until", UtcDateTime, nullable=True),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("carrier", sa.String(64), nullable=True),
    sa.Column("carrier_msg_id", sa.String(80), nullable=True),
    sa.Column("error_code", sa.String(32), nullable=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("submitted_at", UtcDateTime, nullable=True),
    sa.Column("final_at", UtcDateTime, nullable=True),
    sa.Index("ix_messages_status_due", "status", "due_at"),
    sa.Index("ix_messages_account_number_created", "account_id", "number", "created_at"),
    sa.Index("ix_messages_account_created", "account_id", "created_at"),
    sa.Index("ix_messages_app_created", "app_id", "created_at"),
)

# With an app's "unique orderIds" option on, each orderId maps to the message it first created.
order_ids = sa.Table(
    "order_ids",
    metadata,
    sa.Column("app_id", sa.String(32), primary_key=True),
    sa.Column("order_id", sa.String(64), primary_key=True),
    sa.Column("msg_id", sa.String(20), nullable=False),
    sa.Column("number", sa.String(20), nullable=False),
)

# Prices per product and destination: country ("*" for every country) and optionally a number prefix,
# globally (account_id null) or for one account. The most specific row wins (see domain/pricing.py).
rates = sa.Table(
    "rates",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("product", sa.String(16), nullable=False),
    sa.Column("country", sa.String(3), nullable=False),
    sa.Column("prefix", sa.String(16), nullable=False, server_default=""),
    sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=True),
    sa.Column("price", sa.BigInteger, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Index("ix_rates_product_account", "product", "account_id"),
)

# Sensitive words: global (account_id null) or of one account.
words = sa.Table(
    "words",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("word", sa.String(200), nullable=False),
    sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
)

# SMS templates of an app; only approved ones are matched.
templates = sa.Table(
    "templates",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("app_id", sa.String(32), nullable=False, index=True),
    sa.Column("content", sa.Text, nullable=False),
    sa.Column("approved", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("created_at", UtcDateTime, nullable=False),
)

# Carriers (SMS connectors) configured by the operator; `config` holds the type's settings.
carriers = sa.Table(
    "carriers",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(64), nullable=False, unique=True),
    sa.Column("type", sa.String(16), nullable=False),  # simulator | smpp | http
    sa.Column("config", sa.JSON, nullable=False),
    sa.Column("enabled", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("created_at", UtcDateTime, nullable=False),
)

# Ordered route table: the first enabled route whose filters all match gives the carriers to try, in order.
routes = sa.Table(
    "routes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("product", sa.String(16), nullable=False, server_default="sms"),
    sa.Column("country", sa.String(3), nullable=True),
    sa.Column("prefix", sa.String(16), nullable=True),
    sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=True),
    sa.Column("sender_id", sa.String(32), nullable=True),
    sa.Column("carriers", sa.JSON, nullable=False),  # carrier names, failover order
    sa.Column("enabled", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("created_at", UtcDateTime, nullable=False),
)

# One row per submitted part of a message: the carrier's id for it and the part's receipt state.
message_parts = sa.Table(
    "message_parts",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("message_id", sa.BigInteger, sa.ForeignKey("messages.id"), nullable=False, index=True),
    sa.Column("part", sa.Integer, nullable=False),
    sa.Column("carrier", sa.String(64), nullable=False),
    sa.Column("carrier_key", sa.String(80), nullable=False),  # canonical form of the carrier's id
    sa.Column("state", sa.String(16), nullable=False),  # submitted | delivered | failed | expired
    sa.Column("error_code", sa.String(32), nullable=True),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Index("ix_message_parts_carrier_key", "carrier", "carrier_key"),
)

# Receipts that arrived before the submit result that names their id was recorded (or for unknown ids).
early_receipts = sa.Table(
    "early_receipts",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("carrier", sa.String(64), nullable=False),
    sa.Column("carrier_key", sa.String(80), nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("error_code", sa.String(32), nullable=True),
    sa.Column("received_at", UtcDateTime, nullable=False),
    sa.Index("ix_early_receipts_carrier_key", "carrier", "carrier_key"),
)

# Pushes to customers' URLs (delivery reports, inbound SMS, call results) as persistent jobs.
pushes = sa.Table(
    "pushes",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("app_id", sa.String(32), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),  # report | inbound | call
    sa.Column("ref", sa.String(40), nullable=False),  # msgId / voiceId the push is about
    sa.Column("url", sa.String(2048), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),  # pending | delivered | abandoned
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_attempt_at", UtcDateTime, nullable=False),
    sa.Column("lease_until", UtcDateTime, nullable=True),
    sa.Column("last_error", sa.String(300), nullable=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("delivered_at", UtcDateTime, nullable=True),
    sa.Index("ix_pushes_status_next", "status", "next_attempt_at"),
    sa.Index("ix_pushes_ref", "ref"),
)

push_attempts = sa.Table(
    "push_attempts",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("push_id", sa.BigInteger, sa.ForeignKey("pushes.id"), nullable=False, index=True),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Column("http_status", sa.Integer, nullable=True),
    sa.Column("error", sa.String(300), nullable=True),
    sa.Column("duration_ms", sa.Integer, nullable=False),
)

# Numbers (or sender ids) that receive inbound SMS for an app.
numbers = sa.Table(
    "numbers",
    metadata,
    sa.Column("number", sa.String(32), primary_key=True),
    sa.Column("app_id", sa.String(32), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
)

inbound_messages = sa.Table(
    "inbound_messages",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("msg_id", sa.String(20), nullable=False, unique=True),
    sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=True),
    sa.Column("app_id", sa.String(32), nullable=True),  # null: no app owns the destination
    sa.Column("source", sa.String(32), nullable=False),
    sa.Column("destination", sa.String(32), nullable=False),
    sa.Column("content", sa.Text, nullable=False),
    sa.Column("carrier", sa.String(64), nullable=False),
    sa.Column("operator", sa.String(100), nullable=False, server_default=""),
    sa.Column("country", sa.String(3), nullable=False, server_default=""),
    sa.Column("received_at", UtcDateTime, nullable=False),
    sa.Index("ix_inbound_app_received", "app_id", "received_at"),
)

# OTP templates of an SMS app: the text with a {code} placeholder, and the rules of its codes.
otp_templates = sa.Table(
    "otp_templates",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("app_id", sa.String(32), nullable=False, index=True),
    sa.Column("content", sa.Text, nullable=False),
    sa.Column("code_length", sa.Integer, nullable=False),
    sa.Column("ttl", sa.Integer, nullable=False),  # seconds a code stays valid
    sa.Column("max_attempts", sa.Integer, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    # Set by otp/template/add|update (migration 0006w); null for templates made with the CLI.
    sa.Column("name", sa.String(32), nullable=True),
    sa.Column("code_type", sa.Integer, nullable=True),  # 1 digits (null too), 2 letters, 3 letters and digits
    sa.Column("speech_rate", sa.Integer, nullable=True),
    sa.Column("language", sa.String(8), nullable=True),
    sa.Column("max_duration", sa.Integer, nullable=True),
    sa.Column("repeat_cnt", sa.Integer, nullable=True),
    sa.Column("sender_id", sa.String(32), nullable=True),
)

# One verification: the code is kept only as a salted hash.
verifications = sa.Table(
    "verifications",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("verification_id", sa.String(24), nullable=False, unique=True),
    sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("app_id", sa.String(32), nullable=False),
    sa.Column("template_id", sa.Integer, nullable=True),
    sa.Column("to", sa.String(20), nullable=False),
    sa.Column("channel", sa.String(8), nullable=False),
    sa.Column("order_id", sa.String(64), nullable=True),
    sa.Column("code_hash", sa.String(64), nullable=False),
    sa.Column("salt", sa.String(32), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),  # pending | verified | expired | locked
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("max_attempts", sa.Integer, nullable=False),
    sa.Column("resends", sa.Integer, nullable=False, server_default="0"),
    sa.Column("msg_id", sa.String(20), nullable=True),
    sa.Column("expires_at", UtcDateTime, nullable=False),
    sa.Column("sent_at", UtcDateTime, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("verified_at", UtcDateTime, nullable=True),
    sa.UniqueConstraint("app_id", "order_id", name="uq_verifications_app_order"),
    # Migration 0006w: the flow a verification follows, its current step, and the destination's country.
    sa.Column("flow_id", sa.Integer, nullable=True),
    sa.Column("flow_step", sa.Integer, nullable=True),
    sa.Column("country", sa.String(8), nullable=True),
)


# Tables of other concerns, declared in their own modules on the same metadata.
import switchboard.store.aivoice_tables  # noqa: E402,F401
import switchboard.store.campaign_tables  # noqa: E402,F401
import switchboard.store.cc_tables  # noqa: E402,F401
import switchboard.store.console_tables  # noqa: E402,F401
import switchboard.store.node_tables  # noqa: E402,F401
import switchboard.store.otp_tables  # noqa: E402,F401
import switchboard.store.phone_tables  # noqa: E402,F401
import switchboard.store.recording_tables  # noqa: E402,F401
import switchboard.store.smpp_tables  # noqa: E402,F401
import switchboard.store.voice_tables  # noqa: E402,F401
