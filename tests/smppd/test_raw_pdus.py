"""What no off-the-shelf ESME here exercises: submit_multi, data_sm, the idle timeout, a second bind on one
connection, and SMPP over TLS (a client on Python's ssl module speaking raw PDUs)."""

from __future__ import annotations

import asyncio
import datetime as dt
import socket
import ssl
import struct
from pathlib import Path

import sqlalchemy as sa
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from switchboard.services.context import Services
from switchboard.smppd import pdu
from switchboard.smppd.server import SmppServer, SmppServerConfig
from switchboard.store.tables import messages
from tests.smppd.conftest import PASSWORD, SYSTEM_ID
from tests.smppd.test_binds_and_submits import _raw_bind, _read


def _address(number: str) -> bytes:
    return bytes((1, 1)) + pdu.cstr(number)


def _submit_multi(numbers: list[str], text: bytes) -> bytes:
    body = pdu.cstr("") + bytes((5, 0)) + pdu.cstr("Switchbrd") + bytes((len(numbers),))
    for number in numbers:
        body += b"\x01" + _address(number)
    return body + bytes((0, 0, 0)) + pdu.cstr("") + pdu.cstr("") + bytes((1, 0, 0, 0, len(text))) + text


def _exchange(port: int, requests: list[tuple[int, bytes]]) -> list[tuple[int, int, int, bytes]]:
    sock = _raw_bind(port)
    try:
        answers = []
        for seq, (command_id, body) in enumerate(requests, start=2):
            sock.sendall(pdu.encode(command_id, 0, seq, body))
            answers.append(_read(sock))
        return answers
    finally:
        sock.close()


async def test_submit_multi_and_data_sm(smpp_server: SmppServer, services: Services) -> None:
    data_sm = (
        pdu.cstr("") + _address("Switchbrd") + _address("919876543213") + bytes((0, 1, 0))
        + pdu.tlv(pdu.TLV_MESSAGE_PAYLOAD, b"data sm text")
    )  # fmt: skip
    answers = await asyncio.to_thread(
        _exchange,
        smpp_server.ports["tcp"],
        [(pdu.SUBMIT_MULTI, _submit_multi(["919876543210", "12", "919876543211"], b"to many")), (pdu.DATA_SM, data_sm)],
    )
    (multi_id, multi_status, _, multi_body), (data_id, data_status, _, data_body) = answers
    assert (multi_id, multi_status) == (pdu.SUBMIT_MULTI | pdu.RESP, 0)
    assert (data_id, data_status) == (pdu.DATA_SM | pdu.RESP, 0)
    first = multi_body[: multi_body.index(b"\x00")].decode()
    unsuccess = multi_body[multi_body.index(b"\x00") + 1 :]
    assert unsuccess[0] == 1 and unsuccess[3:6] == b"12\x00"
    assert struct.unpack(">I", unsuccess[6:10])[0] == pdu.ESME_RINVDSTADR
    async with services.db.read() as conn:
        rows = {r.number: r for r in await conn.execute(sa.select(messages))}
    assert set(rows) == {"919876543210", "919876543211", "919876543213"}
    assert rows["919876543210"].msg_id == first and rows["919876543213"].content == "data sm text"
    assert data_body.rstrip(b"\x00").decode() == rows["919876543213"].msg_id


async def test_second_bind_on_a_connection_and_idle_timeout(services: Services, smpp_account: str) -> None:
    async with SmppServer(services, SmppServerConfig(port=0, idle_timeout=2.0)) as server:

        def session() -> tuple[tuple[int, int, int, bytes], tuple[int, int, int, bytes]]:
            sock = _raw_bind(server.ports["tcp"])
            try:
                body = pdu.cstr(SYSTEM_ID) + pdu.cstr(PASSWORD) + pdu.cstr("") + bytes((0x34, 0, 0)) + pdu.cstr("")
                sock.sendall(pdu.encode(pdu.BIND_TRANSMITTER, 0, 2, body))
                again = _read(sock)
                return again, _read(sock)  # then nothing: the server unbinds after 2 s
            finally:
                sock.close()

        again, idle = await asyncio.to_thread(session)
    assert again[:2] == (pdu.BIND_TRANSMITTER | pdu.RESP, pdu.ESME_RALYBND)
    assert idle[0] == pdu.UNBIND


def _certificate(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now).not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


async def test_smpp_over_tls(services: Services, smpp_account: str, tmp_path: Path) -> None:
    cert, key = _certificate(tmp_path)
    config = SmppServerConfig(port=0, tls_port=0, tls_cert=str(cert), tls_key=str(key))
    async with SmppServer(services, config) as server:

        def over_tls() -> tuple[tuple[int, int, int, bytes], tuple[int, int, int, bytes]]:
            context = ssl.create_default_context(cafile=str(cert))
            context.check_hostname = False
            raw = socket.create_connection(("127.0.0.1", server.ports["tls"]), timeout=5)
            with context.wrap_socket(raw) as sock:
                body = pdu.cstr(SYSTEM_ID) + pdu.cstr(PASSWORD) + pdu.cstr("") + bytes((0x34, 0, 0)) + pdu.cstr("")
                sock.sendall(pdu.encode(pdu.BIND_TRANSCEIVER, 0, 1, body))
                bound = _read(sock)  # type: ignore[arg-type]
                sock.sendall(pdu.encode(pdu.ENQUIRE_LINK, 0, 2))
                return bound, _read(sock)  # type: ignore[arg-type]

        bound, link = await asyncio.to_thread(over_tls)
    assert bound[:2] == (pdu.BIND_TRANSCEIVER | pdu.RESP, 0) and bound[3].startswith(b"SWITCHBOARD\x00")
    assert link[:3] == (pdu.ENQUIRE_LINK | pdu.RESP, 0, 2)
