"""Every operation the contract documents (REFERENCE.md's endpoint tables), by product, method and path.

The API answers every one of them with HTTP 200 and its product's envelope (WIRE.md rule 1): a built operation
through its route, one that is not offered (yet) through :func:`switchboard.api.fallback.not_found_handler`,
which authenticates with the product's table and answers its "not offered" code. Real routes always win: the
fallback only runs when routing found no route, so building an operation needs no change here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from switchboard.errors import Product


@dataclass(frozen=True)
class Operation:
    ref: str  # the contract's number: S2, V14, A3, C12, O5, E1, N1, G1
    product: Product
    methods: tuple[str, ...]
    path: str  # under the Onbuka prefix; {id} marks a path parameter
    mirrored: bool = True  # also served under the mirror prefix (/sms, /voice, /aivoice, /otp)


def _ops(ref: str, product: Product, methods: str, *paths: str, mirrored: bool = True) -> list[Operation]:
    split = tuple(methods.split(","))
    if len(paths) == 1:
        return [Operation(ref, product, split, paths[0], mirrored)]
    return [Operation(f"{ref}.{n}", product, split, p, mirrored) for n, p in enumerate(paths, 1)]


SMS, VOICE, AI, CC = Product.SMS, Product.VOICE, Product.AIVOICE, Product.CC

OPERATIONS: tuple[Operation, ...] = (
    *_ops("S1", SMS, "GET", "/v3/getBalance"),
    *_ops("S2", SMS, "GET,POST", "/v3/sendSms"),
    *_ops("S3", SMS, "GET", "/v3/getReport"),
    *_ops("S4", SMS, "GET", "/v3/getSentRcd"),
    *_ops("S6", SMS, "POST", "/v3/sendSms/batch"),
    *_ops("S8", SMS, "POST", "/v3/postback/backfill"),
    *_ops("S9", SMS, "POST", "/v3/recordMo"),
    *_ops("O1", SMS, "POST", "/v3/otp/verification/send"),
    *_ops("O2", SMS, "POST", "/v3/otp/verification/sendRule"),
    *_ops("O3", SMS, "POST", "/v3/otp/verification/verify"),
    *_ops("O4", SMS, "POST", "/v3/otp/verification/resend"),
    *_ops("O5", SMS, "GET", "/v3/otp/verification/record/{id}"),
    *_ops("O6", SMS, "GET", "/v3/otp/verification/orderId/record"),
    *_ops("O7", SMS, "POST", "/v3/otp/app/add", "/v3/otp/app/update/{id}"),
    *_ops("O8", SMS, "GET", "/v3/otp/app/details/{id}"),
    *_ops("O9", SMS, "POST", "/v3/otp/template/add", "/v3/otp/template/update/{id}"),
    *_ops("O10", SMS, "GET", "/v3/otp/template/details/{id}", "/v3/otp/template/list"),
    *_ops("O11", SMS, "POST", "/v3/otp/flow/add", "/v3/otp/flow/update/{id}"),
    *_ops("O12", SMS, "GET", "/v3/otp/flow/details/{id}", "/v3/otp/flow/list"),
    *_ops("O13", SMS, "POST", "/v3/otp/backfillRate"),
    *_ops("V1", VOICE, "POST", "/v3/voice/fileUpload"),
    *_ops("V2", VOICE, "POST", "/v3/voice/sipAdd"),
    *_ops("V3", VOICE, "POST", "/v3/voice/sipQuery"),
    *_ops("V4", VOICE, "POST", "/v3/voice/sipReset"),
    *_ops("V5", VOICE, "POST", "/v3/voice/fileQuery"),
    *_ops("V6", VOICE, "POST", "/v3/voice/sendGroup"),
    *_ops("V7", VOICE, "POST", "/v3/voice/sendCode"),
    *_ops("V8", VOICE, "POST", "/v3/voice/sendSip"),
    *_ops("V9", VOICE, "GET", "/v3/voice/recordSip/{id}"),
    *_ops("V10", VOICE, "POST", "/v3/voice/recordSipQuery"),
    *_ops("V11", VOICE, "GET", "/v3/voice/recordGroup/{id}"),
    *_ops("V12", VOICE, "POST", "/v3/voice/recordGroupQuery"),
    *_ops("V13", VOICE, "POST", "/v3/voice/fileDel"),
    *_ops("V14", VOICE, "POST", "/v3/voice/group/call/send"),
    *_ops("V15", VOICE, "POST", "/v3/voice/group/call/query"),
    *_ops("V16", VOICE, "GET", "/v3/voice/group/call/detail/{id}"),
    *_ops("V17", VOICE, "POST", "/v3/voice/group/call/update"),
    *_ops("V18", VOICE, "POST", "/v3/voice/group/call/resend"),
    *_ops("V19", VOICE, "POST", "/v3/voice/group/call/provisional"),
    *_ops("V20", VOICE, "POST", "/v3/voice/group/call/resend/ai"),
    *_ops("V21", VOICE, "POST", "/v3/voice/ccRecordQuery"),
    *_ops("V22", VOICE, "GET", "/v3/voice/getVoiceFile"),
    # REFERENCE.md 3.2: the "AI Agent" group-call extension (Onbuka prefix presumed /v3/voice).
    *_ops(
        "G1",
        VOICE,
        "POST",
        "/v3/voice/group/call/send/agent",
        "/v3/voice/group/call/cancel",
        "/v3/voice/recallFlow/update",
        "/v3/voice/recallFlow/cancel",
    ),
    *_ops(
        "A",
        AI,
        "POST",
        "/v3/AiVoice/dialogFlowList",
        "/v3/AiVoice/channelList",
        "/v3/AiVoice/taskAdd",
        "/v3/AiVoice/taskEdit",
        "/v3/AiVoice/properties",
        "/v3/AiVoice/importCustomer",
        "/v3/AiVoice/importCustomer/del",
        "/v3/AiVoice/taskStart",
        "/v3/AiVoice/taskStop",
        "/v3/AiVoice/taskDel",
        "/v3/AiVoice/taskList",
        "/v3/AiVoice/taskNoCall",
        "/v3/AiVoice/recordQuery",
    ),
    *_ops(
        "C",
        CC,
        "POST",
        "/v3/cc/seatGroup/addGroup",
        "/v3/cc/seatGroup/query",
        "/v3/cc/seatGroup/updateGroup",
        "/v3/cc/seatGroup/upload",
        "/v3/cc/seatGroup/basicSetting",
        "/v3/cc/teamleader/add",
        "/v3/cc/teamleader/query",
        "/v3/cc/teamleader/update",
        "/v3/cc/teamleader/batchUpdateStatus",
        "/v3/cc/seat/addSeatList",
        "/v3/cc/seat/query",
        "/v3/cc/seat/updateSeat",
        "/v3/cc/seat/batchingSeat",
        "/v3/cc/seat/updatePriority",
        "/v3/cc/record/query",
        "/v3/cc/sipTrunk/add",
        "/v3/cc/sipTrunk/query",
        "/v3/cc/sipTrunk/update",
        "/v3/cc/preview/upload",
        "/v3/cc/preview/submitTask",
        "/v3/cc/preview/resendTask",
        "/v3/cc/preview/query",
        "/v3/cc/preview/agent/editTask",
        mirrored=False,
    ),
    *_ops(
        "C.get",
        CC,
        "GET",
        "/v3/cc/seatGroup/deleteGroup",
        "/v3/cc/seatGroup/basicSettingResp",
        mirrored=False,
    ),
    # REFERENCE.md 6: the email paths of the vendor's SDK (the SMS table answers for them).
    *_ops(
        "E",
        SMS,
        "POST",
        "/v3/email/sendEmail",
        "/v3/email/batchSendEmail",
        "/v3/email/getSendEmailRcd",
        "/v3/email/getListEmailTemplates",
        "/v3/email/getListReceivers",
        "/v3/email/getListEmailAddress",
        mirrored=False,
    ),
    # REFERENCE.md 5: the number product (mirror prefix only; the SMS table answers for it).
    *_ops(
        "N",
        SMS,
        "POST",
        "/number/queryPage",
        "/number/edit",
        "/number/record/queryPage",
        "/number/pns/queryBindPage",
        "/number/editNumberPool",
        mirrored=False,
    ),
)

# Onbuka prefix -> mirror prefix (api/README.md), longest first.
MIRRORS: tuple[tuple[str, str], ...] = (
    ("/v3/AiVoice/", "/aivoice/"),
    ("/v3/voice/", "/voice/"),
    ("/v3/otp/", "/otp/"),
    ("/v3/", "/sms/"),
)

# Where the API answers in its envelope even when no route matches (every other path may 404).
API_PREFIXES: tuple[str, ...] = ("/v3/", "/sms/", "/voice/", "/aivoice/", "/otp/", "/number/")


def paths_of(op: Operation) -> list[str]:
    """The operation's path under its Onbuka prefix and, when mirrored, under the mirror prefix."""
    paths = [op.path]
    if op.mirrored:
        for onbuka, mirror in MIRRORS:
            if op.path.startswith(onbuka):
                paths.append(mirror + op.path[len(onbuka) :])
                break
    return paths


@cache
def _patterns() -> tuple[tuple[re.Pattern[str], Operation], ...]:
    found = []
    for op in OPERATIONS:
        for path in paths_of(op):
            pattern = re.escape(path.lower()).replace(re.escape("{id}"), "[^/]+")
            found.append((re.compile(pattern + "/?"), op))
    return tuple(found)


def documented(path: str) -> Operation | None:
    """The documented operation a request path names (any letter case, path parameters filled), or None."""
    lowered = path.lower()
    return next((op for pattern, op in _patterns() if pattern.fullmatch(lowered)), None)
