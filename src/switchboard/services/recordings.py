"""Recordings of bridged calls: stored under ``<data_dir>/recordings/<fileId>`` (MP3, else WAV), read back with
V22 ``getVoiceFile`` by the owning account only, deleted with V13 ``fileDel`` and by retention.

A recording's id is the call's voiceId and 16 random hex digits with the format's suffix, so ids cannot be
guessed from voiceIds; another account's id, an unknown one and a deleted one all answer -24 (not exist).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from switchboard.auth.authenticate import Principal
from switchboard.domain.voice.validation import voice_error
from switchboard.services.context import Services
from switchboard.store import recordings as store

RECORDING_ID = re.compile(r"^\d{19,20}[0-9a-f]{16}\.(mp3|wav)$")
MEDIA_TYPES = {"mp3": "audio/mpeg", "wav": "audio/wav"}
PRUNE_BATCH = 500


def recordings_dir(services: Services) -> Path:
    return services.settings.data_dir / "recordings"


def new_name(voice_id: str) -> str:
    """The stem of a new recording (the recorder adds ``.mp3`` or ``.wav``)."""
    return f"{voice_id}{secrets.token_hex(8)}"


@dataclass(frozen=True)
class RecordingFile:
    path: Path
    file_id: str
    media_type: str


class Recordings:
    def __init__(self, services: Services) -> None:
        self.s = services

    def path(self, file_id: str) -> Path:
        return recordings_dir(self.s) / file_id

    async def keep(self, path: Path, row: dict[str, Any]) -> str:
        """Register a finished recording of the call ``row``; answers its id."""
        file_id = path.name
        async with self.s.db.write() as conn:
            await store.insert_recording(
                conn,
                file_id=file_id,
                account_id=row["account_id"],
                app_id=row["app_id"],
                voice_id=row["voice_id"],
                format=path.suffix.lstrip("."),
                size=path.stat().st_size,
                created_at=self.s.clock.now(),
            )
        return file_id

    async def open(self, principal: Principal, raw: Any) -> RecordingFile:
        """V22: the account's recording (-22 no or malformed id, -24 unknown, another account's or deleted)."""
        file_id = raw.strip() if isinstance(raw, str) else ""
        if not file_id:
            raise voice_error(-22, "voiceFileId is required")
        if not RECORDING_ID.match(file_id):
            raise voice_error(-24, "no such recording")
        async with self.s.db.read() as conn:
            found = await store.get_recording(conn, file_id, principal.account.id)
        path = self.path(file_id)
        if found is None or not path.is_file():
            raise voice_error(-24, "no such recording")
        return RecordingFile(path, file_id, MEDIA_TYPES[found["format"]])

    @staticmethod
    def is_recording(file_id: str) -> bool:
        return bool(RECORDING_ID.match(file_id.strip()))

    async def missing(self, conn: Any, ids: list[str], account_id: int) -> str | None:
        """The first id that is not a live recording of the account (fileDel checks every id first)."""
        for file_id in ids:
            if await store.get_recording(conn, file_id, account_id) is None:
                return file_id
        return None

    def remove_files(self, ids: list[str]) -> None:
        for file_id in ids:
            self.path(file_id).unlink(missing_ok=True)

    async def prune(self, before: datetime, *, batch: int = PRUNE_BATCH) -> int:
        """Retention: recordings made before ``before`` are deleted (row marked, file removed)."""
        removed = 0
        while True:
            async with self.s.db.write() as conn:
                ids = await store.older_than(conn, before, batch)
                if ids:
                    await store.mark_deleted(conn, ids, None, self.s.clock.now())
            self.remove_files(ids)
            removed += len(ids)
            if len(ids) < batch:
                return removed
