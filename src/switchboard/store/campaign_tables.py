"""The group-call task tables (campaigns, V14-V20), declared on the shared ``metadata``.

Migration ``0006g`` creates exactly these; ``tests/store/test_schema.py`` compares them.
"""

from __future__ import annotations

import sqlalchemy as sa

from switchboard.store.tables import metadata
from switchboard.store.types import UtcDateTime

BIG_ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")

# One row per task (its id is the contract's jobId / keyId). The money of every number's longest call is
# debited at acceptance into the task's pool; the runner moves a number's share of the pool onto its call
# row when it queues the call, and the voice worker refunds what the call did not use. What is left in the
# pool when the task ends (numbers never called) is refunded then. The counters change in the transaction
# that makes a number final, so they always equal the numbers' outcomes.
voice_campaigns = sa.Table(
    "voice_campaigns",
    metadata,
    sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
    sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("app_id", sa.String(32), nullable=False),
    sa.Column("api_key", sa.String(64), nullable=False),
    sa.Column("task_name", sa.String(64), nullable=False),
    sa.Column("status", sa.Integer, nullable=False),
    sa.Column("source", sa.Integer, nullable=False),
    sa.Column("voice_file_id", sa.String(64), nullable=True),
    sa.Column("upload_name", sa.String(32), nullable=True),
    sa.Column("text", sa.Text, nullable=True),
    sa.Column("lan", sa.String(8), nullable=True),
    sa.Column("audio", sa.String(100), nullable=False),  # file:<file_id> | tts:<sha256>
    sa.Column("audio_ms", sa.Integer, nullable=False),
    sa.Column("display_num", sa.String(20), nullable=True),
    sa.Column("send_at", UtcDateTime, nullable=True),
    sa.Column("loop_count", sa.Integer, nullable=False),
    sa.Column("max_calls", sa.Integer, nullable=False),
    sa.Column("max_ringing", sa.Integer, nullable=False),
    sa.Column("windows", sa.JSON, nullable=False),
    sa.Column("zone", sa.String(64), nullable=False),
    sa.Column("sms", sa.JSON, nullable=True),  # the hang-up SMS rules, null when off
    sa.Column("options", sa.JSON, nullable=False),  # toSeat and the other accepted V14 fields
    sa.Column("num_cnt", sa.Integer, nullable=False),
    sa.Column("invalid_cnt", sa.Integer, nullable=False, server_default="0"),
    sa.Column("bill_block", sa.Integer, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    # Settlement units per unit of `currency` at acceptance, copied onto each call (migration 0007g).
    sa.Column("quote_exchange", sa.String(24), nullable=True),
    sa.Column("reserved", sa.BigInteger, nullable=False, server_default="0"),  # debited for the task in all
    sa.Column("pool", sa.BigInteger, nullable=False, server_default="0"),  # reserved, not yet on a call
    sa.Column("pool_gift", sa.BigInteger, nullable=False, server_default="0"),  # the gift part of the pool
    sa.Column("called", sa.Integer, nullable=False, server_default="0"),
    sa.Column("success", sa.Integer, nullable=False, server_default="0"),
    sa.Column("fail", sa.Integer, nullable=False, server_default="0"),
    sa.Column("rang", sa.Integer, nullable=False, server_default="0"),
    sa.Column("key_feedback", sa.Integer, nullable=False, server_default="0"),
    sa.Column("call_duration", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("charge_len", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("cost", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("sms_sent", sa.Integer, nullable=False, server_default="0"),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Column("started_at", UtcDateTime, nullable=True),
    sa.Column("finished_at", UtcDateTime, nullable=True),
    sa.Index("ix_voice_campaigns_account_created", "account_id", "created_at"),
    sa.Index("ix_voice_campaigns_status", "status"),
    sa.Index("ux_voice_campaigns_account_name", "account_id", "task_name", unique=True),
)

# One row per number of a task. ``state``: pending (not yet called), queued (its call row
# exists: ``voice_id``), done (final: ``result`` success | fail), invalid (never called: not a
# possible number, or no voice rate). ``sms``: null, due (the hang-up SMS is owed), sent (``sms_msg_id``),
# or a refusal code of the SMS product.
voice_campaign_numbers = sa.Table(
    "voice_campaign_numbers",
    metadata,
    sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
    sa.Column("campaign_id", BIG_ID, sa.ForeignKey("voice_campaigns.id"), nullable=False),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("callee", sa.String(20), nullable=False),
    sa.Column("country", sa.String(3), nullable=False),
    sa.Column("price", sa.BigInteger, nullable=False),
    sa.Column("reserved", sa.BigInteger, nullable=False),
    sa.Column("text1", sa.String(30), nullable=True),
    sa.Column("text2", sa.String(30), nullable=True),
    sa.Column("text3", sa.String(30), nullable=True),
    sa.Column("text4", sa.String(30), nullable=True),
    sa.Column("text5", sa.String(30), nullable=True),
    sa.Column("state", sa.String(8), nullable=False),
    sa.Column("voice_id", sa.String(20), nullable=True),
    sa.Column("calls", sa.Integer, nullable=False, server_default="0"),
    sa.Column("result", sa.String(8), nullable=True),
    sa.Column("termination_code", sa.String(8), nullable=True),
    sa.Column("keys", sa.String(32), nullable=False, server_default=""),
    sa.Column("call_duration", sa.Integer, nullable=False, server_default="0"),
    sa.Column("cost", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("sms", sa.String(8), nullable=True),
    sa.Column("sms_msg_id", sa.String(20), nullable=True),
    sa.Column("finished_at", UtcDateTime, nullable=True),
    sa.Index("ix_voice_campaign_numbers_task", "campaign_id", "state", "seq"),
    sa.Index("ix_voice_campaign_numbers_voice", "voice_id"),
    sa.Index("ix_voice_campaign_numbers_state", "state"),
    sa.Index("ix_voice_campaign_numbers_sms", "sms"),
)
