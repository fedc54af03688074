"""Operator configuration: rates (with CSV import), sensitive words, templates."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from switchboard.domain.pricing import WILDCARD
from switchboard.errors import OperatorError, Product
from switchboard.money import MoneyError, parse_amount
from switchboard.services.context import Services
from switchboard.store import catalog, tenants

COUNTRY = re.compile(r"^([A-Z]{2}|001|\*)$")
PREFIX = re.compile(r"^\d{0,15}$")


@dataclass(frozen=True)
class RateInput:
    product: str
    country: str
    price: str
    currency: str = "USD"
    prefix: str = ""
    account_id: int | None = None


class Catalog:
    def __init__(self, services: Services) -> None:
        self.s = services

    def _check_rate(self, rate: RateInput) -> dict[str, Any]:
        try:
            product = Product(rate.product).value
        except ValueError as exc:
            raise OperatorError(f"product must be one of {', '.join(p.value for p in Product)}") from exc
        country = rate.country.strip().upper()
        if not COUNTRY.match(country):
            raise OperatorError(f"country must be an ISO 3166 alpha-2 code or '*': {rate.country!r}")
        prefix = rate.prefix.strip()
        if not PREFIX.match(prefix):
            raise OperatorError(f"prefix must be digits: {rate.prefix!r}")
        try:
            price = parse_amount(rate.price)
        except MoneyError as exc:
            raise OperatorError(f"price: {exc}") from exc
        if price < 0:
            raise OperatorError("price must not be negative")
        currency = rate.currency.strip().upper()
        if not re.fullmatch(r"[A-Z]{3}", currency):
            raise OperatorError(f"currency must be a 3-letter code: {rate.currency!r}")
        return {
            "product": product,
            "country": country,
            "prefix": prefix,
            "account_id": rate.account_id,
            "price": price,
            "currency": currency,
        }

    async def set_rates(self, rates: list[RateInput], progress: Callable[[int], None] | None = None) -> int:
        """Set (insert or replace) rates, all or nothing."""
        checked = [self._check_rate(r) for r in rates]
        now = self.s.clock.now()
        async with self.s.db.write() as conn:
            for account_id in {c["account_id"] for c in checked if c["account_id"] is not None}:
                if await tenants.get_account(conn, account_id) is None:
                    raise OperatorError(f"no account {account_id}")
            for done, values in enumerate(checked, 1):
                await catalog.upsert_rate(conn, now=now, **values)
                if progress:
                    progress(done)
        self.s.forget("rates")
        return len(checked)

    async def remove_rate(self, product: str, country: str, prefix: str = "", account_id: int | None = None) -> None:
        async with self.s.db.write() as conn:
            found = await catalog.delete_rate(
                conn, product=product, country=country.upper(), prefix=prefix, account_id=account_id
            )
        self.s.forget("rates")
        if not found:
            raise OperatorError("no such rate")

    async def rates(self, product: str | None = None) -> list[dict[str, Any]]:
        async with self.s.db.read() as conn:
            return await catalog.list_rates(conn, product)

    @staticmethod
    def parse_rate_csv(content: str) -> list[RateInput]:
        """CSV with a header: product,country,price[,currency][,prefix][,account]."""
        reader = csv.DictReader(io.StringIO(content))
        required = {"product", "country", "price"}
        if reader.fieldnames is None or not required <= {f.strip() for f in reader.fieldnames}:
            raise OperatorError("the CSV needs a header with at least product,country,price")
        rows = []
        for line, row in enumerate(reader, start=2):
            row = {k.strip(): (v or "").strip() for k, v in row.items() if k}
            account = row.get("account") or row.get("account_id") or ""
            if account and not account.isdigit():
                raise OperatorError(f"line {line}: account must be an account id")
            rows.append(
                RateInput(
                    product=row["product"],
                    country=row["country"] or WILDCARD,
                    price=row["price"],
                    currency=row.get("currency") or "USD",
                    prefix=row.get("prefix", ""),
                    account_id=int(account) if account else None,
                )
            )
        return rows

    async def add_word(self, word: str, account_id: int | None = None) -> bool:
        word = word.strip()
        if not word or len(word) > 200:
            raise OperatorError("a word is 1 to 200 characters")
        async with self.s.db.write() as conn:
            if account_id is not None and await tenants.get_account(conn, account_id) is None:
                raise OperatorError(f"no account {account_id}")
            added = await catalog.add_word(conn, word, account_id, self.s.clock.now())
        self.s.forget("words")
        return added

    async def remove_word(self, word: str, account_id: int | None = None) -> None:
        async with self.s.db.write() as conn:
            removed = await catalog.remove_word(conn, word.strip(), account_id)
        self.s.forget("words")
        if not removed:
            raise OperatorError(f"no such word: {word!r}")

    async def words(self) -> list[dict[str, Any]]:
        async with self.s.db.read() as conn:
            return await catalog.list_words(conn)

    async def add_template(self, app_id: str, content: str, *, approved: bool = False) -> int:
        if not content.strip():
            raise OperatorError("a template needs text")
        async with self.s.db.write() as conn:
            app = await tenants.get_app(conn, app_id)
            if app is None or app.product != Product.SMS.value:
                raise OperatorError(f"no SMS app {app_id}")
            return await catalog.add_template(conn, app_id, content, approved, self.s.clock.now())

    async def approve_template(self, template_id: int, approved: bool = True) -> None:
        async with self.s.db.write() as conn:
            if not await catalog.set_template_approved(conn, template_id, approved):
                raise OperatorError(f"no template {template_id}")

    async def remove_template(self, template_id: int) -> None:
        async with self.s.db.write() as conn:
            if not await catalog.remove_template(conn, template_id):
                raise OperatorError(f"no template {template_id}")

    async def templates(self, app_id: str) -> list[catalog.Template]:
        async with self.s.db.read() as conn:
            return await catalog.app_templates(conn, app_id)
