"""What a bridged call's record says, from its two legs (sendSip V8; ``connectors/voice/bridge.py`` runs them).

The record is the callee leg's: its code, reason, ring, answer and hang-up times, and the billing by its bill
period. Only the call time is the phone leg's (the moment the platform started ringing the phone). When the
phone never answered, the callee was not dialled: the record carries the phone's final code with a reason
saying it was the phone, and nothing is billed. A call that never started (phone not registered) is refused
the same way with ``NOT_REGISTERED``.
"""

from __future__ import annotations

from switchboard.domain.voice import termination

NOT_REGISTERED = (480, "The phone is not registered")
NO_SIP_PORT = (503, "The SIP port is not open")


def phone_failure(code: int, reason: str) -> tuple[int, str]:
    """(terminationCode, terminationReason) of a call whose phone leg ended before it was answered."""
    if reason == termination.SHUTDOWN:
        return code, reason  # queued again by the worker
    if code == termination.NO_RESPONSE:
        return code, "The phone did not respond"
    return code, f"Phone: {reason}"
