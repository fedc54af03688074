"""The admin API, composed: every router under ``/admin/api``, in the OpenAPI document."""

from __future__ import annotations

from fastapi import APIRouter

from switchboard.admin import (
    api_accounts,
    api_aivoice,
    api_calls,
    api_catalog,
    api_otp,
    api_session,
    api_smpp,
    api_traffic,
)
from switchboard.admin.routing import AdminJson

PREFIX = "/admin/api"


def admin_router() -> APIRouter:
    router = APIRouter(prefix=PREFIX, default_response_class=AdminJson)  # JSON schemas in the document
    for part in (api_session, api_accounts, api_catalog, api_traffic, api_calls, api_otp, api_smpp, api_aivoice):
        router.include_router(part.router)
    return router
