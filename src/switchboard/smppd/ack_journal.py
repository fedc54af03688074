"""A local, append-only journal of the deliver_sm (receipts, inbound SMS) a client acknowledged.

The session writes a row's id here the moment it reads the client's deliver_sm_resp (one ``write(2)``, no
await in between), before the database records the row as sent. A process killed in between leaves the line
in the file: the kernel already holds it, so only losing the machine loses it. The next server on this node
marks every journaled row sent before it delivers anything, so an acknowledged receipt is not sent again.
Each receipts round ends by recording the journal's rows in the database and emptying the file.

What no journal can close: a client that handled a deliver_sm whose response had not reached this process
when it died. That receipt is sent again after the restart (SMPP has no way to ask the client).
"""

from __future__ import annotations

import os
from pathlib import Path


class AckJournal:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None
        self.written: list[str] = []  # this process's lines since the file was last emptied

    def open(self) -> list[str]:
        """Open for appending; the ids an earlier process journaled and did not clear."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        earlier = self.read()
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        return earlier

    def read(self) -> list[str]:
        try:
            text = self.path.read_text(encoding="ascii", errors="replace")
        except FileNotFoundError:
            return []
        # a line cut by the kill has no newline: the row is sent again, as without a journal
        return [line for line in text.split("\n")[:-1] if line]

    def record(self, msg_id: str) -> None:
        if self._fd is not None:
            os.write(self._fd, f"{msg_id}\n".encode("ascii", "replace"))
            self.written.append(msg_id)

    def clear(self) -> None:
        """Empty the file once the database holds everything journaled."""
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
        self.written.clear()

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
