"""Audio files (fileUpload V1, fileQuery V5, fileDel V13) and the conversion of audio to 8 kHz mu-law.

Conversion: WAV (and MP3 where sox has its MP3 format) goes through ``sox``; MP3 and M4A otherwise through
``ffmpeg`` when it is installed, else through PyAV (the FFmpeg libraries packaged on PyPI). The result is
raw 8 kHz mono mu-law, stored as ``<data_dir>/audio/<fileId>.ul``: calls stream it without decoding.

Codes: name or content missing -51; name not 5-32 characters -22; a name the account already uses -20;
more than ``MAX_FILES`` files -23; not base64, not .mp3/.m4a/.wav, undecodable, empty or longer than
``MAX_SECONDS`` -21. fileDel (uploaded files and recordings of bridged calls): no ids -50; more than 100 -23;
an id that is neither an uploaded file's nor a recording's -49; an unknown (or another account's) file or
recording -48; nothing is deleted unless every id is deletable. A deleted file's audio stays until no queued
call needs it; a deleted recording's file goes at once.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import io
import math
import os
import re
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from switchboard.auth.authenticate import Principal
from switchboard.domain.voice import g711
from switchboard.domain.voice.validation import voice_error
from switchboard.services.context import Services
from switchboard.services.recordings import Recordings
from switchboard.store import recordings as recording_store
from switchboard.store import tenants
from switchboard.store import voice as store

FORMATS = ("mp3", "m4a", "wav")
MAX_FILES = 1000
MAX_SECONDS = 600
MAX_DELETE = 100
CONVERT_TIMEOUT = 60.0
FILE_ID = re.compile(r"^\d{6}[0-9a-f]{32}\.(mp3|m4a|wav)$")
SAMPLE_RATE = 8000


class AudioError(Exception):
    """The audio could not be decoded or converted."""


def audio_dir(services: Services) -> Path:
    return services.settings.data_dir / "audio"


@dataclass(frozen=True)
class Converted:
    ulaw: bytes

    @property
    def duration_ms(self) -> int:
        return len(self.ulaw) * 1000 // SAMPLE_RATE


async def run(*command: str, data: bytes, timeout: float = CONVERT_TIMEOUT) -> bytes:
    """Run a converter with ``data`` on stdin; its stdout, or AudioError with its complaint."""
    try:
        process = await asyncio.create_subprocess_exec(
            *command, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
        )
    except OSError as exc:
        raise AudioError(f"{command[0]} cannot run: {exc}") from exc
    try:
        out, err = await asyncio.wait_for(process.communicate(data), timeout)
    except TimeoutError as exc:
        process.kill()
        await process.wait()
        raise AudioError(f"{command[0]} took over {timeout:.0f} s") from exc
    if process.returncode != 0:
        raise AudioError(err.decode("utf-8", "replace").strip()[:200] or f"{command[0]} failed")
    return out


_sox_formats: set[str] | None = None


async def sox_formats() -> set[str]:
    global _sox_formats
    if _sox_formats is None:
        try:
            help_text = (await run("sox", "-h", data=b"", timeout=10)).decode("utf-8", "replace")
        except AudioError:
            help_text = ""
        line = next((ln for ln in help_text.splitlines() if ln.startswith("AUDIO FILE FORMATS:")), "")
        _sox_formats = set(line.split(":", 1)[-1].split())
    return _sox_formats


def _decode_with_av(data: bytes) -> bytes:
    import av

    pcm = bytearray()
    try:
        with av.open(io.BytesIO(data), mode="r") as container:
            if not container.streams.audio:
                raise AudioError("no audio stream")
            resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
            for frame in container.decode(container.streams.audio[0]):
                for out in resampler.resample(frame):
                    pcm += bytes(out.planes[0])[: out.samples * 2]
            for out in resampler.resample(None):
                pcm += bytes(out.planes[0])[: out.samples * 2]
    except AudioError:
        raise
    except Exception as exc:  # PyAV raises its own FFmpeg error tree; all mean "cannot decode"
        raise AudioError(f"cannot decode: {exc}") from exc
    return g711.pcm16_to_ulaw(bytes(pcm))


async def to_ulaw(data: bytes, fmt: str) -> Converted:
    """Decode ``data`` (an .mp3, .m4a or .wav file) to 8 kHz mono mu-law."""
    if fmt in await sox_formats():
        out = await run("sox", "-V1", "-t", fmt, "-", "-t", "ul", "-r", str(SAMPLE_RATE), "-c", "1", "-", data=data)
    elif shutil.which("ffmpeg"):
        out = await run(
            "ffmpeg",
            "-v",
            "error",
            "-i",
            "pipe:0",
            "-ar",
            str(SAMPLE_RATE),
            "-ac",
            "1",
            "-f",
            "mulaw",
            "pipe:1",
            data=data,
        )
    else:
        out = await asyncio.to_thread(_decode_with_av, data)
    if not out:
        raise AudioError("no audio")
    return Converted(out)


def write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(path.suffix + f".{secrets.token_hex(4)}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)


class AudioFiles:
    def __init__(self, services: Services) -> None:
        self.s = services

    def path(self, file_id: str) -> Path:
        return audio_dir(self.s) / f"{file_id}.ul"

    async def upload(self, principal: Principal, name: str | None, content: str | None) -> str:
        if not name or not content:
            raise voice_error(-51)
        if not 5 <= len(name) <= 32:
            raise voice_error(-22, "fileName is 5-32 characters")
        fmt = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        if fmt not in FORMATS:
            raise voice_error(-21, "the file must be .mp3, .m4a or .wav")
        if "," in content[:100] and content[:5].lower() == "data:":
            content = content.split(",", 1)[1]  # a data: URL
        try:
            data = base64.b64decode(content, validate=False)
        except (binascii.Error, ValueError) as exc:
            raise voice_error(-21, "file is not base64") from exc
        account_id = principal.account.id
        async with self.s.db.read() as conn:
            if await store.name_taken(conn, account_id, name):
                raise voice_error(-20, "a file with this name exists")
            if await store.count_files(conn, account_id) >= MAX_FILES:
                raise voice_error(-23, f"at most {MAX_FILES} files per account")
        try:
            converted = await to_ulaw(data, fmt)
        except AudioError as exc:
            raise voice_error(-21, f"audio: {exc}") from exc
        if converted.duration_ms > MAX_SECONDS * 1000:
            raise voice_error(-21, f"audio is longer than {MAX_SECONDS} s")
        now = self.s.clock.now()
        file_id = f"{now:%y%m%d}{secrets.token_hex(16)}.{fmt}"
        path = self.path(file_id)
        await asyncio.to_thread(write_atomically, path, converted.ulaw)
        try:
            async with self.s.db.write() as conn:
                await tenants.get_account(conn, account_id, for_update=True)  # one upload per account at a time
                if await store.name_taken(conn, account_id, name):
                    raise voice_error(-20, "a file with this name exists")
                await store.insert_file(
                    conn,
                    file_id=file_id,
                    account_id=account_id,
                    name=name,
                    format=fmt,
                    duration_ms=converted.duration_ms,
                    size=len(converted.ulaw),
                    created_at=now,
                )
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return file_id

    async def query(self, principal: Principal, current: int | None, size: int | None) -> dict[str, Any]:
        current, size = current or 1, size or 25
        if current < 1 or not 1 <= size <= 100:
            raise voice_error(-22, "current >= 1 and size 1-100")
        async with self.s.db.read() as conn:
            total, rows = await store.page_files(conn, principal.account.id, offset=(current - 1) * size, limit=size)
        records = [
            {
                "fileId": r["file_id"],
                "fileName": r["name"],
                "duration": math.ceil(r["duration_ms"] / 1000),
                "createTime": r["created_at"].isoformat(timespec="seconds"),
            }
            for r in rows
        ]
        pages = math.ceil(total / size)
        return {
            "total": total,
            "size": size,
            "current": current,
            "pages": pages,
            "searchCount": True,
            "records": records,
        }

    async def delete(self, principal: Principal, raw: Any) -> None:
        if isinstance(raw, str):
            raw = [item.strip() for item in raw.split(",") if item.strip()]
        if raw is None or raw == []:
            raise voice_error(-50)
        if not isinstance(raw, list):
            raise voice_error(-22, "fileIdList must be a list")
        if len(raw) > MAX_DELETE:
            raise voice_error(-23, f"at most {MAX_DELETE} ids")
        recordings = Recordings(self.s)
        if not all(
            isinstance(i, str) and (FILE_ID.match(i.strip()) or recordings.is_recording(i.strip())) for i in raw
        ):
            raise voice_error(-49, "not the id of an uploaded audio file or a recording")
        ids = list(dict.fromkeys(i.strip() for i in raw))
        recorded = [i for i in ids if recordings.is_recording(i)]
        uploaded = [i for i in ids if not recordings.is_recording(i)]
        account_id, now = principal.account.id, self.s.clock.now()
        async with self.s.db.write() as conn:
            for file_id in uploaded:
                if await store.get_file(conn, file_id, account_id) is None:
                    raise voice_error(-48, file_id)
            unknown = await recordings.missing(conn, recorded, account_id)
            if unknown is not None:
                raise voice_error(-48, unknown)
            await store.mark_deleted(conn, uploaded, account_id, now)
            await recording_store.mark_deleted(conn, recorded, account_id, now)
        recordings.remove_files(recorded)

    async def prune(self) -> int:
        """Remove the audio of deleted files that no queued call needs any more."""
        async with self.s.db.write() as conn:
            ids = await store.unused_deleted_files(conn)
            if ids:
                await store.purge_files(conn, ids)
        for file_id in ids:
            self.path(file_id).unlink(missing_ok=True)
        return len(ids)
