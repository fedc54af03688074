"""The robot's words as audio, rendered once per text: the next prompt must not wait for espeak-ng.

A flow's prompts without ``${variables}`` are rendered when the flow is loaded (``preload``); a prompt with
variables is rendered on its first use and kept (the least recently used are dropped past ``limit``).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable

from switchboard.domain.aivoice.flow import Flow
from switchboard.services.aivoice.personas import render


class Prompts:
    def __init__(self, limit: int = 512, tts: Callable[[str], bytes] = render) -> None:
        self._limit = limit
        self._tts = tts
        self._audio: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def audio(self, text: str) -> bytes:
        """8 kHz 16-bit PCM of ``text`` in the robot's voice."""
        with self._lock:
            if text in self._audio:
                self._audio.move_to_end(text)
                return self._audio[text]
        pcm = self._tts(text)
        with self._lock:
            self._audio[text] = pcm
            while len(self._audio) > self._limit:
                self._audio.popitem(last=False)
        return pcm

    def preload(self, flow: Flow) -> int:
        """Render every prompt of the flow that has no variable; answers how many."""
        texts = {node.text for node in flow.nodes.values() if node.kind == "speak" and node.text}
        static = sorted(text for text in texts if "${" not in text)
        for text in static:
            self.audio(text)
        return len(static)
