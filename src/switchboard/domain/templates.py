"""SMS templates: approved texts with ``{placeholders}`` that a message's content must match.

A placeholder (``{code}``, ``{name}``) stands for one or more characters; everything else must match
exactly (case and spaces included). ``{{`` and ``}}`` are literal braces.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]{0,31})\}")


@lru_cache(maxsize=4096)
def compile_template(template: str) -> re.Pattern[str]:
    parts: list[str] = []
    position = 0
    for match in PLACEHOLDER.finditer(template):
        parts.append(re.escape(template[position : match.start()]))
        token = match.group(0)
        parts.append(re.escape(token[0]) if token in ("{{", "}}") else r"(.+?)")
        position = match.end()
    parts.append(re.escape(template[position:]))
    return re.compile("".join(parts), re.DOTALL)


def placeholders(template: str) -> list[str]:
    return [m.group(1) for m in PLACEHOLDER.finditer(template) if m.group(1)]


def matches_any(content: str, templates: Iterable[str]) -> bool:
    return any(compile_template(t).fullmatch(content) for t in templates)


def render(template: str, values: dict[str, str]) -> str:
    """Fill a template's placeholders (used for OTP texts and the CLI's per-row variables)."""

    def substitute(match: re.Match[str]) -> str:
        token = match.group(0)
        if token in ("{{", "}}"):
            return token[0]
        return values.get(match.group(1), token)

    return PLACEHOLDER.sub(substitute, template)
