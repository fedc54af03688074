"""Running SIPp (Debian ``sip-tester``) as the far end: UAS scenarios written here, one process per test."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import socket
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

DTMF_PCAP = Path("/usr/share/sip-tester")
SDP = """v=0
o=user1 53655765 2353687637 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 0 101
a=rtpmap:0 PCMU/8000
a=rtpmap:101 telephone-event/8000
"""


def response(
    code: int, reason: str, *, tag: bool = True, sdp: bool = False, cseq: str = "[last_CSeq:]", extra: str = ""
) -> str:
    to = "[last_To:];tag=[pid]SIPpTag01[call_number]" if tag else "[last_To:]"
    kind = "Content-Type: application/sdp\n" if sdp else ""
    retrans = ' retrans="500"' if code == 200 and sdp else ""
    return (
        f"<send{retrans}><![CDATA[\n"
        f"SIP/2.0 {code} {reason}\n[last_Via:]\n[last_From:]\n{to}\n[last_Call-ID:]\n{cseq}\n"
        f"Contact: <sip:[local_ip]:[local_port];transport=[transport]>\n{extra}{kind}Content-Length: [len]\n\n"
        f"{SDP if sdp else ''}]]></send>\n"
    )


def request(method: str, body: str = "", kind: str = "") -> str:
    """An in-dialog request from SIPp (after our ACK: From is the ACK's To, To its From)."""
    content = f"Content-Type: {kind}\n" if body else ""
    return (
        f'<send retrans="500"><![CDATA[\n{method} [$peer_contact] SIP/2.0\n'
        "Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]\nFrom: [$peer_to]\nTo: [$peer_from]\n"
        f"[last_Call-ID:]\nCSeq: 2 {method}\nMax-Forwards: 70\n{content}Content-Length: [len]\n\n{body}]]></send>\n"
    )


RECV_INVITE = '<recv request="INVITE" crlf="true"/>\n'
RECV_INVITE_SAVING_CONTACT = (
    '<recv request="INVITE" crlf="true"><action>'
    '<ereg regexp="sip:[^>]*" search_in="hdr" header="Contact:" assign_to="peer_contact"/>'
    "</action></recv>\n"
)
RECV_ACK_SAVING_DIALOG = (
    '<recv request="ACK" crlf="true"><action>'
    '<ereg regexp=".*" search_in="hdr" header="To:" assign_to="peer_to"/>'
    '<ereg regexp=".*" search_in="hdr" header="From:" assign_to="peer_from"/>'
    "</action></recv>\n"
)
RECV_BYE_AND_OK = '<recv request="BYE"/>\n' + response(200, "OK", tag=False)
ANSWER = response(180, "Ringing") + '<pause milliseconds="100"/>\n' + response(200, "OK", sdp=True)


def scenario(name: str, body: str) -> str:
    return f'<?xml version="1.0" encoding="ISO-8859-1" ?>\n<scenario name="{name}">\n{body}</scenario>\n'


SCENARIOS = {
    "answer": RECV_INVITE + ANSWER + '<recv request="ACK" crlf="true"/>\n' + RECV_BYE_AND_OK,
    "busy": RECV_INVITE + response(100, "Trying", tag=False) + response(486, "Busy Here") + '<recv request="ACK"/>\n',
    "unavailable": RECV_INVITE
    + response(180, "Ringing")
    + '<pause milliseconds="300"/>\n'
    + response(480, "Temporarily Unavailable")
    + '<recv request="ACK"/>\n',
    "no_answer": RECV_INVITE
    + response(180, "Ringing")
    + '<recv request="CANCEL"/>\n'
    + response(200, "OK")
    + response(487, "Request Terminated", cseq="CSeq: 1 INVITE")
    + '<recv request="ACK"/>\n',
    "hangs_up": RECV_INVITE_SAVING_CONTACT
    + ANSWER
    + RECV_ACK_SAVING_DIALOG
    + '<pause milliseconds="1000"/>\n'
    + request("BYE")
    + '<recv response="200"/>\n',
    "dtmf_rfc2833": RECV_INVITE
    + ANSWER
    + '<recv request="ACK" crlf="true"/>\n'
    + f'<nop><action><exec play_pcap_audio="{DTMF_PCAP}/dtmf_2833_5.pcap"/></action></nop>\n'
    + RECV_BYE_AND_OK,
    "dtmf_info": RECV_INVITE_SAVING_CONTACT
    + ANSWER
    + RECV_ACK_SAVING_DIALOG
    + '<pause milliseconds="300"/>\n'
    + request("INFO", "Signal=3\nDuration=160\n", "application/dtmf-relay")
    + '<recv response="200"/>\n'
    + RECV_BYE_AND_OK,
    "auth": RECV_INVITE
    + response(401, "Unauthorized", extra='WWW-Authenticate: Digest realm="sipp.test", nonce="5c1d9f3e"\n')
    + '<recv request="ACK"/>\n<recv request="INVITE" crlf="true">'
    + '<action><verifyauth assign_to="authvalid" username="alice" password="s3cret"/></action></recv>\n'
    + '<nop hide="true" test="authvalid" next="good"/>\n'
    + response(403, "Forbidden")
    + '<recv request="ACK" next="end"/>\n<label id="good"/>\n'
    + response(200, "OK", sdp=True)
    + '<recv request="ACK" crlf="true"/>\n'
    + RECV_BYE_AND_OK
    + '<label id="end"/>\n',
}


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def free_media_port() -> int:
    """An even port whose next three are free too: SIPp binds audio RTP/RTCP and video RTP/RTCP from it."""
    for _ in range(50):
        port = free_udp_port() & ~1
        probes = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(4)]
        try:
            for offset, probe in enumerate(probes):
                probe.bind(("127.0.0.1", port + offset))
            return port
        except OSError:
            continue
        finally:
            for probe in probes:
                probe.close()
    return free_udp_port()


def require_sipp() -> None:
    if shutil.which("sipp") is None:
        pytest.skip("SIPp (Debian package sip-tester) is not installed")


@contextlib.asynccontextmanager
async def sipp(
    name: str, folder: Path, *, calls: int = 1, echo: bool = True, timeout: int = 30, body: str | None = None
) -> AsyncIterator[int]:
    """A SIPp UAS running ``SCENARIOS[name]`` (or ``body``) for ``calls`` calls on 127.0.0.1; yields its SIP port.

    On exit SIPp must have finished every call of its scenario successfully (its exit code 0)."""
    require_sipp()
    path = folder / f"{name}.xml"
    path.write_text(scenario(name, SCENARIOS[name] if body is None else body))
    port, media = free_udp_port(), free_media_port()
    command = ["sipp", "-sf", str(path), "-i", "127.0.0.1", "-p", str(port), "-m", str(calls), "-mi", "127.0.0.1"]
    command += ["-mp", str(media), "-timeout", f"{timeout}s", "-nostdin", "-trace_err"]
    if echo:
        command.append("-rtp_echo")
    process = await asyncio.create_subprocess_exec(
        *command, cwd=folder, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    await asyncio.sleep(0.3)
    try:
        yield port
        out, err = await asyncio.wait_for(process.communicate(), timeout + 5)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    errors = "\n".join(p.read_text(errors="replace")[-2000:] for p in folder.glob(f"{name}_*_errors.log"))
    assert process.returncode == 0, (
        f"SIPp failed ({process.returncode}): {err.decode(errors='replace')[-500:]}\n{errors}"
    )


SCENARIOS["options"] = '<recv request="OPTIONS"/>\n' + response(200, "OK", tag=False)  # a carrier's keep-alive
