"""Finding an account, an app or a key for an operator: unknown and out-of-scope both answer 404."""

from __future__ import annotations

from switchboard.admin.access import Operator
from switchboard.admin.errors import NotFound
from switchboard.errors import OperatorError
from switchboard.services.context import Services
from switchboard.services.tenancy import Tenancy
from switchboard.store.tenants import Account, ApiKey, App


async def account_for(services: Services, operator: Operator, account_id: int) -> Account:
    operator.check_account(account_id)
    try:
        return await Tenancy(services).account(account_id)
    except OperatorError as exc:
        raise NotFound(str(exc)) from exc


async def details_for(
    services: Services, operator: Operator, account_id: int
) -> tuple[Account, list[ApiKey], list[App]]:
    operator.check_account(account_id)
    try:
        return await Tenancy(services).account_details(account_id)
    except OperatorError as exc:
        raise NotFound(str(exc)) from exc


async def app_for(services: Services, operator: Operator, app_id: str) -> App:
    try:
        app = await Tenancy(services).app(app_id)
    except OperatorError as exc:
        raise NotFound(str(exc)) from exc
    operator.check_account(app.account_id)
    return app


async def key_for(services: Services, operator: Operator, account_id: int, api_key: str) -> ApiKey:
    _, keys, _ = await details_for(services, operator, account_id)
    for key in keys:
        if key.api_key == api_key:
            return key
    raise NotFound(f"no API key {api_key} in account {account_id}")
