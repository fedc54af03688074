"""Exceptions. Everything the SDK raises on purpose derives from :class:`SwitchboardError`.

The API answers every outcome with HTTP 200 and a JSON envelope; a refusal is a ``status`` other than
``"0"``. Such a refusal becomes an :class:`ApiError` of the product whose code table the route uses (the
same number means different things in different products: SMS -4 is "content empty", intelligent voice -4
is "timestamp expired"):

====================  ===========================  ================================================
product               exception                    routes
====================  ===========================  ================================================
``sms``               :class:`SmsError`            account (getBalance), SMS and OTP routes
``voice``             :class:`VoiceError`          ``/v3/voice/...``
``aivoice``           :class:`AiVoiceError`        ``/v3/AiVoice/...``
``cc``                :class:`CallCenterError`     ``/v3/cc/...``
====================  ===========================  ================================================
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any


class Product(StrEnum):
    """Which status-code table an endpoint answers with."""

    SMS = "sms"
    VOICE = "voice"
    AIVOICE = "aivoice"
    CC = "cc"


class SwitchboardError(Exception):
    """Base class of every error this SDK raises."""


class ConfigurationError(SwitchboardError, ValueError):
    """Credentials or the base URL are missing or unusable (raised when the client is built)."""


class TransportError(SwitchboardError):
    """The request did not get an answer: connection refused, timeout, connection reset...

    ``sent`` is ``False`` when the request certainly never reached the server (connection refused, connect
    timeout); then nothing happened. When it is ``True`` the outcome of a send is *unknown*: the server may
    have accepted (and charged) the messages. See ``retry_sends`` on :meth:`switchboard_client.Client.send`.
    """

    def __init__(self, message: str, *, sent: bool = True) -> None:
        super().__init__(message)
        self.sent = sent


class ProtocolError(SwitchboardError):
    """The server answered, but not with the API's JSON envelope (an unknown path answers 404, a proxy may
    answer 502 with HTML...)."""

    def __init__(self, message: str, *, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code


class PushFormatError(SwitchboardError, ValueError):
    """A push body that is not a JSON object of a known kind."""


class ApiError(SwitchboardError):
    """The API refused the request: ``status`` was not ``"0"``.

    ``code`` is the status as an int (``-4``), ``reason`` the server's text, ``product`` the code table
    (``"sms"``, ``"voice"``, ``"aivoice"``, ``"cc"``), ``body`` the whole decoded answer.
    """

    product: str = ""

    def __init__(self, code: int, reason: str, product: str | None = None, body: Mapping[str, Any] | None = None):
        self.code = code
        self.reason = reason
        if product is not None:
            self.product = product
        self.body: Mapping[str, Any] = body or {}
        super().__init__(f"{self.product or 'api'} error {code}: {reason}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.code, self.reason, self.product, dict(self.body)))


class SmsError(ApiError):
    """A refusal from the SMS code table (-1..-28): getBalance, SMS and OTP routes."""

    product = Product.SMS.value


class VoiceError(ApiError):
    """A refusal from the voice code table."""

    product = Product.VOICE.value


class AiVoiceError(ApiError):
    """A refusal from the intelligent (AI) voice code table."""

    product = Product.AIVOICE.value


class CallCenterError(ApiError):
    """A refusal from the call-center code table."""

    product = Product.CC.value


ERRORS: dict[Product, type[ApiError]] = {
    Product.SMS: SmsError,
    Product.VOICE: VoiceError,
    Product.AIVOICE: AiVoiceError,
    Product.CC: CallCenterError,
}


def api_error(product: Product, code: int, reason: str, body: Mapping[str, Any] | None = None) -> ApiError:
    """The exception for a refusal of ``product``'s table."""
    return ERRORS[product](code, reason, body=body)
