"""Classifying the numbers of a group-call task in bulk.

``classify`` costs up to 0.2 ms for a number of a calling code shared by many regions (+1: the region is
found by trying each one), so 200,000 such numbers took half a minute. Numbers of one task mostly share
their leading digits; the outcome of the numbering plan's checks (the region and whether the length is
possible) is the same for numbers with the same first ``KEY_DIGITS`` digits and the same length, so it is
computed once per such key.
"""

from __future__ import annotations

from switchboard.domain.numbers import Number, classify, normalise

KEY_DIGITS = 8  # e.g. 1 + area code + 4 digits of a NANP number: no region boundary falls inside


def classify_many(raws: list[str]) -> list[Number | None]:
    """``classify`` of each raw number, in order."""
    memo: dict[tuple[str, int], tuple[str, int] | None] = {}
    check = classify.__wrapped__  # the shared cache would only be churned by 200,000 distinct numbers
    out: list[Number | None] = []
    for raw in raws:
        digits = normalise(raw)
        if digits is None:
            out.append(None)
            continue
        key = (digits[:KEY_DIGITS], len(digits))
        if key not in memo:
            found = check(digits)
            memo[key] = (found.country, found.calling_code) if found else None
        known = memo[key]
        out.append(Number(digits, known[0], known[1]) if known else None)
    return out
