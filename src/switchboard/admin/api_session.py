"""Admin API: signing in and out, the caller's bearer tokens, and (for admins) the console users."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import JSONResponse

from switchboard.admin.access import (
    Operator,
    admin_only,
    clear_session_cookie,
    ensure_on,
    services_of,
    set_session_cookie,
    sign_in,
    signed_in,
)
from switchboard.admin.errors import NotFound, NotSignedIn
from switchboard.admin.routing import TOO_MANY, AdminRoute
from switchboard.admin.schemas import (
    LoginIn,
    NewTokenOut,
    Ok,
    SessionOut,
    TokenOut,
    UserIn,
    UserOut,
    token_out,
    user_out,
)
from switchboard.errors import OperatorError
from switchboard.services.users import Users

router = APIRouter(route_class=AdminRoute, tags=["admin: session and users"])
SignedIn = Annotated[Operator, Depends(signed_in)]
Admin = Annotated[Operator, Depends(admin_only)]


@router.post("/session", response_model=SessionOut, responses={429: TOO_MANY})
async def login(body: LoginIn, request: Request) -> JSONResponse:
    """Sign in with email and password: sets the HttpOnly session cookie; state-changing requests made with
    it must send the returned ``csrfToken`` in the ``X-CSRF-Token`` header."""
    await ensure_on(request)
    users = Users(services_of(request))
    user = await sign_in(request, body.email, body.password)
    if user is None:
        raise NotSignedIn("wrong email or password")
    session = await users.open_session(user)
    out = SessionOut(email=user.email, role=user.role, account_id=user.account_id, csrf_token=session.csrf_token)
    response = JSONResponse(out.model_dump(by_alias=True, mode="json"))
    set_session_cookie(request, response, session)
    return response


@router.delete("/session", response_model=Ok)
async def logout(operator: SignedIn, request: Request) -> JSONResponse:
    if operator.session_token:
        await Users(services_of(request)).close_session(operator.session_token)
    response = JSONResponse(Ok().model_dump(by_alias=True))
    clear_session_cookie(response)
    return response


@router.get("/me", response_model=SessionOut)
async def me(operator: SignedIn) -> SessionOut:
    user = operator.user
    return SessionOut(email=user.email, role=user.role, account_id=user.account_id, csrf_token=operator.csrf_token)


@router.get("/tokens", response_model=list[TokenOut])
async def list_tokens(operator: SignedIn, request: Request) -> list[TokenOut]:
    return [token_out(t) for t in await Users(services_of(request)).tokens(operator.user)]


@router.post("/tokens", response_model=NewTokenOut, status_code=201)
async def create_token(operator: SignedIn, request: Request) -> NewTokenOut:
    """A new bearer token for the caller, shown once."""
    return NewTokenOut(token=await Users(services_of(request)).issue_token(operator.user.email))


@router.delete("/tokens/{token_id}", response_model=Ok)
async def revoke_token(token_id: int, operator: SignedIn, request: Request) -> Ok:
    try:
        await Users(services_of(request)).revoke_token(operator.user, token_id)
    except OperatorError as exc:
        raise NotFound(str(exc)) from exc
    return Ok()


@router.get("/users", response_model=list[UserOut])
async def list_users(_: Admin, request: Request) -> list[UserOut]:
    return [user_out(u) for u in await Users(services_of(request)).users()]


@router.post("/users", response_model=UserOut, status_code=201)
async def create_user(body: UserIn, _: Admin, request: Request) -> UserOut:
    user = await Users(services_of(request)).create_user(body.email, body.password, body.role, body.account_id)
    return user_out(user)


async def _set_enabled(request: Request, email: str, enabled: bool) -> UserOut:
    users = Users(services_of(request))
    try:
        await users.user(email)
    except OperatorError as exc:
        raise NotFound(str(exc)) from exc
    return user_out(await users.set_enabled(email, enabled))


@router.post("/users/{email}/disable", response_model=UserOut)
async def disable_user(email: str, _: Admin, request: Request) -> UserOut:
    return await _set_enabled(request, email, False)


@router.post("/users/{email}/enable", response_model=UserOut)
async def enable_user(email: str, _: Admin, request: Request) -> UserOut:
    return await _set_enabled(request, email, True)
