"""Console pages for console users (admins) and one's own bearer tokens (everyone)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from switchboard.admin.access import Operator, admin_only, services_of, signed_in
from switchboard.console.forms import read_form
from switchboard.console.web import ConsoleRoute, render, see_other
from switchboard.errors import OperatorError
from switchboard.services.users import Users
from switchboard.store.users import ROLES

router = APIRouter(route_class=ConsoleRoute)
SignedIn = Annotated[Operator, Depends(signed_in)]
Admin = Annotated[Operator, Depends(admin_only)]


async def users_view(request: Request, *, status: int = 200, message: str = "") -> Response:
    users = await Users(services_of(request)).users()
    return render(request, "users.html", status=status, users=users, roles=ROLES, message=message)


@router.get("/users")
async def users_page(_: Admin, request: Request) -> Response:
    return await users_view(request)


@router.post("/users")
async def create_user(_: Admin, request: Request) -> Response:
    form = await read_form(request)
    try:
        await Users(services_of(request)).create_user(
            form.text("email"), form.text("password"), form.text("role"), form.integer("account_id")
        )
    except OperatorError as exc:
        return await users_view(request, status=422, message=str(exc))
    return see_other("/users")


@router.post("/users/{action}")
async def switch_user(action: str, operator: Admin, request: Request) -> Response:
    """``enable`` or ``disable`` a user (not oneself: the last admin could lock everyone out)."""
    form = await read_form(request)
    email = form.text("email")
    if action not in ("enable", "disable"):
        return await users_view(request, status=404, message=f"no user action {action!r}")
    if email.lower() == operator.user.email:
        return await users_view(request, status=422, message="You cannot disable or enable yourself.")
    try:
        await Users(services_of(request)).set_enabled(email, action == "enable")
    except OperatorError as exc:
        return await users_view(request, status=404, message=str(exc))
    return see_other("/users")


async def profile_view(request: Request, operator: Operator, *, new_token: str = "") -> Response:
    tokens = await Users(services_of(request)).tokens(operator.user)
    return render(request, "profile.html", tokens=tokens, new_token=new_token)


@router.get("/profile")
async def profile_page(operator: SignedIn, request: Request) -> Response:
    return await profile_view(request, operator)


@router.post("/profile/tokens")
async def create_token(operator: SignedIn, request: Request) -> Response:
    """A new bearer token for scripts, shown on this page only once."""
    token = await Users(services_of(request)).issue_token(operator.user.email)
    return await profile_view(request, operator, new_token=token)


@router.post("/profile/tokens/{token_id}/revoke")
async def revoke_token(token_id: int, operator: SignedIn, request: Request) -> Response:
    await Users(services_of(request)).revoke_token(operator.user, token_id)
    return see_other("/profile")
