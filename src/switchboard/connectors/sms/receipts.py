"""Delivery receipts as SMSCs report them, and the carrier message ids they refer to (pure, no I/O).

Receipt text
    The de-facto format of an SMPP receipt's ``short_message`` (SMPP 3.4 appendix B)::

        id:IIIIIIIIII sub:SSS dlvrd:DDD submit date:YYMMDDhhmm done date:YYMMDDhhmm stat:DDDDDDD err:E text:...

    :func:`parse_receipt_text` reads it leniently: field names in any case, any amount of space around the colon
    and between fields, fields missing or in another order, dates with 10 (``YYMMDDhhmm``) or 12 (``...ss``)
    digits, read as UTC (SMPP does not say which zone the SMSC means). ``text:`` is always the last field: whatever
    follows its colon, exactly, is the start of the original message, never parsed for more fields.

Final states
    ``stat`` maps to a :mod:`~switchboard.connectors.sms.base` state: ``DELIVRD`` -> delivered; ``UNDELIV``,
    ``REJECTD``, ``DELETED``, ``UNKNOWN`` -> failed; ``EXPIRED`` -> expired; ``ENROUTE``, ``ACCEPTD`` and
    anything else -> ``None`` (an intermediate or unrecognised state, not reported). The ``message_state`` TLV
    (1 ENROUTE, 2 DELIVERED, 3 EXPIRED, 4 DELETED, 5 UNDELIVERABLE, 6 ACCEPTED, 7 UNKNOWN, 8 REJECTED) maps the
    same way. When a deliver_sm carries both, the TLVs (``receipted_message_id``, ``message_state``) win over the
    text; the text still supplies what the TLVs lack (error code, dates).

Carrier message ids
    SMSCs do not agree on how they write a message id: the same SMSC may answer ``submit_sm_resp`` with a hex id
    and report the receipt with the decimal one (or the other way round), pad with zeros or change case. The rule:

    * :func:`canonical_id`: trim surrounding whitespace (and NULs), lowercase, drop a ``0x`` prefix, strip
      leading zeros (an all-zero id stays ``"0"``).
    * :func:`id_candidates`: the canonical id, plus, when it is a hexadecimal number, its decimal form, and when
      it is a decimal number, its hexadecimal form (a digits-only id is both, so it yields both conversions).

    Store ``canonical_id(id from submit_sm_resp)``; look a receipt up by ``id_candidates(id from the receipt)``,
    trying the exact canonical id first: the other candidates are a fallback, since a decimal id and a hex id of
    two different messages can in principle coincide.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Final

from switchboard.connectors.sms.base import DELIVERED, EXPIRED, FAILED

STAT_STATES: Final[dict[str, str]] = {
    "DELIVRD": DELIVERED,
    "DELIVERED": DELIVERED,
    "UNDELIV": FAILED,
    "UNDELIVERABLE": FAILED,
    "REJECTD": FAILED,
    "REJECTED": FAILED,
    "DELETED": FAILED,
    "UNKNOWN": FAILED,
    "EXPIRED": EXPIRED,
}
"""Receipt ``stat`` words that are final; every other word (ENROUTE, ACCEPTD, ...) is intermediate."""

MESSAGE_STATE_STATES: Final[dict[int, str | None]] = {
    1: None,  # ENROUTE
    2: DELIVERED,
    3: EXPIRED,
    4: FAILED,  # DELETED
    5: FAILED,  # UNDELIVERABLE
    6: None,  # ACCEPTED
    7: FAILED,  # UNKNOWN
    8: FAILED,  # REJECTED
}
MESSAGE_STATE_NAMES: Final[dict[int, str]] = {
    1: "ENROUTE",
    2: "DELIVRD",
    3: "EXPIRED",
    4: "DELETED",
    5: "UNDELIV",
    6: "ACCEPTD",
    7: "UNKNOWN",
    8: "REJECTD",
}

_MAX_CONVERTIBLE: Final = 64  # longer ids are never numbers worth converting (and int() of huge strings is slow)
_FIELD = re.compile(r"(?<![a-z])(id|sub|dlvrd|submit\s*date|done\s*date|stat|err|text)\s*:", re.IGNORECASE)
_HEX = re.compile(r"[0-9a-f]+")
_DEC = re.compile(r"[0-9]+")


@dataclass(frozen=True)
class ParsedReceipt:
    """What a receipt says; ``state`` is None for intermediate or unrecognised states."""

    message_id: str | None
    state: str | None
    stat: str = ""  # the stat word as reported, upper case ("" when absent)
    error_code: str = ""
    submitted_at: datetime | None = None
    done_at: datetime | None = None
    text: str = ""

    @property
    def final(self) -> bool:
        return self.state is not None


def state_of_stat(stat: str) -> str | None:
    """The final state a receipt ``stat`` word stands for, None for an intermediate or unknown one."""
    return STAT_STATES.get(stat.strip().upper())


def state_of_message_state(message_state: int) -> str | None:
    """The final state a ``message_state`` TLV value stands for, None for an intermediate or unknown one."""
    return MESSAGE_STATE_STATES.get(message_state)


def parse_receipt_text(text: str) -> ParsedReceipt | None:
    """Read a receipt ``short_message``; None when it has neither an ``id:`` nor a ``stat:`` field."""
    fields = _fields(text)
    if "id" not in fields and "stat" not in fields:
        return None
    message_id = _first_word(fields.get("id", "")) or None
    stat = _first_word(fields.get("stat", "")).upper()
    return ParsedReceipt(
        message_id=message_id,
        state=state_of_stat(stat) if stat else None,
        stat=stat,
        error_code=_first_word(fields.get("err", "")),
        submitted_at=parse_receipt_date(_first_word(fields.get("submitdate", ""))),
        done_at=parse_receipt_date(_first_word(fields.get("donedate", ""))),
        text=fields.get("text", ""),
    )


def receipt_from_tlvs(receipted_message_id: str | None, message_state: int | None) -> ParsedReceipt | None:
    """A receipt from the ``receipted_message_id`` and ``message_state`` TLVs; None when neither is present."""
    if receipted_message_id is None and message_state is None:
        return None
    message_id = receipted_message_id.strip().strip("\x00").strip() if receipted_message_id is not None else None
    return ParsedReceipt(
        message_id=message_id or None,
        state=state_of_message_state(message_state) if message_state is not None else None,
        stat=MESSAGE_STATE_NAMES.get(message_state, "") if message_state is not None else "",
    )


def merge_receipts(from_text: ParsedReceipt | None, from_tlvs: ParsedReceipt | None) -> ParsedReceipt | None:
    """One receipt from both sources: the TLVs' id and state win, the text fills in everything else.

    A TLV receipt without ``message_state`` takes its state from the text; without ``receipted_message_id``
    its id from the text.
    """
    if from_tlvs is None:
        return from_text
    if from_text is None:
        return from_tlvs
    has_state = bool(from_tlvs.stat)
    return replace(
        from_text,
        message_id=from_tlvs.message_id or from_text.message_id,
        state=from_tlvs.state if has_state else from_text.state,
        stat=from_tlvs.stat if has_state else from_text.stat,
    )


def parse_receipt(text: str, receipted_message_id: str | None, message_state: int | None) -> ParsedReceipt | None:
    """:func:`parse_receipt_text` and :func:`receipt_from_tlvs` merged by :func:`merge_receipts`."""
    return merge_receipts(parse_receipt_text(text), receipt_from_tlvs(receipted_message_id, message_state))


def parse_receipt_date(value: str) -> datetime | None:
    """``YYMMDDhhmm`` or ``YYMMDDhhmmss`` as a UTC datetime (years 2000-2099); None when it is not one."""
    if len(value) not in (10, 12) or not value.isdigit():
        return None
    numbers = [int(value[index : index + 2]) for index in range(0, len(value), 2)]
    year, month, day, hour, minute = numbers[:5]
    second = numbers[5] if len(numbers) == 6 else 0
    try:
        return datetime(2000 + year, month, day, hour, minute, second, tzinfo=UTC)
    except ValueError:
        return None


def canonical_id(carrier_msg_id: str) -> str:
    """Trimmed, lowercased, without a ``0x`` prefix nor leading zeros (``"000"`` becomes ``"0"``)."""
    value = carrier_msg_id.lower()
    while True:  # until nothing changes, so that canonical_id(canonical_id(x)) == canonical_id(x)
        before = value
        value = value.strip().strip("\x00").strip()
        if value.startswith("0x") and len(value) > 2 and _HEX.fullmatch(value[2:]):
            value = value[2:]
        value = value.lstrip("0") or ("0" if value else "")
        if value == before:
            return value


def id_candidates(carrier_msg_id: str) -> set[str]:
    """The canonical id and, for a numeric id, its form in the other base (hex <-> decimal), all canonical."""
    value = canonical_id(carrier_msg_id)
    candidates = {value}
    if not value or len(value) > _MAX_CONVERTIBLE:
        return candidates
    if _HEX.fullmatch(value):
        candidates.add(str(int(value, 16)))
    if _DEC.fullmatch(value):
        candidates.add(format(int(value), "x"))
    return candidates


def _fields(text: str) -> dict[str, str]:
    """Field name (lowercase, without spaces) to its raw value; ``text`` takes the rest of the string."""
    fields: dict[str, str] = {}
    matches = list(_FIELD.finditer(text))
    for index, match in enumerate(matches):
        name = re.sub(r"\s+", "", match.group(1).lower())
        if name in fields:
            continue
        if name == "text":
            fields[name] = text[match.end() :]
            break
        end = matches[index + 1].start() if index + 1 < len(matches) else len(text)
        fields[name] = text[match.end() : end].strip()
    return fields


def _first_word(value: str) -> str:
    words = value.split()
    return words[0] if words else ""
