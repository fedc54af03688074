"""A CarrierEvents that records what a connector reports, and can be told to fail."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from switchboard.connectors.sms.base import InboundSms, Receipt


class RecordingEvents:
    def __init__(self) -> None:
        self.receipts: list[Receipt] = []
        self.messages: list[InboundSms] = []  # inbound SMS
        self.fail_next = 0  # the next N callbacks raise before recording anything
        self.calls = 0
        self._changed = asyncio.Event()

    async def receipt(self, receipt: Receipt) -> None:
        self._called()
        self.receipts.append(receipt)
        self._changed.set()

    async def inbound(self, message: InboundSms) -> None:
        self._called()
        self.messages.append(message)
        self._changed.set()

    async def wait_until(self, condition: Callable[[], bool], timeout: float = 5.0) -> None:
        """Return once ``condition()`` holds; TimeoutError after ``timeout`` seconds."""
        async with asyncio.timeout(timeout):
            while not condition():
                self._changed.clear()
                await self._changed.wait()

    async def wait_receipts(self, count: int, timeout: float = 5.0) -> list[Receipt]:
        await self.wait_until(lambda: len(self.receipts) >= count, timeout)
        return self.receipts

    async def wait_messages(self, count: int, timeout: float = 5.0) -> list[InboundSms]:
        await self.wait_until(lambda: len(self.messages) >= count, timeout)
        return self.messages

    def _called(self) -> None:
        self.calls += 1
        self._changed.set()
        if self.fail_next:
            self.fail_next -= 1
            raise RuntimeError("callback failure (test)")
