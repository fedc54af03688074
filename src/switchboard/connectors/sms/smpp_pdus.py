"""What SMPP messages carry, without I/O: the submit_sm parts of a message, and what a deliver_sm means.

Outbound
    :func:`submit_parts` turns a text into the ``submit_sm`` bodies to send: one part with the text's
    ``data_coding`` (0x00 GSM 7-bit, one septet per byte, or 0x08 UCS-2) when it fits one SMS; otherwise one part
    per :func:`~switchboard.domain.sms.encoding.encode_parts` part, each with a concatenation user data header
    (``05 00 03 ref total seq``, esm_class 0x40) or, with ``use_sar``, the ``sar_msg_ref_num`` /
    ``sar_total_segments`` / ``sar_segment_seqnum`` TLVs and a bare payload.

Inbound
    :class:`DeliverInterpreter` reads a ``deliver_sm`` (as a neutral :class:`DeliverFields`) into a
    :class:`~switchboard.connectors.sms.base.Receipt`, an
    :class:`~switchboard.connectors.sms.base.InboundSms`, or nothing:

    * the esm_class message type (bits 2-5) 0x04 (SMSC delivery receipt) or 0x20 (intermediate notification)
      makes it a receipt; so does a default type carrying a ``receipted_message_id`` TLV *together with* a
      ``message_state`` TLV or a text that reads as a receipt (``stat:``). A ``receipted_message_id`` alone does
      not: Kannel's test SMSC sends ordinary MO messages with one.
    * receipts are reported for final states only (see :mod:`~switchboard.connectors.sms.receipts`), with the
      message id as the SMSC wrote it; intermediate ones, and receipts without any id, are dropped.
    * SME acknowledgements (types 0x08 and 0x10) are neither receipts nor messages and are dropped.
    * anything else is a mobile-originated message, decoded with ``decode_payload``. Parts of a concatenated
      message (UDH IE 0x00 or 0x08 with UDHI set, or SAR TLVs) are held by :class:`ConcatAssembler` until all
      have arrived, keyed by (source, destination, reference), and reported once, joined; parts of a message that
      never completes are forgotten after ``ttl`` seconds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

from switchboard.connectors.sms.base import InboundSms, Receipt
from switchboard.connectors.sms.receipts import parse_receipt, parse_receipt_text
from switchboard.domain.sms.encoding import DATA_CODING_UCS2, decode_payload, encode_parts, udh_concat

TLV_RECEIPTED_MESSAGE_ID: Final = 0x001E
TLV_SAR_MSG_REF_NUM: Final = 0x020C
TLV_SAR_TOTAL_SEGMENTS: Final = 0x020E
TLV_SAR_SEGMENT_SEQNUM: Final = 0x020F
TLV_MESSAGE_PAYLOAD: Final = 0x0424
TLV_MESSAGE_STATE: Final = 0x0427

ESM_UDHI: Final = 0x40
ESM_TYPE_MASK: Final = 0x3C
ESM_TYPE_RECEIPT: Final = 0x04
ESM_TYPE_SME_ACK: Final = 0x08
ESM_TYPE_USER_ACK: Final = 0x10
ESM_TYPE_INTERMEDIATE: Final = 0x20

ESME_ROK: Final = 0x00
ESME_RSYSERR: Final = 0x08
ESME_RINVDSTADR: Final = 0x0B
ESME_RMSGQFUL: Final = 0x14
ESME_RTHROTTLED: Final = 0x58

COMMAND_STATUS_NAMES: Final[dict[int, str]] = {
    0x00: "ESME_ROK",
    0x01: "ESME_RINVMSGLEN",
    0x02: "ESME_RINVCMDLEN",
    0x03: "ESME_RINVCMDID",
    0x04: "ESME_RINVBNDSTS",
    0x05: "ESME_RALYBND",
    0x06: "ESME_RINVPRTFLG",
    0x07: "ESME_RINVREGDLVFLG",
    0x08: "ESME_RSYSERR",
    0x0A: "ESME_RINVSRCADR",
    0x0B: "ESME_RINVDSTADR",
    0x0C: "ESME_RINVMSGID",
    0x0D: "ESME_RBINDFAIL",
    0x0E: "ESME_RINVPASWD",
    0x0F: "ESME_RINVSYSID",
    0x11: "ESME_RCANCELFAIL",
    0x13: "ESME_RREPLACEFAIL",
    0x14: "ESME_RMSGQFUL",
    0x15: "ESME_RINVSERTYP",
    0x33: "ESME_RINVNUMDESTS",
    0x34: "ESME_RINVDLNAME",
    0x40: "ESME_RINVDESTFLAG",
    0x42: "ESME_RINVSUBREP",
    0x43: "ESME_RINVESMCLASS",
    0x44: "ESME_RCNTSUBDL",
    0x45: "ESME_RSUBMITFAIL",
    0x48: "ESME_RINVSRCTON",
    0x49: "ESME_RINVSRCNPI",
    0x50: "ESME_RINVDSTTON",
    0x51: "ESME_RINVDSTNPI",
    0x53: "ESME_RINVSYSTYP",
    0x54: "ESME_RINVREPFLAG",
    0x55: "ESME_RINVNUMMSGS",
    0x58: "ESME_RTHROTTLED",
    0x61: "ESME_RINVSCHED",
    0x62: "ESME_RINVEXPIRY",
    0x63: "ESME_RINVDFTMSGID",
    0x64: "ESME_RX_T_APPN",
    0x65: "ESME_RX_P_APPN",
    0x66: "ESME_RX_R_APPN",
    0x67: "ESME_RQUERYFAIL",
    0xC0: "ESME_RINVOPTPARSTREAM",
    0xC1: "ESME_ROPTPARNOTALLWD",
    0xC2: "ESME_RINVPARLEN",
    0xC3: "ESME_RMISSINGOPTPARAM",
    0xC4: "ESME_RINVOPTPARAMVAL",
    0xFE: "ESME_RDELIVERYFAILURE",
    0xFF: "ESME_RUNKNOWNERR",
}
TEMPORARY_STATUSES: Final = frozenset({ESME_RMSGQFUL, ESME_RTHROTTLED})
"""submit_sm_resp statuses worth retrying later; every other non-zero status fails the message."""


def status_name(command_status: int) -> str:
    """``ESME_RINVDSTADR`` for a status SMPP 3.4 names, else its hex value such as ``0x00000400``."""
    return COMMAND_STATUS_NAMES.get(command_status, f"0x{command_status:08x}")


@dataclass(frozen=True)
class SubmitPart:
    """The body of one submit_sm: payload bytes (UDH included when esm_class has 0x40) and its TLVs."""

    short_message: bytes
    data_coding: int
    esm_class: int = 0
    tlvs: tuple[tuple[int, bytes], ...] = ()


def submit_parts(text: str, reference: int, *, use_sar: bool = False) -> list[SubmitPart]:
    """The submit_sm bodies of ``text``; ``reference`` (taken modulo 256, or 65536 with SAR) ties the parts."""
    data_coding, payloads = encode_parts(text)
    if not payloads:
        return [SubmitPart(b"", data_coding)]
    if len(payloads) == 1:
        return [SubmitPart(payloads[0], data_coding)]
    total = len(payloads)
    if use_sar:
        ref = (reference & 0xFFFF).to_bytes(2, "big")
        return [
            SubmitPart(
                payload,
                data_coding,
                tlvs=(
                    (TLV_SAR_MSG_REF_NUM, ref),
                    (TLV_SAR_TOTAL_SEGMENTS, bytes((total,))),
                    (TLV_SAR_SEGMENT_SEQNUM, bytes((seq,))),
                ),
            )
            for seq, payload in enumerate(payloads, start=1)
        ]
    return [
        SubmitPart(udh_concat(reference, total, seq) + payload, data_coding, esm_class=ESM_UDHI)
        for seq, payload in enumerate(payloads, start=1)
    ]


@dataclass(frozen=True)
class DeliverFields:
    """The parts of a deliver_sm this module reads, independent of the SMPP library."""

    source: str
    destination: str
    esm_class: int
    data_coding: int
    short_message: bytes
    tlvs: Mapping[int, bytes] = field(default_factory=dict)


@dataclass(frozen=True)
class ConcatInfo:
    reference: int
    total: int
    sequence: int


def split_udh(short_message: bytes) -> tuple[bytes, bytes] | None:
    """(UDH with its length byte, payload) of a message sent with UDHI; None when the header does not fit."""
    if not short_message:
        return None
    length = short_message[0]
    if length + 1 > len(short_message):
        return None
    return short_message[: length + 1], short_message[length + 1 :]


def concat_from_udh(udh: bytes) -> ConcatInfo | None:
    """The concatenation element (IE 0x00, 8-bit reference, or 0x08, 16-bit) of a UDH, if it has a valid one."""
    index = 1
    while index + 2 <= len(udh):
        iei, length = udh[index], udh[index + 1]
        data = udh[index + 2 : index + 2 + length]
        if len(data) < length:
            return None
        if iei == 0x00 and length == 3:
            return _valid(ConcatInfo(data[0], data[1], data[2]))
        if iei == 0x08 and length == 4:
            return _valid(ConcatInfo(int.from_bytes(data[:2], "big"), data[2], data[3]))
        index += 2 + length
    return None


def concat_from_sar(tlvs: Mapping[int, bytes]) -> ConcatInfo | None:
    """The SAR TLVs as concatenation information, when all three are present and consistent."""
    ref, total, seq = (tlvs.get(tag) for tag in (TLV_SAR_MSG_REF_NUM, TLV_SAR_TOTAL_SEGMENTS, TLV_SAR_SEGMENT_SEQNUM))
    if not ref or not total or not seq:
        return None
    return _valid(ConcatInfo(int.from_bytes(ref, "big"), total[0], seq[0]))


def _valid(info: ConcatInfo) -> ConcatInfo | None:
    return info if 1 <= info.sequence <= info.total else None


@dataclass
class _Pending:
    data_coding: int
    total: int
    started: float
    parts: dict[int, bytes] = field(default_factory=dict)


class ConcatAssembler:
    """Holds parts of concatenated inbound messages until each message is whole."""

    def __init__(self, *, ttl: float = 600.0, max_pending: int = 10_000) -> None:
        self.ttl = ttl
        self.max_pending = max_pending
        self._pending: dict[tuple[str, str, int], _Pending] = {}

    def __len__(self) -> int:
        return len(self._pending)

    def add(
        self, key: tuple[str, str, int], info: ConcatInfo, data_coding: int, payload: bytes, now: float
    ) -> tuple[int, bytes] | None:
        """Keep one part; when it completes its message, return (data_coding, payloads joined in order).

        A part repeated (same sequence) replaces the earlier copy; a part announcing another total starts over.
        """
        self.expire(now)
        pending = self._pending.get(key)
        if pending is None or pending.total != info.total:
            if len(self._pending) >= self.max_pending:
                oldest = min(self._pending, key=lambda k: self._pending[k].started)
                del self._pending[oldest]
            pending = self._pending[key] = _Pending(data_coding, info.total, now)
        pending.parts[info.sequence] = payload
        if len(pending.parts) < pending.total:
            return None
        del self._pending[key]
        return pending.data_coding, b"".join(pending.parts[seq] for seq in range(1, pending.total + 1))

    def expire(self, now: float) -> int:
        """Forget messages whose first part is older than ``ttl``; how many were forgotten."""
        stale = [key for key, pending in self._pending.items() if now - pending.started > self.ttl]
        for key in stale:
            del self._pending[key]
        return len(stale)


class DeliverInterpreter:
    """Turns deliver_sm into the events a connector reports (see the module docstring for the rules)."""

    def __init__(self, carrier: str, assembler: ConcatAssembler | None = None) -> None:
        self.carrier = carrier
        self.assembler = assembler or ConcatAssembler()

    def interpret(self, pdu: DeliverFields, now: datetime, monotonic: float) -> Receipt | InboundSms | None:
        kind = pdu.esm_class & ESM_TYPE_MASK
        if kind in (ESM_TYPE_SME_ACK, ESM_TYPE_USER_ACK):
            return None
        if kind in (ESM_TYPE_RECEIPT, ESM_TYPE_INTERMEDIATE) or _looks_like_receipt(pdu):
            return self.receipt(pdu)
        return self.inbound(pdu, now, monotonic)

    def receipt(self, pdu: DeliverFields) -> Receipt | None:
        """The final-state receipt a deliver_sm reports; None for intermediate states or without a message id."""
        parsed = parse_receipt(_receipt_text(pdu), _receipted_id(pdu.tlvs), _message_state(pdu.tlvs))
        if parsed is None or parsed.state is None or not parsed.message_id:
            return None
        return Receipt(
            carrier=self.carrier,
            carrier_msg_id=parsed.message_id,
            state=parsed.state,
            error_code=parsed.error_code,
            done_at=parsed.done_at,
        )

    def inbound(self, pdu: DeliverFields, now: datetime, monotonic: float) -> InboundSms | None:
        """The message a deliver_sm carries; None while parts of a concatenated message are still missing."""
        payload = pdu.short_message or pdu.tlvs.get(TLV_MESSAGE_PAYLOAD, b"")
        data_coding, parts = pdu.data_coding, 1
        info = concat_from_sar(pdu.tlvs)
        if pdu.esm_class & ESM_UDHI:
            split = split_udh(payload)
            if split is not None:
                udh, payload = split
                info = concat_from_udh(udh) or info
        if info is not None and info.total > 1:
            whole = self.assembler.add(
                (pdu.source, pdu.destination, info.reference), info, data_coding, payload, monotonic
            )
            if whole is None:
                return None
            data_coding, payload = whole
            parts = info.total
        return InboundSms(
            carrier=self.carrier,
            source=pdu.source,
            destination=pdu.destination,
            content=decode_payload(data_coding, payload),
            received_at=now,
            extra={"data_coding": data_coding, "parts": parts},
        )


def _looks_like_receipt(pdu: DeliverFields) -> bool:
    if TLV_RECEIPTED_MESSAGE_ID not in pdu.tlvs:
        return False
    if TLV_MESSAGE_STATE in pdu.tlvs:
        return True
    parsed = parse_receipt_text(_receipt_text(pdu))
    return parsed is not None and bool(parsed.stat)


def _receipt_text(pdu: DeliverFields) -> str:
    payload = pdu.short_message or pdu.tlvs.get(TLV_MESSAGE_PAYLOAD, b"")
    if pdu.data_coding == DATA_CODING_UCS2:
        return decode_payload(pdu.data_coding, payload)
    return payload.decode("latin-1")


def _receipted_id(tlvs: Mapping[int, bytes]) -> str | None:
    value = tlvs.get(TLV_RECEIPTED_MESSAGE_ID)
    return value.split(b"\x00", 1)[0].decode("latin-1") if value is not None else None


def _message_state(tlvs: Mapping[int, bytes]) -> int | None:
    value = tlvs.get(TLV_MESSAGE_STATE)
    return value[0] if value else None
