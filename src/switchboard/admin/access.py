"""Who is calling the admin API or the console, what they may reach, and the CSRF check.

A caller is identified by a bearer token (``Authorization: Bearer sbt_...``, for scripts) or by the browser
session cookie. Requests that change state with a session must carry that session's CSRF token, in the
``X-CSRF-Token`` header or the ``csrf_token`` form field (synchronizer token); bearer-token requests carry no
ambient credential and need none. Reading never writes: a session is looked up, not touched.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from fastapi import Request
from starlette.responses import Response

from switchboard.admin.errors import Forbidden, NotFound, NotSignedIn, TooMany
from switchboard.auth.ip import client_address
from switchboard.services.context import Services
from switchboard.services.users import SESSION_TTL, NewSession, TooManyFailures, Users
from switchboard.store.users import User

SESSION_COOKIE = "sb_session"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Operator:
    """A signed-in user; ``csrf_token`` and ``session_token`` are set for browser sessions only."""

    user: User
    csrf_token: str | None = None
    session_token: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.user.is_admin

    @property
    def scope(self) -> int | None:
        """The only account this operator may see, or None for every account (admins)."""
        return None if self.user.is_admin else self.user.account_id

    def check_account(self, account_id: int | None) -> None:
        """Refuse (as not found, so other accounts' ids leak nothing) what lies outside the scope."""
        if self.scope is not None and account_id != self.scope:
            raise NotFound("not found")

    def require_admin(self) -> None:
        if not self.is_admin:
            raise Forbidden("this needs an admin user")


def client_ip(request: Request) -> str:
    services = services_of(request)
    peer = request.client.host if request.client else None
    return client_address(peer, request.headers.get("x-forwarded-for"), services.settings.trusted_proxies) or "-"


async def sign_in(request: Request, email: str, password: str) -> User | None:
    """Check a password, with the brute-force guard of the caller's address (429 while it is blocked)."""
    try:
        return await Users(services_of(request)).sign_in(email, password, client_ip(request))
    except TooManyFailures as exc:
        raise TooMany(str(exc)) from exc


def services_of(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


async def ensure_on(request: Request) -> None:
    """The console and the admin API answer 404 until an enabled admin user exists (asked once a request)."""
    if getattr(request.state, "console_on", False):
        return
    if not await Users(services_of(request)).operator_exists():
        raise NotFound("not found")
    request.state.console_on = True


async def identify(request: Request) -> Operator | None:
    users = Users(services_of(request))
    authorization = request.headers.get("authorization")
    if authorization is not None:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer":
            return None
        user = await users.user_for_token(token.strip())
        return Operator(user) if user is not None else None
    cookie = request.cookies.get(SESSION_COOKIE, "")
    session = await users.session(cookie)
    if session is None:
        return None
    return Operator(session.user, csrf_token=session.csrf_token, session_token=cookie)


async def sent_csrf_token(request: Request) -> str:
    """The form field when the body is a form (it comes with the page that rendered it), else the header."""
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        value = (await request.form()).get(CSRF_FIELD)
        if isinstance(value, str) and value:
            return value
    return request.headers.get(CSRF_HEADER, "")


async def check_csrf(request: Request, operator: Operator) -> None:
    if request.method in SAFE_METHODS or operator.csrf_token is None:
        return
    sent = await sent_csrf_token(request)
    if not sent or not hmac.compare_digest(sent.encode(), operator.csrf_token.encode()):
        raise Forbidden("the CSRF token is missing or wrong; reload the page and try again")


async def signed_in(request: Request) -> Operator:
    """The dependency of every protected route: on, signed in, and CSRF-checked when changing state."""
    await ensure_on(request)
    operator = await identify(request)
    if operator is None:
        raise NotSignedIn("sign in, or send Authorization: Bearer <token>")
    await check_csrf(request, operator)
    request.state.operator = operator
    return operator


async def admin_only(request: Request) -> Operator:
    operator = await signed_in(request)
    operator.require_admin()
    return operator


def set_session_cookie(request: Request, response: Response, session: NewSession) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        session.token,
        max_age=int(SESSION_TTL.total_seconds()),
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
