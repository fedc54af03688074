"""Errors that carry a wire code.

The exception tree::

    SwitchboardError                 anything this package raises on purpose
    +-- ApiError(product, code)      a contract status code; rendered as HTTP 200
    |                                {"status": "<code>", "reason": "<seed text>"}
    +-- OperatorError(message)       an operator command (CLI, admin) was refused;
                                     printed as one line, nothing was written

Foreign errors (SQLAlchemy, SMPP, SIP, httpx) are translated into these where they enter.
"""

from __future__ import annotations

from enum import StrEnum

from switchboard import codes


class Product(StrEnum):
    """A product of the API; each has its own status-code table."""

    SMS = "sms"
    VOICE = "voice"
    AIVOICE = "aivoice"
    CC = "cc"

    @property
    def table(self) -> dict[int, str]:
        return _TABLES[self]


_TABLES: dict[Product, dict[int, str]] = {
    Product.SMS: codes.SMS,
    Product.VOICE: codes.VOICE,
    Product.AIVOICE: codes.AIVOICE,
    Product.CC: codes.CC,
}

SUCCESS_REASON = "success"


class SwitchboardError(Exception):
    """Base of every error this package raises on purpose."""


class ApiError(SwitchboardError):
    """A status code of one product's table. Only codes of that table can be built."""

    def __init__(self, product: Product, code: int, detail: str | None = None) -> None:
        if code not in product.table or code == 0:
            raise ValueError(f"{code} is not an error code of the {product} table")
        self.product = product
        self.code = code
        self.detail = detail
        super().__init__(f"{product} {code}: {self.reason}" + (f" ({detail})" if detail else ""))

    @property
    def reason(self) -> str:
        return self.product.table[self.code]

    def body(self) -> dict[str, str]:
        return {"status": str(self.code), "reason": self.reason}

    @classmethod
    def internal(cls, product: Product, detail: str | None = None) -> ApiError:
        return cls(product, codes.INTERNAL_ERROR[product.value], detail)


class OperatorError(SwitchboardError):
    """An operator's command was refused; the message is one line for a person."""
