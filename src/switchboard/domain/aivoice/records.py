"""Robot call records as the API shows them: A13 rows (Strings) and the A14 push body (typed)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def _time(value: Any) -> str | None:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value is not None else None


def _basis(r: Mapping[str, Any]) -> str:
    return f"intent {r['intent']}" if r["intent"] else "no intent recognised"


def record_row(r: Mapping[str, Any]) -> dict[str, Any]:
    """A13 recordQuery row."""
    return {
        "keyId": str(r["id"]),
        "appId": r["app_id"],
        "callId": r["call_id"],
        "callRecordId": r["call_id"],
        "callJobId": str(r["task_id"]),
        "dialogFlowId": str(r["flow_id"]),
        "tenantPhoneNumberId": str(r["line_id"]),
        "calledPhoneNumber": r["called_number"],
        "customerPersonName": r["customer_name"],
        "hangupBy": r["hangup_by"],
        "resultStatus": r["result_status"],
        "startTime": _time(r["start_at"]),
        "endTime": _time(r["end_at"]),
        "chatDuration": str(r["chat_duration"]),
        "chatRound": str(r["chat_round"]),
        "intentLevelDetailName": r["intent_level"],
        "analysisBasis": _basis(r),
        "properties": r["properties"],
        "dynamicProperties": r["dynamic_properties"],
        "callDetailList": r["details"],
        "redialTimes": str(r["redial_times"]),
    }


def push_body(r: Mapping[str, Any]) -> dict[str, Any]:
    """A14 call-record push (times in seconds)."""
    return {
        "callId": r["call_id"],
        "appId": r["app_id"],
        "robotCallJobId": r["task_id"],
        "dialogFlowId": r["flow_id"],
        "tenantPhoneNumberId": r["line_id"],
        "calledPhoneNumber": r["called_number"],
        "startTime": int(r["start_at"].timestamp()),
        "endTime": int(r["end_at"].timestamp()),
        "resultStatus": r["result_status"],
        "hangupBy": r["hangup_by"],
        "analysisBasis": _basis(r),
        "chatDuration": r["chat_duration"],
        "chatRound": r["chat_round"],
        "properties": r["properties"],
        "dynamicProperties": r["dynamic_properties"],
        "intentLevelDetailName": r["intent_level"],
        "callDetailList": r["details"],
        "callCount": r["redial_times"] + 1,
        "redialTimes": r["redial_times"],
    }
