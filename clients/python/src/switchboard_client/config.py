"""Where credentials come from: the constructor's arguments, else environment variables.

=============  ==============================  ==============================
setting        first                           then
=============  ==============================  ==============================
api_key        ``SWITCHBOARD_API_KEY``         ``ONBUKA_API_KEY``
api_secret     ``SWITCHBOARD_API_SECRET``      ``ONBUKA_API_SECRET``
base_url       ``SWITCHBOARD_BASE_URL``        ``ONBUKA_BASE_URL``
app_id         ``SWITCHBOARD_APP_ID``          ``ONBUKA_APP_ID``
=============  ==============================  ==============================

``base_url`` defaults to ``http://127.0.0.1:8080`` (``switchboard serve`` on the same machine).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from switchboard_client.errors import ConfigurationError

DEFAULT_BASE_URL = "http://127.0.0.1:8080"
ENV_VARS: dict[str, tuple[str, ...]] = {
    "api_key": ("SWITCHBOARD_API_KEY", "ONBUKA_API_KEY"),
    "api_secret": ("SWITCHBOARD_API_SECRET", "ONBUKA_API_SECRET"),
    "base_url": ("SWITCHBOARD_BASE_URL", "ONBUKA_BASE_URL"),
    "app_id": ("SWITCHBOARD_APP_ID", "ONBUKA_APP_ID"),
}


def from_env(setting: str, environ: Mapping[str, str] | None = None) -> str | None:
    """The first non-empty environment variable for ``setting`` (a key of :data:`ENV_VARS`)."""
    env = os.environ if environ is None else environ
    for name in ENV_VARS[setting]:
        value = env.get(name, "").strip()
        if value:
            return value
    return None


@dataclass(frozen=True, slots=True)
class Config:
    api_key: str
    api_secret: str
    base_url: str
    app_id: str | None

    def __repr__(self) -> str:  # never show the secret
        return f"Config(api_key={self.api_key!r}, base_url={self.base_url!r}, app_id={self.app_id!r})"

    @classmethod
    def resolve(
        cls,
        api_key: str | None,
        api_secret: str | None,
        base_url: str | None,
        app_id: str | None,
        environ: Mapping[str, str] | None = None,
    ) -> Config:
        key = api_key or from_env("api_key", environ)
        secret = api_secret or from_env("api_secret", environ)
        if not key or not secret:
            raise ConfigurationError(
                "no API credentials: pass api_key and api_secret, or set SWITCHBOARD_API_KEY and "
                "SWITCHBOARD_API_SECRET (or ONBUKA_API_KEY and ONBUKA_API_SECRET)"
            )
        url = (base_url or from_env("base_url", environ) or DEFAULT_BASE_URL).rstrip("/")
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ConfigurationError(f"base_url must be an http(s) URL, got {url!r}")
        return cls(key, secret, url, app_id or from_env("app_id", environ))
