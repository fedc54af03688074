"""What the load generator sends: a rotating message mix and distinct Indian mobile numbers."""

from __future__ import annotations

import random

GSM_TEXT = "Your Switchboard code is 482913. It expires in 10 minutes; do not share it with anyone."
UNICODE_TEXT = "【Switchboard】您的验证码是482913，10分钟内有效。请勿将验证码泄露给他人，如非本人操作请忽略本短信。"
_SENTENCE = "Dear customer, your order 55012 has shipped and will arrive within 3 working days. "
MULTIPART_GSM_TEXT = (_SENTENCE * 4)[:300].rsplit(" ", 1)[0]  # about 300 GSM characters: two segments

MESSAGE_MIX: tuple[str, ...] = (GSM_TEXT, UNICODE_TEXT, MULTIPART_GSM_TEXT)

_SPACE = 10**9  # nine free digits after "919"
_STRIDE = 7_919  # prime, coprime to 10**9: the walk visits every number once


class NumberSource:
    """Distinct numbers "919" + 9 digits (possible Indian mobiles), from a random start, never repeating."""

    def __init__(self, rng: random.Random) -> None:
        self._next = rng.randrange(_SPACE)

    def take(self, count: int) -> list[str]:
        start = self._next
        self._next = (start + count * _STRIDE) % _SPACE
        return [f"919{(start + i * _STRIDE) % _SPACE:09d}" for i in range(count)]
