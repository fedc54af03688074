"""Tables of the console and the admin API: operator users, their browser sessions and their API tokens.

Declared on the shared ``metadata``; migration ``0005c`` creates them exactly as written here.
"""

from __future__ import annotations

import sqlalchemy as sa

from switchboard.store.tables import metadata
from switchboard.store.types import UtcDateTime

# People who operate the platform from a browser or a script. role "admin" sees everything; role "account"
# sees only the account it belongs to (account_id).
users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("email", sa.String(254), nullable=False, unique=True),
    # argon2id hash in PHC string format; the password itself is never stored.
    sa.Column("password_hash", sa.String(200), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),  # admin | account
    sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=True),
    sa.Column("enabled", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.CheckConstraint("role IN ('admin', 'account')", name="role_known"),
    sa.CheckConstraint("role = 'admin' OR account_id IS NOT NULL", name="account_user_has_account"),
)

# Browser sessions, server side. The cookie holds a random token; only its SHA-256 is stored. Each session has
# its own CSRF token (synchronizer pattern) that state-changing requests must echo.
user_sessions = sa.Table(
    "user_sessions",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False, index=True),
    sa.Column("csrf_token", sa.String(64), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("expires_at", UtcDateTime, nullable=False),
)

# Bearer tokens for scripts (``Authorization: Bearer ...``); only their SHA-256 is stored.
user_tokens = sa.Table(
    "user_tokens",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False, index=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    # The first characters of the token, to tell tokens apart in lists.
    sa.Column("prefix", sa.String(12), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
)
