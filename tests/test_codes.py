"""The four status-code tables are the contract's, code for code and word for word."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from switchboard import codes
from switchboard.errors import ApiError, Product

SEED = Path(__file__).parent / "data" / "status_codes_seed.txt"
HEADINGS = {
    "Response status code description:": Product.SMS,
    "Voice response status code description:": Product.VOICE,
    "Intelligent voice response status code description:": Product.AIVOICE,
    "Call Center response status code description:": Product.CC,
}


def seed_tables() -> dict[Product, dict[int, str]]:
    lines = [line.rstrip() for line in SEED.read_text().splitlines()]
    tables: dict[Product, dict[int, str]] = {}
    current: Product | None = None
    for index, line in enumerate(lines):
        if line in HEADINGS:
            current = HEADINGS[line]
            tables[current] = {}
        elif current is not None and re.fullmatch(r"-?\d+ \|", line):
            tables[current][int(line[:-2])] = lines[index + 1].rstrip(" |").rstrip()
    return tables


def test_seed_parses_into_four_tables() -> None:
    sizes = {product: len(table) for product, table in seed_tables().items()}
    assert sizes == {Product.SMS: 29, Product.VOICE: 34, Product.AIVOICE: 35, Product.CC: 62}


@pytest.mark.parametrize("product", list(Product), ids=lambda p: p.value)
def test_every_seed_code_exists_with_its_text(product: Product) -> None:
    extra = codes.AIVOICE_EXTRA if product is Product.AIVOICE else {}
    assert {c: t for c, t in product.table.items() if c not in extra} == seed_tables()[product]


def test_the_only_codes_beyond_the_seed_are_the_ai_voice_missing_header_codes() -> None:
    assert {c: Product.AIVOICE.table[c] for c in (-57, -58, -59)} == codes.AIVOICE_EXTRA
    assert not set(codes.AIVOICE_EXTRA) & set(seed_tables()[Product.AIVOICE])


@pytest.mark.parametrize(
    ("product", "code"),
    [(p, c) for p, table in seed_tables().items() for c in table if c != 0],
    ids=lambda v: str(v),
)
def test_every_error_code_renders_as_a_string_status_and_the_seed_reason(product: Product, code: int) -> None:
    body = ApiError(product, code).body()
    assert body == {"status": str(code), "reason": seed_tables()[product][code]}


def test_a_code_outside_a_products_table_cannot_be_raised() -> None:
    with pytest.raises(ValueError, match="not an error code"):
        ApiError(Product.AIVOICE, -16)
