"""An ESME we did not write (smpplib, synchronous: run its calls in a thread) for the SMPP server's tests."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import smpplib.client
import smpplib.consts
import smpplib.exceptions
import smpplib.gsm


@dataclass
class Esme:
    port: int
    system_id: str
    password: str
    client: Any = None
    sent: list[Any] = field(default_factory=list)  # submit_sm_resp with ESME_ROK (smpplib reports errors too)
    errors: list[Any] = field(default_factory=list)  # responses with an error status (generic_nack too)
    received: list[Any] = field(default_factory=list)  # deliver_sm

    def bind(self, kind: str = "transceiver") -> None:
        self.client = smpplib.client.Client("127.0.0.1", self.port, timeout=5, allow_unknown_opt_params=True)
        self.client.set_message_sent_handler(lambda pdu: pdu.status or self.sent.append(pdu))
        self.client.set_message_received_handler(lambda pdu: self.received.append(pdu))
        self.client.set_error_pdu_handler(lambda pdu: self.errors.append(pdu))
        self.client.connect()
        getattr(self.client, f"bind_{kind}")(system_id=self.system_id, password=self.password)

    def submit(self, destination: str, short_message: bytes, **fields: Any) -> int:
        """Send one submit_sm (not waiting); its sequence number."""
        pdu = self.client.send_message(
            source_addr_ton=5,
            source_addr="Switchbrd",
            dest_addr_ton=1,
            dest_addr_npi=1,
            destination_addr=destination,
            short_message=short_message,
            **fields,
        )
        return int(pdu.sequence)

    def submit_text(self, destination: str, text: str, registered_delivery: int = 0) -> list[int]:
        """Split with smpplib's own helper (UDH concatenation when long); the sequence numbers of the parts."""
        parts, coding, esm_class = smpplib.gsm.make_parts(text)
        return [
            self.submit(
                destination, part, data_coding=coding, esm_class=esm_class, registered_delivery=registered_delivery
            )
            for part in parts
        ]

    def read_until(self, done: Callable[[], bool], timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while not done():
            if time.monotonic() > deadline:
                raise TimeoutError("the expected PDUs did not arrive")
            with contextlib.suppress(TimeoutError, OSError):
                self.client._socket.settimeout(0.2)
                self.client.read_once(auto_send_enquire_link=False)

    def close(self) -> None:
        if self.client is None:
            return
        with contextlib.suppress(Exception):
            self.client.unbind()
        with contextlib.suppress(Exception):
            self.client.disconnect()


def message_id(pdu: Any) -> str:
    value = pdu.message_id
    return value.decode() if isinstance(value, bytes) else str(value)
