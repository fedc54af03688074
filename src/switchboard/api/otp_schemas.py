"""OpenAPI models of the OTP operations the vendor's Java SDK calls without an appId, and of its OTP
management calls (documentation only, like ``api/schemas.py``; the handlers read parameters by hand)."""

from __future__ import annotations

from pydantic import Field

from switchboard.api.schemas import Params

OPTIONAL_APP_ID = (
    "Optional (the vendor SDK never sends it): the app is the one the verification or template belongs to, "
    "within the key's account. When given, it must be that app (another app's or account's id: -24)."
)


class OptionalApp(Params):
    appId: str | None = Field(default=None, description=OPTIONAL_APP_ID, examples=["4luaKsL2"])


class VerifyBody(OptionalApp):
    verificationId: str = Field(description="From verification/send (unknown or another account's: -24).")
    code: str = Field(min_length=4, max_length=10, description="The code the user received (wrong: -21).")


class ResendBody(OptionalApp):
    verificationId: str = Field(description="A pending verification (30 s apart, at most 3 resends).")
    channel: str | None = Field(default=None, description="Sent by the SDK; the verification's channel is kept.")
