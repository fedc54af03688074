"""What a call's end is called on the wire: ``terminationCode`` (a SIP status as text) and its reason.

``"200"`` means the callee answered; the reason then says how the call ended. Any other code is the final
SIP response the trunk gave to our INVITE, except where we ended the attempt ourselves:

- ringing past ``maxRingingTime`` (we CANCEL; the trunk answers 487): ``"480"`` "No answer" (``NO_ANSWER_REASON``;
  a 480 the trunk sends itself is "Temporarily unavailable");
- no response at all from the trunk: ``"408"`` "No response from the trunk";
- no route or no usable trunk: ``"503"`` "No route to destination".

The SIP status actually received is kept apart as ``sipCode`` (for example 487 after our CANCEL).
"""

from __future__ import annotations

ANSWERED = "200"
NO_ANSWER = 480
NO_RESPONSE = 408
NO_ROUTE = 503
NO_ANSWER_REASON = "No answer"

REASONS: dict[int, str] = {
    200: "Answered",
    400: "Bad request",
    401: "Trunk authentication failed",
    403: "Forbidden",
    404: "Number does not exist",
    407: "Trunk authentication failed",
    408: "No response",
    410: "Number no longer in service",
    480: "Temporarily unavailable",
    484: "Address incomplete",
    486: "Busy",
    487: "Request terminated",
    488: "No common codec",
    500: "Trunk error",
    502: "Bad gateway",
    503: "Service unavailable",
    504: "Trunk timeout",
    600: "Busy",
    603: "Declined",
    604: "Number does not exist",
}
CLASS_REASONS = {3: "Redirected", 4: "Call failed", 5: "Trunk error", 6: "Call rejected"}

# How an answered call ended.
COMPLETED = "Completed"
CALLEE_HUNG_UP = "Callee hung up"
MAX_DURATION = "Max duration reached"
SHUTDOWN = "Platform shutdown"

# Final responses after which another trunk of the route is tried (the trunk, not the callee, failed).
FAILOVER = frozenset({408, 500, 502, 503, 504})


def reason_for(code: int) -> str:
    return REASONS.get(code) or CLASS_REASONS.get(code // 100, "Call failed")


def termination(code: int, reason: str | None = None) -> tuple[str, str]:
    """(terminationCode, terminationReason) for a final SIP code."""
    return str(code), reason or reason_for(code)
