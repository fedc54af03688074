"""Python SDK for Switchboard (and any server speaking the Onbuka v3 HTTP API).

>>> from switchboard_client import Client
>>> client = Client()  # SWITCHBOARD_API_KEY, SWITCHBOARD_API_SECRET, SWITCHBOARD_BASE_URL, SWITCHBOARD_APP_ID
>>> sent = client.send("919876543210", "Hello")                      # doctest: +SKIP
>>> client.get_report(sent.msg_ids).items                           # doctest: +SKIP
"""

from __future__ import annotations

from switchboard_client.client import AsyncClient, Client
from switchboard_client.errors import (
    AiVoiceError,
    ApiError,
    CallCenterError,
    ConfigurationError,
    Product,
    ProtocolError,
    PushFormatError,
    SmsError,
    SwitchboardError,
    TransportError,
    VoiceError,
)
from switchboard_client.models import (
    Balance,
    DeliveryReport,
    InboundMessage,
    MoRecord,
    PriceDetail,
    Report,
    ReportItem,
    SendGroup,
    SendResult,
    SentMessage,
    SentRecord,
)
from switchboard_client.protocol import VERSION as __version__
from switchboard_client.protocol import sign
from switchboard_client.pushes import parse_push, sign_push, verify_push
from switchboard_client.unset import UNSET, Unset

__all__ = [
    "UNSET",
    "AiVoiceError",
    "ApiError",
    "AsyncClient",
    "Balance",
    "CallCenterError",
    "Client",
    "ConfigurationError",
    "DeliveryReport",
    "InboundMessage",
    "MoRecord",
    "PriceDetail",
    "Product",
    "ProtocolError",
    "PushFormatError",
    "Report",
    "ReportItem",
    "SendGroup",
    "SendResult",
    "SentMessage",
    "SentRecord",
    "SmsError",
    "SwitchboardError",
    "TransportError",
    "Unset",
    "VoiceError",
    "__version__",
    "parse_push",
    "sign",
    "sign_push",
    "verify_push",
]
