"""Console users: accounts of people (not API keys), passwords, browser sessions and bearer tokens.

- Passwords are hashed with argon2id (argon2-cffi) in a small thread pool, off the event loop; a login for an
  unknown email still verifies against a dummy hash, so the answer takes as long as for a known one. A sign-in
  attempt is counted before its check, and a process checks at most ``SIGN_INS_AT_ONCE`` at once.
- A session is a random token in an HttpOnly cookie; the database keeps only its SHA-256, its user, its CSRF
  token and an absolute expiry. Reading a session never writes.
- A bearer token is shown once when issued; the database keeps only its SHA-256 and a short prefix.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.exc import IntegrityError

from switchboard.auth.guard import MemoryGuard, RedisGuard
from switchboard.errors import OperatorError, SwitchboardError
from switchboard.services.context import Services
from switchboard.store import tenants
from switchboard.store import users as store
from switchboard.store.users import ACCOUNT, ADMIN, ROLES, Session, Token, User

T = TypeVar("T")

SESSION_TTL = timedelta(hours=12)
TOKEN_PREFIX = "sbt_"  # noqa: S105 (a marker, not a secret)
MIN_PASSWORD = 8
MAX_PASSWORD = 1024
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,189}$")
DEMO_EMAIL = "operator@demo.switchboard"

_hasher = PasswordHasher()
# argon2id takes ~170 ms of CPU: it runs in this small pool (argon2-cffi releases the GIL), never on the event
# loop, and at most SIGN_INS_AT_ONCE sign-ins per process are checked at once; the others are refused (429).
_HASH_POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="argon2")
SIGN_INS_AT_ONCE = 8


async def _in_pool(function: Callable[..., T], *args: Any) -> T:
    return await asyncio.get_running_loop().run_in_executor(_HASH_POOL, function, *args)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher.hash(secrets.token_urlsafe(16))


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalise_email(email: str) -> str:
    return email.strip().lower()


def check_password(password: str) -> None:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise OperatorError(f"a password is {MIN_PASSWORD} to {MAX_PASSWORD} characters")


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password against its hash, or against a dummy hash (the same work) when there is none."""
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


class TooManyFailures(SwitchboardError):
    """Sign-ins from this address are blocked for a while after too many failures."""


@dataclass(frozen=True)
class NewSession:
    token: str
    csrf_token: str
    expires_at: datetime


class Users:
    def __init__(self, services: Services) -> None:
        self.s = services

    async def create_user(self, email: str, password: str, role: str, account_id: int | None = None) -> User:
        email = normalise_email(email)
        if not EMAIL.match(email):
            raise OperatorError(f"not an email address: {email!r}")
        if role not in ROLES:
            raise OperatorError(f"role must be one of {', '.join(ROLES)}")
        if role == ACCOUNT and account_id is None:
            raise OperatorError("an account user needs --account")
        if role == ADMIN and account_id is not None:
            raise OperatorError("an admin user belongs to no account")
        check_password(password)
        password_hash = await _in_pool(_hasher.hash, password)
        try:
            async with self.s.db.write() as conn:
                if account_id is not None and await tenants.get_account(conn, account_id) is None:
                    raise OperatorError(f"no account {account_id}")
                if await store.get_user_by_email(conn, email) is not None:
                    raise OperatorError(f"a user {email} exists")
                user_id = await store.insert_user(
                    conn,
                    email=email,
                    password_hash=password_hash,
                    role=role,
                    account_id=account_id,
                    now=self.s.clock.now(),
                )
                user = await store.get_user(conn, user_id)
        except IntegrityError as exc:  # a concurrent create of the same email
            raise OperatorError(f"a user {email} exists") from exc
        assert user is not None
        return user

    async def users(self) -> list[User]:
        async with self.s.db.read() as conn:
            return await store.list_users(conn)

    async def user(self, email: str) -> User:
        async with self.s.db.read() as conn:
            user = await store.get_user_by_email(conn, normalise_email(email))
        if user is None:
            raise OperatorError(f"no user {email}")
        return user

    async def set_enabled(self, email: str, enabled: bool) -> User:
        """Enable or disable a user; disabling also ends the user's sessions."""
        async with self.s.db.write() as conn:
            user = await store.get_user_by_email(conn, normalise_email(email))
            if user is None:
                raise OperatorError(f"no user {email}")
            await store.update_user(conn, user.id, enabled=enabled)
            if not enabled:
                await store.delete_sessions(conn, user_id=user.id)
            updated = await store.get_user(conn, user.id)
        assert updated is not None
        return updated

    async def set_password(self, email: str, password: str) -> None:
        check_password(password)
        password_hash = await _in_pool(_hasher.hash, password)
        async with self.s.db.write() as conn:
            user = await store.get_user_by_email(conn, normalise_email(email))
            if user is None:
                raise OperatorError(f"no user {email}")
            await store.update_user(conn, user.id, password_hash=password_hash)
            await store.delete_sessions(conn, user_id=user.id)

    async def operator_exists(self) -> bool:
        """True once an enabled admin user exists: until then the console and the admin API are off."""
        async with self.s.db.read() as conn:
            return await store.admin_exists(conn)

    async def authenticate(self, email: str, password: str) -> User | None:
        """The enabled user with this email and password, or None (the same slow answer either way)."""
        async with self.s.db.read() as conn:
            user = await store.get_user_by_email(conn, normalise_email(email))
        # An unknown email verifies against a dummy hash: the same work, in the same pool, as a known one.
        matches = await _in_pool(verify_password, user.password_hash if user else None, password)
        if user is None or not matches or not user.enabled:
            return None
        if _hasher.check_needs_rehash(user.password_hash):
            new_hash = await _in_pool(_hasher.hash, password)
            async with self.s.db.write() as conn:
                await store.update_user(conn, user.id, password_hash=new_hash)
        return user

    def _guard(self) -> Any:
        """The API's brute-force guard, with counters of its own (in Redis when configured)."""
        guard = self.s.caches.get("console_sign_in_guard")
        if guard is None:
            redis = self.s.redis
            guard = RedisGuard(redis, prefix="sb:console") if redis is not None else MemoryGuard(self.s.clock)
            self.s.caches["console_sign_in_guard"] = guard
        return guard

    async def sign_in(self, email: str, password: str, ip: str) -> User | None:
        """``authenticate``, refused outright (TooManyFailures) for an address with too many recent failures;
        the limits are the API's (``auth_failure_limit`` within ``auth_failure_window``, ``auth_block_seconds``)."""
        guard = self._guard()
        if await guard.blocked(ip):
            raise TooManyFailures(f"too many failed sign-ins from {ip}; try again later")
        in_flight: list[int] = self.s.caches.setdefault("console_sign_ins_in_flight", [0])
        if in_flight[0] >= SIGN_INS_AT_ONCE:
            raise TooManyFailures("too many sign-ins at once; try again in a moment")
        settings = self.s.settings
        # The attempt counts as a failure before the (slow) check, so concurrent attempts cannot all pass the
        # block check first: beyond the limit they are refused without hashing. A success takes it back.
        # The block starts with the attempt after the limit's last failure, so a success as the limit-th attempt
        # (taken back) blocks nothing.
        limit = settings.auth_failure_limit
        window, block = settings.auth_failure_window, settings.auth_block_seconds
        if await guard.failed(ip, limit=limit + 1, window=window, block=block) > limit:
            raise TooManyFailures(f"too many failed sign-ins from {ip}; try again later")
        in_flight[0] += 1
        try:
            user = await self.authenticate(email, password)
        finally:
            in_flight[0] -= 1
        if user is not None:
            await guard.forgive(ip)
        return user

    async def open_session(self, user: User) -> NewSession:
        now = self.s.clock.now()
        new = NewSession(secrets.token_urlsafe(32), secrets.token_urlsafe(32), now + SESSION_TTL)
        async with self.s.db.write() as conn:
            await store.delete_sessions(conn, expired_before=now)
            await store.insert_session(
                conn,
                token_hash=digest(new.token),
                user_id=user.id,
                csrf_token=new.csrf_token,
                now=now,
                expires_at=new.expires_at,
            )
        return new

    async def session(self, token: str) -> Session | None:
        """The live session of this cookie value: None when unknown, expired, or its user is disabled."""
        if not token:
            return None
        async with self.s.db.read() as conn:
            found = await store.get_session(conn, digest(token))
        if found is None or found.expires_at <= self.s.clock.now() or not found.user.enabled:
            return None
        return found

    async def close_session(self, token: str) -> None:
        async with self.s.db.write() as conn:
            await store.delete_session(conn, digest(token))

    async def issue_token(self, email: str) -> str:
        """A new bearer token for the user, returned once."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        async with self.s.db.write() as conn:
            user = await store.get_user_by_email(conn, normalise_email(email))
            if user is None:
                raise OperatorError(f"no user {email}")
            await store.insert_token(
                conn, user_id=user.id, token_hash=digest(token), prefix=token[:12], now=self.s.clock.now()
            )
        return token

    async def user_for_token(self, token: str) -> User | None:
        if not token.startswith(TOKEN_PREFIX):
            return None
        async with self.s.db.read() as conn:
            user = await store.user_for_token(conn, digest(token))
        return user if user is not None and user.enabled else None

    async def tokens(self, user: User) -> list[Token]:
        async with self.s.db.read() as conn:
            return await store.list_tokens(conn, user.id)

    async def revoke_token(self, user: User, token_id: int) -> None:
        async with self.s.db.write() as conn:
            if not await store.delete_token(conn, user.id, token_id):
                raise OperatorError(f"no token {token_id}")


def demo_password(services: Services) -> str:
    """The demo operator's password: derived from the master key, so every ``make run`` can print it."""
    mac = hmac.new(services.settings.resolved_master_key(), b"switchboard demo operator", hashlib.sha256)
    return base64.b32encode(mac.digest()).decode().lower()[:20]


async def ensure_demo_operator(services: Services) -> tuple[str, str]:
    """The demo admin user (created on first call) and its password. When the stored password no longer
    matches (e.g. after a new master key), it is set again, so the printed login always works. A demo operator
    that an operator disabled stays disabled (its password is then answered as ""): a restart must not
    undo a lock-out."""
    users = Users(services)
    password = demo_password(services)
    async with services.db.read() as conn:
        existing = await store.get_user_by_email(conn, DEMO_EMAIL)
    if existing is None:
        await users.create_user(DEMO_EMAIL, password, ADMIN)
    elif not existing.enabled:
        return DEMO_EMAIL, ""
    elif not verify_password(existing.password_hash, password):
        await users.set_password(DEMO_EMAIL, password)
    return DEMO_EMAIL, password
