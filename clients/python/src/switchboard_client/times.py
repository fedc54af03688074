"""Time values on the wire: ISO-8601 with a numeric offset (``2021-02-12T09:30:03+08:00``)."""

from __future__ import annotations

from datetime import UTC, datetime

TimeArg = datetime | str


def format_time(value: TimeArg, name: str = "time") -> str:
    """A request time: a tz-aware ``datetime`` becomes ISO-8601 with its offset (whole seconds); a ``str`` is
    sent as given. A naive ``datetime`` is refused: the server cannot know which zone it meant."""
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"{name} must be a timezone-aware datetime (e.g. datetime.now(UTC)), got {value!r}")
        return value.isoformat(timespec="seconds")
    if isinstance(value, str):
        return value
    raise TypeError(f"{name} must be a datetime or a str, not {type(value).__name__}")


def parse_time(value: object) -> datetime | None:
    """A response time (ISO-8601, ``Z`` or an offset; a space instead of ``T`` is fine). Empty, missing or
    unreadable: ``None``. A time without an offset is taken as UTC."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def from_millis(value: object) -> datetime | None:
    """A Unix time in milliseconds (number or digit string), as an aware UTC ``datetime``."""
    try:
        millis = int(str(value))
    except (TypeError, ValueError):
        return None
    return datetime.fromtimestamp(millis / 1000, tz=UTC)
