"""Where each product's router is mounted: the Onbuka prefix and its mirror, same handlers, no copies."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from switchboard.api import (
    account,
    aivoice,
    callcenter,
    carrier_callbacks,
    otp,
    otp_manage,
    postback,
    reports,
    sms,
    voice,
    voice_campaigns,
    voice_cc,
    voice_phones,
)
from switchboard.errors import Product

# (router, product, Onbuka prefix, mirror prefixes)
MOUNTS: list[tuple[APIRouter, Product, str, tuple[str, ...]]] = [
    (account.router, Product.SMS, "/v3", ("/sms",)),
    (sms.router, Product.SMS, "/v3", ("/sms",)),
    (reports.router, Product.SMS, "/v3", ("/sms",)),
    (otp.router, Product.SMS, "/v3/otp", ("/otp",)),
    (voice.router, Product.VOICE, "/v3/voice", ("/voice",)),
    (otp_manage.router, Product.SMS, "/v3/otp", ("/otp",)),
    (postback.router, Product.SMS, "/v3", ("/sms",)),
    (voice_campaigns.router, Product.VOICE, "/v3/voice", ("/voice",)),
    (voice_phones.router, Product.VOICE, "/v3/voice", ("/voice",)),
    (voice_cc.router, Product.VOICE, "/v3/voice", ("/voice",)),
    (aivoice.router, Product.AIVOICE, "/v3/AiVoice", ("/aivoice", "/v3/aivoice")),
    (callcenter.router, Product.CC, "/v3/cc", ()),
]

# Longest first, so /v3/voice wins over /v3.
PREFIX_PRODUCTS: list[tuple[str, Product]] = sorted(
    [
        ("/v3/voice", Product.VOICE),
        ("/voice", Product.VOICE),
        ("/v3/aivoice", Product.AIVOICE),
        ("/aivoice", Product.AIVOICE),
        ("/v3/cc", Product.CC),
        ("/v3/otp", Product.SMS),
        ("/otp", Product.SMS),
        ("/v3", Product.SMS),
        ("/sms", Product.SMS),
    ],
    key=lambda item: -len(item[0]),
)


def product_for_path(path: str) -> Product:
    """The product whose code table answers for a path (SMS when nothing more specific matches)."""
    lowered = path.lower()
    for prefix, product in PREFIX_PRODUCTS:
        if lowered == prefix or lowered.startswith(prefix + "/"):
            return product
    return Product.SMS


def mount(app: FastAPI) -> None:
    app.include_router(carrier_callbacks.router, prefix="/carriers")
    for router, _product, prefix, mirrors in MOUNTS:
        app.include_router(router, prefix=prefix)
        for mirror in mirrors:
            app.include_router(router, prefix=mirror, include_in_schema=False)
