"""What the simulated callee does with a call, chosen by the dialled number: deterministic, no randomness.

A scenario (JSON, the ``config`` of a ``simulated`` trunk) gives a behaviour by longest matching number
prefix, else by longest matching suffix, else the default::

    {"default": {"ring": 1, "status": 200},
     "prefixes": {"9198": {"status": 486}},
     "suffixes": {"0105": {"status": 200, "press": "5", "press_after": 1}}}

Behaviour fields: ``ring`` seconds of ringing (180) before the outcome (0: answer or fail at once, no 180);
``status`` 200 to answer, a final SIP code (486, 404, 480, 603, 503 ...) to refuse, or 0 to ring until the
caller cancels; ``press`` keys sent as RFC 4733 events ``press_after`` seconds after the answer (``press_mode``
``"info"`` sends SIP INFO instead); ``hangup_after`` seconds after the answer at which the callee hangs up.

Without ``suffixes`` in the scenario the built-in ones apply (any country, by the last four digits):

| ends with | behaviour |
|---|---|
| 0486 | busy (486) after 1 s of ringing |
| 0404 | number does not exist (404), no ringing |
| 0603 | declined (603) after 1 s |
| 0480 | temporarily unavailable (480) after 2 s |
| 0503 | trunk error (503), no ringing |
| 0000 | rings until cancelled (no answer at maxRingingTime) |
| 0099 | answers after 1 s and hangs up 2 s later |
| 010D | answers after 1 s and presses key D (0-9) 1 s later |
| anything else | answers after 1 s and listens until the caller hangs up |
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any


@dataclass(frozen=True)
class Behaviour:
    ring: float = 1.0
    status: int = 200
    press: str = ""
    press_after: float = 1.0
    press_mode: str = "rfc2833"
    hangup_after: float | None = None

    @classmethod
    def of(cls, data: dict[str, Any], base: Behaviour | None = None) -> Behaviour:
        merged = {**(base or cls()).__dict__, **data}
        unknown = set(merged) - {f.name for f in fields(cls)}
        if unknown:
            raise ValueError(f"unknown behaviour fields: {', '.join(sorted(unknown))}")
        behaviour = cls(
            ring=float(merged["ring"]),
            status=int(merged["status"]),
            press=str(merged["press"]),
            press_after=float(merged["press_after"]),
            press_mode=str(merged["press_mode"]),
            hangup_after=None if merged["hangup_after"] is None else float(merged["hangup_after"]),
        )
        if behaviour.ring < 0 or behaviour.press_after < 0 or (behaviour.hangup_after or 0) < 0:
            raise ValueError("times must not be negative")
        if behaviour.status not in (0, 200) and not 300 <= behaviour.status <= 699:
            raise ValueError("status is 0, 200 or a final SIP code 300-699")
        if any(key not in "0123456789*#ABCD" for key in behaviour.press):
            raise ValueError("press holds keys 0-9, *, #, A-D")
        if behaviour.press_mode not in ("rfc2833", "info"):
            raise ValueError("press_mode is rfc2833 or info")
        return behaviour


BUILTIN_SUFFIXES: dict[str, Behaviour] = {
    "0486": Behaviour(status=486),
    "0404": Behaviour(ring=0, status=404),
    "0603": Behaviour(status=603),
    "0480": Behaviour(ring=2, status=480),
    "0503": Behaviour(ring=0, status=503),
    "0000": Behaviour(status=0),
    "0099": Behaviour(hangup_after=2.0),
    **{f"010{d}": Behaviour(press=str(d)) for d in range(10)},
}


@dataclass(frozen=True)
class CalleeScenario:
    default: Behaviour = field(default_factory=Behaviour)
    prefixes: dict[str, Behaviour] = field(default_factory=dict)
    suffixes: dict[str, Behaviour] = field(default_factory=lambda: dict(BUILTIN_SUFFIXES))

    @classmethod
    def of(cls, data: dict[str, Any]) -> CalleeScenario:
        unknown = set(data) - {"default", "prefixes", "suffixes"}
        if unknown:
            raise ValueError(f"unknown scenario keys: {', '.join(sorted(unknown))}")
        default = Behaviour.of(data.get("default", {}))
        prefixes = {str(p): Behaviour.of(b, default) for p, b in data.get("prefixes", {}).items()}
        if "suffixes" in data:
            suffixes = {str(s): Behaviour.of(b, default) for s, b in data["suffixes"].items()}
        else:
            suffixes = dict(BUILTIN_SUFFIXES)
        return cls(default=default, prefixes=prefixes, suffixes=suffixes)

    def behaviour_for(self, number: str) -> Behaviour:
        for prefix in sorted(self.prefixes, key=len, reverse=True):
            if number.startswith(prefix):
                return self.prefixes[prefix]
        for suffix in sorted(self.suffixes, key=len, reverse=True):
            if number.endswith(suffix):
                return self.suffixes[suffix]
        return self.default
