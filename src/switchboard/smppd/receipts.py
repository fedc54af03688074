"""The deliver_sm of a delivery receipt (the classic text plus receipted_message_id and message_state TLVs) and
of an inbound SMS (split with a concatenation UDH when long)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from switchboard.domain.sms.encoding import encode_parts, udh_concat
from switchboard.smppd import pdu
from switchboard.smppd.statuses import RECEIPT_STATES

TEXT_IN_RECEIPT: Final = 20
ESM_RECEIPT: Final = 0x04
ESM_UDHI: Final = 0x40


def receipt_text(msg_id: str, status: str, submitted: datetime, done: datetime, content: str) -> str:
    stat, _, err = RECEIPT_STATES.get(status, ("UNDELIV", 5, "001"))
    excerpt = content[:TEXT_IN_RECEIPT].encode("ascii", "replace").decode("ascii")
    return (
        f"id:{msg_id} sub:001 dlvrd:{'001' if stat == 'DELIVRD' else '000'} "
        f"submit date:{submitted:%y%m%d%H%M} done date:{done:%y%m%d%H%M} stat:{stat} err:{err} text:{excerpt}"
    )


def receipt_pdu(row: dict[str, Any]) -> bytes:
    """The deliver_sm body for an owed receipt joined with its message (see store.smpp.due_receipts)."""
    status = row["message_status"]
    _, state, _ = RECEIPT_STATES.get(status, ("UNDELIV", 5, "001"))
    done = row["final_at"] or row["created_at"]
    text = receipt_text(row["msg_id"], status, row["created_at"], done, row["content"] or "")
    tlvs = pdu.tlv(pdu.TLV_RECEIPTED_MESSAGE_ID, pdu.cstr(row["msg_id"])) + pdu.tlv(
        pdu.TLV_MESSAGE_STATE, bytes((state,))
    )
    # a receipt goes from the handset (the message's destination) back to the submitter's source address
    return pdu.deliver_sm(row["destination"], row["source"], ESM_RECEIPT, 0, text.encode("ascii"), tlvs)


def inbound_pdus(row: dict[str, Any], reference: int) -> list[bytes]:
    """The deliver_sm bodies of an owed inbound SMS: one, or one per part with a concatenation UDH."""
    data_coding, payloads = encode_parts(row["content"] or "")
    payloads = payloads or [b""]
    if len(payloads) == 1:
        return [pdu.deliver_sm(row["source"], row["destination"], 0, data_coding, payloads[0])]
    return [
        pdu.deliver_sm(
            row["source"], row["destination"], ESM_UDHI, data_coding, udh_concat(reference, len(payloads), seq) + part
        )
        for seq, part in enumerate(payloads, start=1)
    ]
