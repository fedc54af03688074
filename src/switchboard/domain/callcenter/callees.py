"""Reading a callee list (C21): ``.xlsx`` with openpyxl, ``.xls`` with xlrd, ``.csv`` with the csv module.

The first row is the header; the number is in the column headed like a phone number (``number``, ``phone``,
``mobile``, ``callee``, ...) or else the first column; the other columns are the callee's data, shown to the
agent. Numbers are digits (a ``+``, spaces and dashes are dropped); each number is kept once.

| problem | code |
|---|---|
| the decoded file over ``MAX_FILE`` bytes | -38 |
| a suffix other than .xls/.xlsx/.csv, bad base64, a file the reader cannot open, no header | -39 |
| more than 100,000 data rows | -40 |
| a header name twice (checked where the data is kept: submitTask) | -43 |
"""

from __future__ import annotations

import base64
import binascii
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from switchboard.domain.callcenter.rules import cc_error

MAX_FILE = 4 * 1024 * 1024  # decoded; its base64 fits the API's 6 MiB body limit
MAX_ROWS = 100_000
SUFFIXES = (".xlsx", ".xls", ".csv")
NUMBER_HEADERS = ("number", "phone", "phonenumber", "phone number", "mobile", "callee", "called", "tel")
NUMBER = re.compile(r"^\d{6,18}$", re.ASCII)


@dataclass
class CalleeList:
    header: list[str]
    number_column: int
    callees: list[tuple[str, dict[str, str]]] = field(default_factory=list)  # (number, data), each number once
    rows: int = 0
    duplicates: int = 0
    invalid: int = 0

    def check_header(self) -> None:
        seen = {name for name in self.header if name}
        if len(seen) != len([name for name in self.header if name]):
            raise cc_error(-43, "a header name appears twice")


def suffix_of(file_name: str) -> str:
    lowered = file_name.strip().lower()
    found = next((s for s in SUFFIXES if lowered.endswith(s)), None)
    if found is None:
        raise cc_error(-39, "the file must be .xls, .xlsx or .csv")
    return found


def decode(content: Any) -> bytes:
    if not isinstance(content, str) or not content.strip():
        raise cc_error(-22, "file (base64) is required")
    if len(content) > (MAX_FILE * 4) // 3 + 8:
        raise cc_error(-38, f"the file is over {MAX_FILE} bytes")
    text = content.strip()
    if text.startswith("data:") and "," in text:
        text = text.split(",", 1)[1]
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise cc_error(-39, "file is not base64") from exc
    if len(data) > MAX_FILE:
        raise cc_error(-38, f"the file is over {MAX_FILE} bytes")
    return data


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _xlsx_rows(data: bytes) -> Iterator[list[str]]:
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        sheet = book.worksheets[0]
        for row in sheet.iter_rows(values_only=True):
            yield [_cell(v) for v in row]
    finally:
        book.close()


def _xls_rows(data: bytes) -> Iterator[list[str]]:
    import xlrd

    book = xlrd.open_workbook(file_contents=data, on_demand=True)
    sheet = book.sheet_by_index(0)
    for index in range(sheet.nrows):
        yield [_cell(v) for v in sheet.row_values(index)]


def _csv_rows(data: bytes) -> Iterator[list[str]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string
        raise cc_error(-39, "the CSV is not text")
    if "\x00" in text:
        raise cc_error(-39, "the CSV is not text")
    for row in csv.reader(io.StringIO(text)):
        yield [_cell(v) for v in row]


READERS = {".xlsx": _xlsx_rows, ".xls": _xls_rows, ".csv": _csv_rows}


def normalise(raw: str) -> str | None:
    digits = re.sub(r"[\s\-+()]", "", raw)
    return digits if NUMBER.match(digits) else None


def read(file_name: str, data: bytes) -> CalleeList:
    """The callee list of a file; -39 when the reader cannot open it, -40 over 100,000 rows."""
    reader = READERS[suffix_of(file_name)]
    try:
        return _collect(reader(data))
    except Exception as exc:  # the readers' own errors (zip, OLE2, XML, csv) all mean "not that format"
        if getattr(exc, "product", None) is not None:
            raise
        raise cc_error(-39, f"cannot read the file: {type(exc).__name__}") from exc


def _collect(rows: Iterator[list[str]]) -> CalleeList:
    header: list[str] | None = None
    seen: set[str] = set()
    result: CalleeList | None = None
    for row in rows:
        if header is None:
            if not any(row):
                continue
            header = row
            lowered = [h.lower() for h in header]
            column = next((i for i, h in enumerate(lowered) if h in NUMBER_HEADERS), 0)
            result = CalleeList(header=header, number_column=column)
            continue
        assert result is not None
        if not any(row):
            continue
        result.rows += 1
        if result.rows > MAX_ROWS:
            raise cc_error(-40)
        _add(result, row, seen)
    if result is None:
        raise cc_error(-39, "the file has no header row")
    return result


def _add(result: CalleeList, row: list[str], seen: set[str]) -> None:
    raw = row[result.number_column] if result.number_column < len(row) else ""
    number = normalise(raw)
    if number is None:
        result.invalid += 1
        return
    if number in seen:
        result.duplicates += 1
        return
    seen.add(number)
    data = {
        name: row[i] if i < len(row) else ""
        for i, name in enumerate(result.header)
        if i != result.number_column and name
    }
    result.callees.append((number, data))
