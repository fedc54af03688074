"""``UNSET``: the default of optional parameters, distinct from ``None``.

* ``UNSET`` (the default) means "not given": the field is left out of the request, or the client's
  configured default is used (``app_id``).
* ``None`` is a value: it is sent as JSON ``null`` (the API treats ``null`` and ``""`` as "not given", so for
  the SMS endpoints the effect is the same; the difference matters for the generic
  :meth:`~switchboard_client.Client.request`, where ``None`` is sent and ``UNSET`` is dropped).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Any, Final, Literal, TypeAlias


class _Unset(Enum):
    UNSET = "UNSET"

    def __repr__(self) -> str:
        return "UNSET"

    __str__ = __repr__

    def __bool__(self) -> bool:
        return False


UNSET: Final = _Unset.UNSET
Unset: TypeAlias = Literal[_Unset.UNSET]


def drop_unset(values: Mapping[str, Any]) -> dict[str, Any]:
    """``values`` without the keys whose value is ``UNSET`` (recursively into nested mappings)."""
    return {
        key: drop_unset(value) if isinstance(value, Mapping) else value
        for key, value in values.items()
        if value is not UNSET
    }
