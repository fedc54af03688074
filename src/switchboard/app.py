"""The application factory: ``create_app(settings, ...)`` builds a fresh ASGI app; tests call it afresh."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.responses import Response

from switchboard import __version__
from switchboard.api import routes
from switchboard.api.body_limit import BodyLimit
from switchboard.api.errors import ErrorEnvelope, api_error_handler, method_not_allowed_handler
from switchboard.api.fallback import not_found_handler
from switchboard.api.responses import JsonResponse
from switchboard.clock import Clock
from switchboard.console import mount_console
from switchboard.errors import ApiError
from switchboard.services.context import Services
from switchboard.services.metrics import render as render_metrics
from switchboard.settings import Settings
from switchboard.store import migrate
from switchboard.workers.runner import Workers


def create_app(
    settings: Settings,
    *,
    services: Services | None = None,
    clock: Clock | None = None,
    run_migrations: bool = True,
    worker_roles: list[str] | None = None,
) -> FastAPI:
    """An app over ``services`` (built from ``settings`` when not given). The app owns what it builds.

    ``worker_roles`` run as background tasks for the app's lifetime (``serve`` passes all of them)."""
    owned = services is None
    services = services or Services.build(settings, clock=clock)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if run_migrations:
            await migrate.upgrade(services.db)
        await services.start()
        workers = Workers(services, worker_roles or [], embedded=True)
        await workers.start()
        try:
            yield
        finally:
            await workers.stop()
            if owned:
                await services.close()

    app = FastAPI(
        title="Switchboard",
        version=__version__,
        description="SMS and voice platform speaking the Onbuka v3 HTTP API.",
        lifespan=lifespan,
        default_response_class=JsonResponse,
    )
    app.state.services = services
    app.add_exception_handler(ApiError, api_error_handler)
    app.add_exception_handler(404, not_found_handler)
    app.add_exception_handler(405, method_not_allowed_handler)
    app.add_middleware(BodyLimit)  # inside ErrorEnvelope: it answers its own refusals
    app.add_middleware(ErrorEnvelope)
    routes.mount(app)
    mount_console(app)

    @app.get("/health", include_in_schema=False)
    async def health() -> JsonResponse:
        async with services.db.read() as conn:
            await conn.exec_driver_sql("SELECT 1")
        return JsonResponse({"status": "ok", "version": __version__})

    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        return Response(await render_metrics(services), media_type=CONTENT_TYPE_LATEST)

    return app
