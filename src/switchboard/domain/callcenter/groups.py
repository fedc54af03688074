"""Checking agent-group requests: names (C1/C3) and settings (C7).

| problem | code |
|---|---|
| groupName outside 4-32 characters | -22 |
| callinStrategy not 1-4; a timeout not a whole number in its range | -22 |
| displaySwitch / encryptNumber missing or not 0/1; fsNode not SG_FS, USA_FS, UAE_FS | -22 |
| more than 10 tags, or a tag repeated | -71 |
| a tag empty or over 20 characters | -72 |
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from switchboard.domain.callcenter.rules import cc_error, maybe_text, maybe_whole, text, whole
from switchboard.domain.callcenter.strategies import STRATEGIES

FS_NODES = ("SG_FS", "USA_FS", "UAE_FS")
MAX_TAGS, MAX_TAG = 10, 20
MAX_SECONDS = 3600
GROUP_NAME = (4, 32)


def group_name(params: Mapping[str, Any]) -> str:
    return text(params, "groupName", *GROUP_NAME)


@dataclass(frozen=True)
class GroupSettings:
    strategy: int
    timeout_transfer: int | None
    auto_answer: int | None
    wrap_up: int | None
    timeout_idle: int | None
    timeout_wait: int | None
    ring_file: str | None
    labels: list[str]
    display_switch: int
    encrypt_number: int
    fs_node: str | None


def labels(params: Mapping[str, Any]) -> list[str]:
    """``labelName``: the group's call tags, each once (-71), at most 10 (-71), 1-20 characters (-72)."""
    raw = params.get("labelName")
    if raw in (None, ""):
        return []
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list):
        raise cc_error(-22, "labelName must be a list of texts")
    found: list[str] = []
    for item in raw:
        if not isinstance(item, str) or not 1 <= len(item.strip()) <= MAX_TAG:
            raise cc_error(-72, "a tag is 1-20 characters")
        if item.strip() in found:
            raise cc_error(-71, f"tag {item.strip()!r} given twice")
        found.append(item.strip())
    if len(found) > MAX_TAGS:
        raise cc_error(-71, f"a group has at most {MAX_TAGS} tags")
    return found


def settings(params: Mapping[str, Any], current_strategy: int) -> GroupSettings:
    strategy = maybe_whole(params, "callinStrategy", 1, 4)
    fs_node = maybe_text(params, "fsNode", 16)
    if fs_node is not None and fs_node not in FS_NODES:
        raise cc_error(-22, f"fsNode must be one of {', '.join(FS_NODES)}")
    return GroupSettings(
        strategy=strategy if strategy in STRATEGIES else current_strategy,
        timeout_transfer=maybe_whole(params, "timeoutTransferSec", 1, MAX_SECONDS),
        auto_answer=maybe_whole(params, "callinAutoAnswerSec", 0, MAX_SECONDS),
        wrap_up=maybe_whole(params, "wrapUpTime", 0, MAX_SECONDS),
        timeout_idle=maybe_whole(params, "timeoutIdle", 1, 100),
        timeout_wait=maybe_whole(params, "timeoutWaitSec", 1, MAX_SECONDS),
        ring_file=maybe_text(params, "turnSeatRing", 64),
        labels=labels(params),
        display_switch=whole(params, "displaySwitch", 0, 1),
        encrypt_number=whole(params, "encryptNumber", 0, 1),
        fs_node=fs_node,
    )
