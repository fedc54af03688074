"""Peers of the bridged-call tests: baresip as the phone (registers with digest auth, auto-answers, sends a 440 Hz
sine, dumps what it hears to a WAV with its sndfile module), SIPp as the carrier/callee (answers and plays a 1000 Hz tone made with
sox, hangs up itself or waits for our BYE), and the analysis of the captured audio."""

from __future__ import annotations

import array
import asyncio
import contextlib
import shutil
import subprocess
import wave
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.voice.sipp import (
    ANSWER,
    RECV_ACK_SAVING_DIALOG,
    RECV_BYE_AND_OK,
    RECV_INVITE,
    RECV_INVITE_SAVING_CONTACT,
    SCENARIOS,
    request,
    response,
)
from tests.voice.test_relay import decode_to_raw, power

Address = tuple[str, int]
PLAY = '<nop><action><exec rtp_stream="tone1000.ul,-1,0"/></action></nop>\n'  # in SIPp's folder (tone_file)

SCENARIOS["tone_then_bye"] = (
    RECV_INVITE_SAVING_CONTACT
    + ANSWER
    + RECV_ACK_SAVING_DIALOG
    + PLAY
    + '<pause milliseconds="3000"/>\n'
    + request("BYE")
    + '<recv response="200"/>\n'
)
SCENARIOS["tone_until_bye"] = RECV_INVITE + ANSWER + '<recv request="ACK" crlf="true"/>\n' + PLAY + RECV_BYE_AND_OK
SCENARIOS["ring_then_cancel"] = (
    RECV_INVITE
    + response(180, "Ringing")
    + '<recv request="CANCEL"/>\n'
    + response(200, "OK")
    + response(487, "Request Terminated", cseq="CSeq: 1 INVITE")
    + '<recv request="ACK"/>\n'
)


def tone_file(folder: Path, frequency: int = 1000, seconds: int = 10) -> Path:
    """Raw 8 kHz mu-law (what SIPp's rtp_stream plays as payload type 0)."""
    path = folder / f"tone{frequency}.ul"
    subprocess.run(
        ["sox", "-n", "-r", "8000", "-c", "1", "-e", "u-law", "-t", "raw", str(path), "synth", str(seconds)]
        + ["sine", str(frequency)],
        check=True,
    )
    return path


class Baresip:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.process: asyncio.subprocess.Process | None = None

    @property
    def heard(self) -> Path:
        """What baresip decoded from the call (its sndfile module's dump of the received stream)."""
        found = sorted(self.folder.glob("*-dec.wav"))
        assert found, f"baresip wrote no received audio: {sorted(p.name for p in self.folder.iterdir())}"
        return found[-1]

    @property
    def log(self) -> str:
        path = self.folder / "baresip.log"
        return path.read_text(errors="replace") if path.exists() else ""

    async def hang_up(self) -> None:
        """SIGTERM: baresip ends its calls (BYE) and unregisters."""
        if self.process is not None and self.process.returncode is None:
            self.process.terminate()
            try:
                await asyncio.wait_for(self.process.wait(), 5)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()


@contextlib.asynccontextmanager
async def baresip_phone(
    folder: Path, account: str, password: str, target: Address, *, answer: str = "auto", dial: str | None = None
) -> AsyncIterator[Baresip]:
    """baresip registered as ``account``; with ``dial`` it calls that number at start (its menu's /dial)."""
    if shutil.which("baresip") is None:
        pytest.skip("baresip (Debian package baresip-core) is not installed")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config").write_text(
        "sip_listen 127.0.0.1:0\nmodule_path /usr/lib/baresip/modules\nmodule g711.so\nmodule ausine.so\n"
        "module aubridge.so\nmodule sndfile.so\nmodule_app account.so\nmodule_app menu.so\naudio_source ausine,440\n"
        f"ausrc_srate 48000\nausrc_channels 2\naudio_player aubridge,heard\nsnd_path {folder}\n"
    )
    (folder / "accounts").write_text(
        f"<sip:{account}@{target[0]}:{target[1]};transport=udp>;auth_pass={password};regint=120;"
        f"answermode={answer};audio_codecs=PCMA,PCMU\n"
    )
    phone = Baresip(folder)
    with (folder / "baresip.log").open("wb") as log:
        phone.process = await asyncio.create_subprocess_exec(
            "baresip",
            "-s",
            "-f",
            str(folder),
            *(["-e", f"/dial {dial}"] if dial else []),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            yield phone
        finally:
            await phone.hang_up()


def wav_samples(path: Path) -> tuple[list[int], int]:
    with wave.open(str(path)) as source:
        assert source.getsampwidth() == 2
        frames = source.readframes(source.getnframes())
        channels, rate = source.getnchannels(), source.getframerate()
    samples = array.array("h", frames)
    return list(samples[::channels]), rate


def recording_samples(path: Path, tmp: Path) -> list[int]:
    if path.suffix == ".wav":
        return wav_samples(path)[0]
    raw = tmp / "decoded.raw"
    decode_to_raw(path, raw)
    return list(array.array("h", raw.read_bytes()))


def has_tone(samples: list[int], frequency: float, rate: int = 8000) -> bool:
    """The tone stands out of the window's noise (compared with an unrelated frequency)."""
    if rate != 8000:  # the Goertzel helper assumes 8 kHz: resample by picking samples
        step = rate / 8000
        samples = [samples[int(i * step)] for i in range(int(len(samples) / step))]
    window = samples[: 8000 * 4]
    return power(window, frequency) > 1e9 and power(window, frequency) > 50 * power(window, 2500)
