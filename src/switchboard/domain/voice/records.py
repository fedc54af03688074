"""A call row as the API shows it: the record of V9/V11 (ISO-8601 times) and the push of V23 (ms times).

While a call is not finished its ``terminationCode`` is ``""`` and ``terminationReason`` says ``queued`` or
``calling``; ``feedbackValue`` is ``"-1"`` until a key is pressed, then the first key.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from switchboard.domain.fx import settle_fields
from switchboard.domain.voice.billing import bill_period
from switchboard.money import format_amount

TIMES = (
    ("callTime", "call_at"),
    ("ringingTime", "ringing_at"),
    ("answerTime", "answer_at"),
    ("hangupTime", "hangup_at"),
)


def feedback(keys: str) -> str:
    return keys[:1] if keys else "-1"


def file_id_of(audio: str) -> str:
    return audio.split(":", 1)[1] if audio.startswith("file:") else ""


def _iso(moment: datetime | None, zone: str) -> str:
    return moment.astimezone(ZoneInfo(zone)).isoformat(timespec="seconds") if moment else ""


def _ms(moment: datetime | None) -> int:
    return int(moment.timestamp() * 1000) if moment else 0


def ring_duration(row: Mapping[str, Any]) -> int:
    start, end = row.get("ringing_at"), row.get("answer_at") or row.get("hangup_at")
    if start is None or end is None:
        return 0
    return max(0, int(round((end - start).total_seconds())))


def _common(row: Mapping[str, Any]) -> dict[str, Any]:
    finished = row["status"] == "done"
    return {
        "voiceId": row["voice_id"],
        "callee": row["callee"],
        "displayNum": row["display_num"] or "",
        "code": row["region"] or row["country"],
        "callDuration": row["call_duration"],
        "chargedDuration": row["charged_duration"],
        "billPeriod": bill_period(row["bill_block"]),
        "rate": format_amount(row["price"]),
        "baseCost": format_amount(row["cost"]),
        "cost": format_amount(row["cost"]),
        "currency": row["currency"],
        **settle_fields(price=row["price"], cost=row["cost"], exchange=row.get("quote_exchange")),
        "terminationCode": (row["termination_code"] or "") if finished else "",
        "terminationReason": (row["termination_reason"] or "") if finished else row["status"],
        "voiceFileId": file_id_of(row["audio"]),
        "feedbackValue": feedback(row["keys"]),
        "calledInfo": row["called_info"] or "",
    }


BRIDGED = (3, 4, 5)  # sendSip, direct dial, inbound to phones


def _bridged(row: Mapping[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    """A sendSip call's fields: the phone's group and name, the recording in place of an audio file."""
    if row.get("type") in BRIDGED:
        recording = row.get("recording_file_id") or ""
        body.update(
            sipGroupName=row.get("sip_group_name") or "",
            phoneName=row.get("phone_name") or "",
            recordingFileId=recording,
            voiceFileId=recording,
        )
    return body


def record(row: Mapping[str, Any], zone: str) -> dict[str, Any]:
    """V11 (and V9) record: times ISO-8601 in the account's time zone."""
    body = _bridged(row, _common(row))
    body["submitTime"] = _iso(row["created_at"], zone)
    for name, column in TIMES:
        body[name] = _iso(row[column], zone)
    body["costEur"] = body["cost"] if row["currency"] == "EUR" else ""
    return body


def push(row: Mapping[str, Any]) -> dict[str, Any]:
    """V23 push body: times in epoch milliseconds (0 when the moment never came)."""
    body = _bridged(row, _common(row))
    body["appId"] = row["app_id"]
    body["type"] = row["type"]
    body["submitTime"] = _ms(row["created_at"])
    for name, column in TIMES:
        body[name] = _ms(row[column])
    body["sipCode"] = row["sip_code"] or ""
    body["ringDuration"] = ring_duration(row)
    body["outRecallCount"] = max(0, row["attempts"] - 1)
    return body
