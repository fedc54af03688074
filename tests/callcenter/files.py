"""Callee lists as the three formats C21 takes, written with real writers (openpyxl, xlwt, csv)."""

from __future__ import annotations

import base64
import csv
import io
from collections.abc import Sequence

import openpyxl
import xlwt

Rows = Sequence[Sequence[str]]


def xlsx(rows: Rows) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def xls(rows: Rows) -> bytes:
    book = xlwt.Workbook()
    sheet = book.add_sheet("callees")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(rows: Rows) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def callees(count: int, *, start: int = 919800000000) -> list[list[str]]:
    return [["number", "name"], *([str(start + i), f"Customer {i}"] for i in range(count))]
