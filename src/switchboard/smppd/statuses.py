"""What the platform's refusals (the SMS code table) answer over SMPP, and a message's receipt state.

Codes 0x400-0x4FF are reserved by SMPP 3.4 for the SMSC vendor; docs/smpp-server.md lists those used here.
"""

from __future__ import annotations

from typing import Final

from switchboard.smppd import pdu

ESME_RINSUFFUNDS: Final = 0x401  # vendor: the account's balance does not cover the message
ESME_RCONTENT: Final = 0x402  # vendor: sensitive words in the content
ESME_RTEMPLATE: Final = 0x403  # vendor: content outside the app's approved templates
ESME_RNOPRICE: Final = 0x404  # vendor: no price for the destination
ESME_RLIMIT: Final = 0x405  # vendor: a period send limit of the account or the number was reached
ESME_RLOCKED: Final = 0x406  # vendor: the account is locked or its workspace disabled
ESME_RINVSCHED: Final = 0x61

BY_CODE: Final[dict[int, int]] = {
    -3: ESME_RCONTENT,
    -4: pdu.ESME_RINVMSGLEN,
    -5: pdu.ESME_RINVMSGLEN,
    -6: ESME_RTEMPLATE,
    -7: pdu.ESME_RINVNUMDESTS,
    -8: pdu.ESME_RINVDSTADR,
    -9: pdu.ESME_RINVDSTADR,
    -10: ESME_RINSUFFUNDS,
    -11: ESME_RINVSCHED,
    -13: ESME_RLOCKED,
    -17: ESME_RTEMPLATE,
    -19: ESME_RNOPRICE,
    -27: ESME_RLIMIT,
    -28: ESME_RLIMIT,
}


def command_status(code: int) -> int:
    """The command_status for an SMS table code; anything unlisted is ESME_RSUBMITFAIL."""
    return BY_CODE.get(code, pdu.ESME_RSUBMITFAIL)


# message status -> (receipt stat, message_state TLV value, err)
RECEIPT_STATES: Final[dict[str, tuple[str, int, str]]] = {
    "delivered": ("DELIVRD", 2, "000"),
    "failed": ("UNDELIV", 5, "001"),
    "expired": ("EXPIRED", 3, "000"),
    "cancelled": ("DELETED", 4, "000"),
}
