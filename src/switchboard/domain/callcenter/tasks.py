"""Outbound tasks (C21-C25): the request checks and the status machine of C24.

Status (C24 ``taskStatus``)::

    submitTask --> SUBMITTING(16) --callees stored--> ENABLED(1) --dialer starts--> CALLING(11)
    CALLING --every callee final--> FINISHED(12)         SUBMITTING --callees could not be stored--> SUBMIT_FAILED(13)
    ENABLED/CALLING --suspend--> SUSPENDED(15) --resume--> ENABLED;  any but FINISHED --cancel--> CANCELLED(14)
    DISABLED(2): the operator stopped it.  resendTask: FINISHED/CANCELLED/SUSPENDED/DISABLED/SUBMIT_FAILED --> ENABLED

| problem | code |
|---|---|
| filePath/fileName missing, type not 0/1, calloutRate not 1-10, maxRingingTime outside 20-120 | -22 |
| type 1 without exactly one voiceGroupId, or without appId | -22 |
| resendType not 1-3 | -22 |
| resend / edit of a task whose status does not allow it | -41 |
| resend that selects no number | -42 |
| calloutRate above the account's maximum (C25) | -36 |
| remark over 50 characters | -22 |
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from switchboard.domain.callcenter.rules import cc_error, ccode, display_num, id_list, maybe_text, maybe_whole, whole

ENABLED, DISABLED, CALLING, FINISHED, SUBMIT_FAILED, CANCELLED, SUSPENDED, SUBMITTING = 1, 2, 11, 12, 13, 14, 15, 16
STATUSES = (ENABLED, DISABLED, CALLING, FINISHED, SUBMIT_FAILED, CANCELLED, SUSPENDED, SUBMITTING)
RESENDABLE = (FINISHED, CANCELLED, SUSPENDED, DISABLED, SUBMIT_FAILED)
EDITABLE = (ENABLED, CALLING, SUSPENDED, SUBMITTING)
FINAL = (FINISHED, CANCELLED, SUBMIT_FAILED)
AUTOMATIC, GROUP_CALL = 0, 1
RESEND_FAILED, RESEND_NOT_CALLED, RESEND_ALL = 1, 2, 3
MAX_RATE = 10
# Callee states: waiting to be dialled, on a call, or one of the dialer's final states.
WAITING, CALLING_NOW = "waiting", "calling"


@dataclass(frozen=True)
class Dialing:
    """How a task dials: the fields submitTask and resendTask share."""

    kind: int
    group_ids: list[int]
    rate: int
    display_num: str | None
    ccode: str | None
    remark: str | None
    max_ringing: int


def dialing(params: Mapping[str, Any]) -> Dialing:
    kind = whole(params, "type", AUTOMATIC, GROUP_CALL)
    groups = _groups(params)
    if kind == GROUP_CALL and len(groups) != 1:
        raise cc_error(-22, "a group call to agents names exactly one voiceGroupId")
    if not groups:
        raise cc_error(-22, "voiceGroupId is required")
    rate = maybe_whole(params, "calloutRate", 1, MAX_RATE) if kind == GROUP_CALL else 1
    if kind == GROUP_CALL and rate is None:
        raise cc_error(-22, "calloutRate is required for a group call to agents")
    if kind == GROUP_CALL and not params.get("appId"):
        raise cc_error(-22, "appId is required for a group call to agents")
    return Dialing(
        kind=kind,
        group_ids=groups,
        rate=rate or 1,
        display_num=display_num(params),
        ccode=ccode(params),
        remark=maybe_text(params, "remark", 50),
        max_ringing=maybe_whole(params, "maxRingingTime", 20, 120) or 60,
    )


def _groups(params: Mapping[str, Any]) -> list[int]:
    raw = params.get("voiceGroupId")
    if isinstance(raw, list):
        return id_list(params, "voiceGroupId", required=False)
    if raw in (None, ""):
        return []
    return [whole(params, "voiceGroupId")]


def resend_type(params: Mapping[str, Any]) -> int:
    return whole(params, "resendType", RESEND_FAILED, RESEND_ALL)


def check_resend(status: int) -> None:
    if status not in RESENDABLE:
        raise cc_error(-41, f"a task in status {status} cannot be sent again")


def check_edit(status: int, kind: int) -> None:
    if kind != GROUP_CALL or status not in EDITABLE:
        raise cc_error(-41, f"a task of type {kind} in status {status} cannot be edited")


def edit_rate(params: Mapping[str, Any], most: int) -> int:
    rate = whole(params, "calloutRate", 1, 1000)
    if rate > most:
        raise cc_error(-36, f"calloutRate is at most {most}")
    return rate
