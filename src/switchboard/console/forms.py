"""Reading console forms: text fields, check boxes, optional integers, address lists and uploaded files."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request

from switchboard.errors import OperatorError

MAX_UPLOAD = 5 * 1024 * 1024
SEPARATORS = re.compile(r"[\s,]+")


@dataclass(frozen=True)
class Form:
    data: FormData

    def text(self, name: str, default: str = "") -> str:
        value = self.data.get(name)
        return value.strip() if isinstance(value, str) else default

    def optional(self, name: str) -> str | None:
        return self.text(name) or None

    def flag(self, name: str) -> bool:
        return self.text(name).lower() in ("on", "true", "1", "yes")

    def integer(self, name: str) -> int | None:
        value = self.text(name)
        if not value:
            return None
        if not value.lstrip("-").isdigit():
            raise OperatorError(f"{name.replace('_', ' ')} must be a whole number: {value!r}")
        return int(value)

    def items(self, name: str) -> list[str]:
        """A list typed one per line or separated by commas or spaces."""
        return [part for part in SEPARATORS.split(self.text(name)) if part]

    async def upload(self, name: str) -> str:
        """An uploaded text file (UTF-8), or the same field typed as text."""
        value: Any = self.data.get(name)
        if isinstance(value, UploadFile):
            raw = await value.read(MAX_UPLOAD + 1)
            if len(raw) > MAX_UPLOAD:
                raise OperatorError("the file is over 5 MiB")
            try:
                return raw.decode("utf-8-sig")
            except UnicodeDecodeError as exc:
                raise OperatorError("the file is not UTF-8 text") from exc
        return value if isinstance(value, str) else ""


async def read_form(request: Request) -> Form:
    return Form(await request.form())
