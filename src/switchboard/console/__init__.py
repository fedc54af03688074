"""The web console at ``/console/`` (server-rendered Jinja2 + htmx) and, with it, the admin API.

``mount_console(app)`` adds both to an app built by ``create_app``. Both answer 404 until an enabled admin
user exists (``switchboard user create --role admin``). Pages call the services, never the store.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, FastAPI
from starlette.staticfiles import StaticFiles

from switchboard.admin.access import ensure_on
from switchboard.admin.router import admin_router
from switchboard.console import (
    pages_accounts,
    pages_agent,
    pages_auth,
    pages_callcenter,
    pages_calls,
    pages_campaigns,
    pages_carriers,
    pages_catalog,
    pages_dashboard,
    pages_leader,
    pages_otp,
    pages_phones,
    pages_smpp,
    pages_traffic,
    pages_users,
)
from switchboard.console.headers import ConsoleHeaders
from switchboard.console.web import ROOT, STATIC

PAGES = (
    pages_auth,
    pages_dashboard,
    pages_accounts,
    pages_catalog,
    pages_carriers,
    pages_traffic,
    pages_calls,
    pages_users,
    pages_campaigns,
    pages_otp,
    pages_phones,
    pages_smpp,
    pages_callcenter,
    pages_agent,
    pages_leader,
)


def console_router() -> APIRouter:
    router = APIRouter(prefix=ROOT, include_in_schema=False, dependencies=[Depends(ensure_on)])
    for pages in PAGES:
        router.include_router(pages.router)
    return router


def mount_console(app: FastAPI) -> None:
    """Serve the console (``/console/``, its static files) and the admin API (``/admin/api/``) from ``app``."""
    app.include_router(admin_router())
    app.include_router(console_router())
    app.mount(f"{ROOT}/static", StaticFiles(directory=STATIC), name="console-static")
    app.add_middleware(ConsoleHeaders)
