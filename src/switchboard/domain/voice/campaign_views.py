"""How a group-call task is shown: the V15 list row and the V16 detail (times ``yyyy-MM-dd HH:mm:ss`` in the
account's time zone; rates as percentages with two decimals)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from switchboard.domain.voice.campaigns import SEND_TIME
from switchboard.money import format_amount


def local(moment: datetime | None, zone: str) -> str:
    return moment.astimezone(ZoneInfo(zone)).strftime(SEND_TIME) if moment else ""


def percent(part: int, whole: int) -> str:
    return f"{(100 * part / whole) if whole else 0:.2f}%"


def progress(row: dict[str, Any]) -> str:
    """``rate``: the share of the task's callable numbers that reached a final state."""
    callable_numbers = int(row["num_cnt"]) - int(row["invalid_cnt"])
    done = int(row["success"]) + int(row["fail"])
    if row["status"] == 2:
        return "100.00%"
    return percent(min(done, callable_numbers), callable_numbers)


def summary(row: dict[str, Any]) -> dict[str, Any]:
    """A V15 record."""
    return {
        "jobId": int(row["id"]),
        "taskName": row["task_name"],
        "status": int(row["status"]),
        "rate": progress(row),
        "numCnt": int(row["num_cnt"]),
        "callNum": int(row["called"]),
        "success": int(row["success"]),
        "fail": int(row["fail"]),
        "createdTime": local(row["created_at"], row["zone"]),
    }


def detail(row: dict[str, Any]) -> dict[str, Any]:
    """The V16 data."""
    zone = row["zone"]
    called, success, fail = int(row["called"]), int(row["success"]), int(row["fail"])
    options = row["options"] or {}
    sms = row["sms"] or {}
    return {
        **summary(row),
        "appId": row["app_id"],
        "displayNum": row["display_num"] or "",
        "text": row["text"] or "",
        "lan": row["lan"] or "",
        "source": int(row["source"]),
        "voiceFileId": row["voice_file_id"] or "",
        "uploadName": row["upload_name"] or "",
        "baseFile": "",
        "sendTime": local(row["send_at"], zone),
        "mdfTime": local(row["updated_at"], zone),
        "finishTime": local(row["finished_at"], zone),
        "maxCalls": int(row["max_calls"]),
        "maxRingingTime": int(row["max_ringing"]),
        "loopCount": int(row["loop_count"]),
        "allowSendTime": row["windows"] or [],
        "code": str(options.get("code", "")),
        "callTotal": called,
        "chargeLen": int(row["charge_len"]),
        "callDuration": int(row["call_duration"]),
        "acd": round(int(row["call_duration"]) / success) if success else 0,
        "successRate": percent(success, called),
        "callLossNum": fail,
        "callLossNumRate": percent(fail, called),
        "keyFeedbackNum": int(row["key_feedback"]),
        "invalidNum": int(row["invalid_cnt"]),
        "toseatNum": 0,
        "allCallToseatNum": 0,
        "toseatNumRate": percent(0, called),
        "calloutRate": int(options.get("calloutRate", 1)),
        "hangUpSms": 1 if sms else 0,
        "smsAppId": sms.get("app_id", ""),
        "smsContent": sms.get("content", ""),
        "smsNum": int(row["sms_sent"]),
        "cost": format_amount(int(row["cost"])),
        "currency": row["currency"],
    }
