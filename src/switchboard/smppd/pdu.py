"""SMPP 3.4 PDUs as the server reads and writes them: header, C-strings, TLVs; no I/O.

A malformed body raises :class:`Malformed` (the session answers ``generic_nack`` with ESME_RINVCMDLEN or the
given status, and keeps the bind).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Final

HEADER: Final = struct.Struct(">IIII")
MAX_PDU: Final = 64 * 1024

GENERIC_NACK: Final = 0x80000000
BIND_RECEIVER: Final = 0x00000001
BIND_TRANSMITTER: Final = 0x00000002
SUBMIT_SM: Final = 0x00000004
DELIVER_SM: Final = 0x00000005
UNBIND: Final = 0x00000006
BIND_TRANSCEIVER: Final = 0x00000009
ENQUIRE_LINK: Final = 0x00000015
SUBMIT_MULTI: Final = 0x00000021
DATA_SM: Final = 0x00000103
RESP: Final = 0x80000000
BINDS: Final = (BIND_RECEIVER, BIND_TRANSMITTER, BIND_TRANSCEIVER)

ESME_ROK: Final = 0x00
ESME_RINVMSGLEN: Final = 0x01
ESME_RINVCMDLEN: Final = 0x02
ESME_RINVCMDID: Final = 0x03
ESME_RINVBNDSTS: Final = 0x04
ESME_RALYBND: Final = 0x05
ESME_RSYSERR: Final = 0x08
ESME_RINVSRCADR: Final = 0x0A
ESME_RINVDSTADR: Final = 0x0B
ESME_RBINDFAIL: Final = 0x0D
ESME_RINVPASWD: Final = 0x0E
ESME_RINVSYSID: Final = 0x0F
ESME_RMSGQFUL: Final = 0x14
ESME_RINVNUMDESTS: Final = 0x33
ESME_RTHROTTLED: Final = 0x58
ESME_RINVDCS: Final = 0x104
ESME_RX_R_APPN: Final = 0x65  # ESME receiver reject message error (used: refused by the platform)
ESME_RSUBMITFAIL: Final = 0x45
ESME_RINVESMCLASS: Final = 0x43

TLV_RECEIPTED_MESSAGE_ID: Final = 0x001E
TLV_SAR_MSG_REF_NUM: Final = 0x020C
TLV_SAR_TOTAL_SEGMENTS: Final = 0x020E
TLV_SAR_SEGMENT_SEQNUM: Final = 0x020F
TLV_MESSAGE_PAYLOAD: Final = 0x0424
TLV_MESSAGE_STATE: Final = 0x0427
TLV_SC_INTERFACE_VERSION: Final = 0x0210


class Malformed(ValueError):
    """The body does not parse as its command says."""


@dataclass
class Pdu:
    command_id: int
    command_status: int
    sequence: int
    body: bytes = b""


@dataclass
class Submit:
    """A submit_sm, submit_multi or data_sm, reduced to what the platform needs."""

    source: str
    destinations: list[str]
    esm_class: int
    registered_delivery: int
    data_coding: int
    short_message: bytes
    tlvs: dict[int, bytes] = field(default_factory=dict)

    @property
    def payload(self) -> bytes:
        return self.tlvs.get(TLV_MESSAGE_PAYLOAD, self.short_message)


class Reader:
    def __init__(self, body: bytes) -> None:
        self.body, self.at = body, 0

    def cstring(self, limit: int = 256) -> str:
        end = self.body.find(b"\x00", self.at, self.at + limit + 1)
        if end < 0:
            raise Malformed("C-octet string not terminated")
        value = self.body[self.at : end].decode("latin-1")
        self.at = end + 1
        return value

    def byte(self) -> int:
        if self.at >= len(self.body):
            raise Malformed("body too short")
        self.at += 1
        return self.body[self.at - 1]

    def octets(self, n: int) -> bytes:
        if self.at + n > len(self.body):
            raise Malformed("body too short")
        self.at += n
        return self.body[self.at - n : self.at]

    def tlvs(self) -> dict[int, bytes]:
        found: dict[int, bytes] = {}
        while self.at < len(self.body):
            if self.at + 4 > len(self.body):
                raise Malformed("truncated TLV")
            tag, length = struct.unpack_from(">HH", self.body, self.at)
            self.at += 4
            found[tag] = self.octets(length)
        return found


def encode(command_id: int, status: int, sequence: int, body: bytes = b"") -> bytes:
    return HEADER.pack(HEADER.size + len(body), command_id, status, sequence) + body


def cstr(value: str) -> bytes:
    return value.encode("latin-1", "replace") + b"\x00"


def tlv(tag: int, value: bytes) -> bytes:
    return struct.pack(">HH", tag, len(value)) + value


@dataclass(frozen=True)
class Bind:
    system_id: str
    password: str
    system_type: str


def parse_bind(body: bytes) -> Bind:
    r = Reader(body)
    system_id, password, system_type = r.cstring(16), r.cstring(9), r.cstring(13)
    r.byte()  # interface_version
    r.byte(), r.byte()  # addr_ton, addr_npi
    r.cstring(41)  # address_range
    return Bind(system_id, password, system_type)


def _address(r: Reader) -> str:
    r.byte(), r.byte()  # ton, npi
    return r.cstring(21)


def _message_fields(r: Reader) -> tuple[int, int, int, bytes]:
    """protocol_id .. short_message of a submit_sm / submit_multi; (esm_class, registered_delivery, dcs, sm)."""
    esm_class = r.byte()
    r.byte(), r.byte()  # protocol_id, priority_flag
    r.cstring(17), r.cstring(17)  # schedule_delivery_time, validity_period
    registered_delivery = r.byte()
    r.byte()  # replace_if_present_flag
    data_coding = r.byte()
    r.byte()  # sm_default_msg_id
    return esm_class, registered_delivery, data_coding, r.octets(r.byte())


def parse_submit_sm(body: bytes) -> Submit:
    r = Reader(body)
    r.cstring(6)  # service_type
    source = _address(r)
    destination = _address(r)
    esm_class, registered, dcs, sm = _message_fields(r)
    return Submit(source, [destination], esm_class, registered, dcs, sm, r.tlvs())


def parse_submit_multi(body: bytes) -> Submit:
    r = Reader(body)
    r.cstring(6)
    source = _address(r)
    destinations: list[str] = []
    for _ in range(r.byte()):
        if r.byte() == 1:  # dest_flag 1: SME address; 2: distribution list (not supported, skipped)
            destinations.append(_address(r))
        else:
            r.cstring(21)
    esm_class, registered, dcs, sm = _message_fields(r)
    return Submit(source, destinations, esm_class, registered, dcs, sm, r.tlvs())


def parse_data_sm(body: bytes) -> Submit:
    r = Reader(body)
    r.cstring(6)
    source = _address(r)
    destination = _address(r)
    esm_class, registered, dcs = r.byte(), r.byte(), r.byte()
    tlvs = r.tlvs()
    return Submit(source, [destination], esm_class, registered, dcs, b"", tlvs)


def submit_resp(message_id: str) -> bytes:
    return cstr(message_id)


def submit_multi_resp(message_id: str, failed: list[tuple[str, int]]) -> bytes:
    body = cstr(message_id) + bytes((len(failed),))
    for address, status in failed:
        body += bytes((1, 1)) + cstr(address) + struct.pack(">I", status)
    return body


def deliver_sm(
    source: str, destination: str, esm_class: int, data_coding: int, short_message: bytes, tlvs: bytes = b""
) -> bytes:
    """A deliver_sm body (source/destination international, ISDN)."""
    if len(short_message) > 254:
        tlvs += tlv(TLV_MESSAGE_PAYLOAD, short_message)
        short_message = b""
    return (
        cstr("")
        + bytes((1, 1))
        + cstr(source)
        + bytes((1, 1))
        + cstr(destination)
        + bytes((esm_class, 0, 0))
        + cstr("")
        + cstr("")
        + bytes((0, 0, data_coding, 0, len(short_message)))
        + short_message
        + tlvs
    )
