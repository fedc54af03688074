"""Sensitive words: case-insensitive substring matching with Aho-Corasick (works for CJK, no word bounds)."""

from __future__ import annotations

from collections.abc import Iterable

import ahocorasick


class WordMatcher:
    def __init__(self, words: Iterable[str]) -> None:
        self._automaton = ahocorasick.Automaton()
        count = 0
        for word in {w.strip().casefold() for w in words if w.strip()}:
            self._automaton.add_word(word, word)
            count += 1
        self._empty = count == 0
        if not self._empty:
            self._automaton.make_automaton()

    def first_match(self, text: str) -> str | None:
        """The first sensitive word found in ``text``, or None."""
        if self._empty:
            return None
        for _end, word in self._automaton.iter(text.casefold()):
            return str(word)
        return None
