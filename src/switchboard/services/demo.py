"""The demo account that ``make run`` creates once, and the banner that tells how to call it."""

from __future__ import annotations

from dataclasses import dataclass

from switchboard.services.catalog import Catalog, RateInput
from switchboard.services.context import Services
from switchboard.services.tenancy import Tenancy
from switchboard.store import tenants

DEMO_NAME = "demo"
DEMO_BALANCE = "100"
DEMO_SMS_RATE = "0.01"
DEMO_VOICE_RATE = "0.02"  # per 60-second block


@dataclass(frozen=True)
class DemoCredentials:
    account_id: int
    api_key: str
    api_secret: str
    apps: dict[str, str]
    operator: tuple[str, str] = ("", "")


async def ensure_demo(services: Services) -> DemoCredentials:
    """The demo account and console operator, created on first call; later calls find the same ones."""
    from dataclasses import replace

    from switchboard.services.users import ensure_demo_operator

    account = await _ensure_demo_account(services)
    return replace(account, operator=await ensure_demo_operator(services))


async def _ensure_demo_account(services: Services) -> DemoCredentials:
    async with services.db.read() as conn:
        existing = next((a for a in await tenants.list_accounts(conn) if a.name == DEMO_NAME), None)
        if existing is not None:
            keys = await tenants.list_keys(conn, existing.id)
            apps = await tenants.list_apps(conn, existing.id)
            if keys:
                first: dict[str, str] = {}
                for app in apps:
                    first.setdefault(app.product, app.app_id)
                return DemoCredentials(
                    account_id=existing.id,
                    api_key=keys[0].api_key,
                    api_secret=services.secrets.open(keys[0].secret_enc),
                    apps=first,
                )
    new = await Tenancy(services).create_account(name=DEMO_NAME, balance=DEMO_BALANCE, currency="USD")
    catalog = Catalog(services)
    if not await catalog.rates("sms"):
        await catalog.set_rates([RateInput("sms", "*", DEMO_SMS_RATE)])
    if not await catalog.rates("voice"):
        await catalog.set_rates([RateInput("voice", "*", DEMO_VOICE_RATE)])
    return DemoCredentials(new.account.id, new.api_key, new.api_secret, new.apps)


def banner(demo: DemoCredentials, base_url: str) -> str:
    email, password = demo.operator
    login = f"login {email} / {password}" if password else f"({email} is disabled: sign in as another operator)"
    apps = "\n".join(f"  {product:8} appId {app_id}" for product, app_id in demo.apps.items())
    return f"""
Switchboard is running at {base_url}
  OpenAPI document  {base_url}/openapi.json   (interactive: {base_url}/docs)
  health            {base_url}/health
  metrics           {base_url}/metrics
  console           {base_url}/console/   {login}

Demo account {demo.account_id}
  apiKey    {demo.api_key}
  apiSecret {demo.api_secret}
{apps}

Try it (the signature is md5(apiKey + apiSecret + timestamp)):
  TS=$(date +%s); SIGN=$(printf '%s' "{demo.api_key}{demo.api_secret}$TS" | md5sum | cut -d' ' -f1)
  curl -s -H "Api-Key: {demo.api_key}" -H "Sign: $SIGN" -H "Timestamp: $TS" {base_url}/v3/getBalance
  curl -s -H "Api-Key: {demo.api_key}" -H "Sign: $SIGN" -H "Timestamp: $TS" -H "Content-Type: application/json" \\
    -d '{{"appId": "{demo.apps.get("sms", "")}", "numbers": "919876543210", "content": "Hello from Switchboard"}}' \\
    {base_url}/v3/sendSms

"""
