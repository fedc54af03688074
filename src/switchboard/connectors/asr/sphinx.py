"""The offline default engine: CMU pocketsphinx with the English model its wheel ships.

The model is trained on 16 kHz audio, so telephone audio (8 kHz) is upsampled by linear interpolation
before decoding; decoding runs against a JSGF grammar of the flow's phrases, each whole, with an optional
lead-in ("i", "i am") and tail ("please", "thanks", "thank you"). A free loop of words was tried and is far
less accurate (the commonest short words absorb everything). Phrases with a word the dictionary lacks are
left out.
"""

from __future__ import annotations

import array
import threading
from typing import Any

from switchboard.connectors.asr.base import AsrError, Hypothesis
from switchboard.domain.aivoice.flow import normalise

LEAD_INS = ("i", "i am")
TAILS = ("please", "thanks", "thank you")
# Where each streamed utterance starts its live cepstral mean: the mean the decoder reached over the tuning
# set (services/aivoice/heldout.py: 8 kHz mu-law telephone audio). Each stream also resets the decoder's
# feature state, so a call's words do not depend on what its pooled decoder decoded before (they did; with
# sox's dither in the synthesised audio, see personas.render, the held-out accuracy moved between 80 and 86%).
CMN_START = "48.33,-3.49,-2.55,11.33,-5.65,2.79,-11.72,-10.68,-12.34,3.81,-5.54,-2.88,-1.83"


def upsample(pcm8k: bytes) -> bytes:
    """8 kHz to 16 kHz 16-bit mono: each sample followed by the mean of it and the next."""
    src = array.array("h", pcm8k[: len(pcm8k) // 2 * 2])
    if not src:
        return b""
    out = array.array("h", bytes(4 * len(src)))
    last = len(src) - 1
    for i, sample in enumerate(src):
        out[2 * i] = sample
        out[2 * i + 1] = (sample + src[min(i + 1, last)]) // 2
    return out.tobytes()


class SphinxRecogniser:
    def __init__(self, phrases: list[str]) -> None:
        try:
            from pocketsphinx import Decoder
        except ImportError as exc:  # pragma: no cover - a dependency of the package
            raise AsrError("pocketsphinx is not installed") from exc
        self._decoder_class = Decoder
        first = self._make()
        lookup = first.lookup_word
        wanted = sorted({" ".join(normalise(p)) for p in phrases} - {""})
        known = [p for p in wanted if all(lookup(w) is not None for w in p.split())]
        if not known:
            raise AsrError("no phrase of the flow is in the recogniser's dictionary")
        grammar = (
            "#JSGF V1.0; grammar flow; public <utt> = [<lead>] <phrase> [<tail>] ;"
            f" <lead> = {' | '.join(LEAD_INS)} ; <tail> = {' | '.join(TAILS)} ;"
            f" <phrase> = {' | '.join(known)} ;"
        )
        self._grammar = grammar
        self.vocabulary = tuple(known)
        self._lock = threading.Lock()
        self._free = [self._prepare(first)]

    def _make(self) -> Any:
        return self._decoder_class(samprate=16000, lm=None, loglevel="FATAL")

    def _prepare(self, decoder: Any) -> Any:
        decoder.add_jsgf_string("flow", self._grammar)
        decoder.activate_search("flow")
        return decoder

    def warm(self, decoders: int) -> None:
        """Build decoders up front (each loads the acoustic model: about a second), one per concurrent call."""
        while len(self._free) < decoders:
            decoder = self._prepare(self._make())
            with self._lock:
                self._free.append(decoder)

    def _acquire(self) -> Any:
        """A decoder of the pool (one more is built when every decoder is busy: calls decode in parallel)."""
        with self._lock:
            if self._free:
                return self._free.pop()
        return self._prepare(self._make())

    def _release(self, decoder: Any) -> None:
        with self._lock:
            self._free.append(decoder)

    def recognise(self, pcm8k: bytes) -> Hypothesis:
        audio = upsample(pcm8k)
        if not audio:
            return Hypothesis("")
        decoder = self._acquire()
        try:
            decoder.start_utt()
            decoder.process_raw(audio, full_utt=True)
            decoder.end_utt()
            hyp = decoder.hyp()
        finally:
            self._release(decoder)
        return Hypothesis(hyp.hypstr, hyp.score) if hyp is not None else Hypothesis("")

    def stream(self) -> SphinxStream:
        return SphinxStream(self)


class SphinxStream:
    """An utterance decoded as it arrives: audio is passed to the decoder in chunks of ``CHUNK`` bytes."""

    CHUNK = 3200  # 200 ms of 8 kHz audio: fewer, larger calls into the decoder

    def __init__(self, owner: SphinxRecogniser) -> None:
        self._owner = owner
        self._decoder: Any = None
        self._pending = b""

    def feed(self, pcm8k: bytes) -> None:
        self._pending += pcm8k
        if len(self._pending) >= self.CHUNK:
            self._push()

    def _push(self) -> None:
        chunk, self._pending = self._pending, b""
        if not chunk:
            return
        if self._decoder is None:
            self._decoder = self._owner._acquire()
            self._decoder.reinit_feat()  # the running mean and its frame counts of earlier calls go
            self._decoder.set_cmn(CMN_START)
            self._decoder.start_utt()
        self._decoder.process_raw(upsample(chunk), full_utt=False)

    def finish(self) -> Hypothesis:
        self._push()
        decoder, self._decoder = self._decoder, None
        if decoder is None:
            return Hypothesis("")
        try:
            decoder.end_utt()
            hyp = decoder.hyp()
        finally:
            self._owner._release(decoder)
        return Hypothesis(hyp.hypstr, hyp.score) if hyp is not None else Hypothesis("")
