"""One typed settings object, read from the environment (prefix ``SWITCHBOARD_``) and CLI flags.

Built once by the CLI or the test, then passed down; nothing below reads ``os.environ``.
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

MASTER_KEY_FILE = "master.key"
SQLITE_FILE = "switchboard.db"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SWITCHBOARD_", extra="ignore")

    data_dir: Path = Path("./data")
    database_url: str | None = None
    redis_url: str | None = None
    host: str = "127.0.0.1"
    port: int = 8080
    master_key: SecretStr | None = None
    timestamp_window: int = Field(default=1800, ge=1)
    trusted_proxies: Annotated[list[str], NoDecode] = Field(default_factory=list)
    node_id: int = Field(default=0, ge=0, le=99)
    log_level: str = "info"
    # How long a submitted message may wait for its final receipt before it ends as expired.
    message_validity: int = Field(default=48 * 3600, ge=1)
    # Authentication failures from one IP within the window that block it for auth_block_seconds (-2).
    auth_failure_limit: int = Field(default=30, ge=1)
    auth_failure_window: int = Field(default=60, ge=1)
    auth_block_seconds: int = Field(default=300, ge=1)
    # Opt-in: refuse a Sign seen before within the timestamp window (replayed requests).
    replay_protection: bool = False
    # Calls of one account in progress at once, across every voice worker (0: no limit); the rest wait queued.
    max_calls_per_account: int = Field(default=50, ge=0)
    # Robot calls one AI-voice task may run at once (robotCount above it is refused with -52).
    aivoice_max_robots: int = Field(default=20, ge=1)
    # Speech recognition engine of the robot calls ("pocketsphinx", offline; see docs/aivoice.md).
    aivoice_asr: str = "pocketsphinx"
    # Seconds a dispatch worker holds claimed messages; a dead worker's messages are claimed again after it.
    dispatch_lease: int = Field(default=60, ge=1)
    # Days that messages, reports and inbound messages are kept (the API's query windows assume 90).
    retention_days: int = Field(default=90, ge=1)
    # Report queries (getReport, getSentRcd, recordMo) an account may make per second before -15.
    report_queries_per_second: float = Field(default=10.0, gt=0)
    # Seconds between polls of the worker loops when idle.
    worker_poll: float = Field(default=0.2, gt=0)
    # Net container allocations between two first-generation garbage collections (0: Python's default, 700);
    # see switchboard.runtime.tune_gc.
    gc_threshold: int = Field(default=50_000, ge=0)
    # The currency the platform settles in, and settlement units per unit of each other quote currency
    # ("EUR=1.08,CNY=0.138"): voice records and pushes of accounts quoted in another currency show
    # settleRate, quoteExchange and settlePay (domain/fx.py).
    settle_currency: str = Field(default="USD", pattern=r"^[A-Z]{3}$")
    exchange_rates: Annotated[dict[str, str], NoDecode] = Field(default_factory=dict)
    # Receipts matching no message that are held (waiting for their message) per carrier; beyond it they are
    # dropped and counted (switchboard_receipts_total{result="dropped"}).
    held_receipts_per_carrier: int = Field(default=10_000, ge=0)
    # Networks pushes may reach although they are not public (loopback, private...): for on-premise customers.
    push_allowed_networks: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # The platform's SIP port (registrar for the phones of voice apps), UDP and TCP; -1: not opened.
    sip_host: str = "127.0.0.1"
    sip_port: int = Field(default=5060, ge=-1, le=65535)
    sip_realm: str = "switchboard"
    # Bridged calls (sendSip): seconds without RTP from a leg, after the answer, before both legs are hung up.
    sip_rtp_timeout: float = Field(default=30.0, gt=0)
    # Digest algorithms the registrar offers, in order of preference: MD5 and/or SHA-256 (RFC 8760). MD5 alone
    # by default: older softphones (Debian 12's baresip) fail on a 401 that also offers SHA-256.
    sip_digest_algorithms: Annotated[list[str], NoDecode] = Field(default_factory=lambda: ["MD5"])
    # The customer-facing SMPP server inside ``serve`` (docs/smpp-server.md): off unless a port is set.
    smpp_port: int | None = Field(default=None, ge=0, le=65535)
    smpp_tls_port: int | None = Field(default=None, ge=0, le=65535)
    smpp_tls_cert: str | None = None
    smpp_tls_key: str | None = None
    # deliver_sm (receipts, inbound SMS) outstanding at once per bound account: what a crash can repeat at most
    smpp_receipt_window: int = Field(default=8, ge=1, le=64)

    @field_validator("trusted_proxies", "push_allowed_networks", mode="before")
    @classmethod
    def _split_proxies(cls, value: object) -> object:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        if isinstance(value, list):
            for item in value:
                ipaddress.ip_network(str(item), strict=False)
        return value

    @field_validator("exchange_rates", mode="before")
    @classmethod
    def _parse_exchange_rates(cls, value: object) -> object:
        from switchboard.domain.fx import parse_rates

        if isinstance(value, str):
            return parse_rates(value)
        if isinstance(value, dict):
            return parse_rates(",".join(f"{k}={v}" for k, v in value.items()))
        return value

    @field_validator("sip_digest_algorithms", mode="before")
    @classmethod
    def _split_algorithms(cls, value: object) -> object:
        if isinstance(value, str):
            value = [part.strip().upper() for part in value.split(",") if part.strip()]
        if isinstance(value, list) and (not value or any(item not in ("MD5", "SHA-256") for item in value)):
            raise ValueError("sip_digest_algorithms: MD5 and/or SHA-256")
        return value

    def resolved_database_url(self) -> str:
        """The SQLAlchemy async URL: plain forms get their async driver added."""
        return async_database_url(self.database_url or f"sqlite:///{self.data_dir / SQLITE_FILE}")

    def resolved_master_key(self) -> bytes:
        """The key that encrypts API secrets at rest; generated into the data folder on first use."""
        if self.master_key is not None:
            return self.master_key.get_secret_value().encode()
        path = self.data_dir / MASTER_KEY_FILE
        if not path.exists():
            self.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            from cryptography.fernet import Fernet

            key = Fernet.generate_key()
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(key)
        return path.read_bytes().strip()


def async_database_url(url: str) -> str:
    """Add the async driver to ``sqlite://`` and ``postgresql://`` URLs; leave explicit drivers alone."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise ValueError(f"not a database URL: {url!r}")
    drivers = {
        "sqlite": "sqlite+aiosqlite",
        "postgresql": "postgresql+asyncpg",
        "postgres": "postgresql+asyncpg",
    }
    return f"{drivers.get(scheme, scheme)}://{rest}"
