"""A carrier's OPTIONS keep-alive to the trunk's SIP port (outside any call) is answered 200, not 481 (SIPp)."""

from __future__ import annotations

from pathlib import Path

import pytest

from switchboard.connectors.voice.transport import SipEndpoint
from tests.voice.registrar_peers import run_sipp_client

pytestmark = pytest.mark.integration

OPTIONS = """<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="register">
<send retrans="500"><![CDATA[
OPTIONS sip:[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:carrier@[local_ip]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 OPTIONS
Max-Forwards: 70
Content-Length: 0

]]></send>
<recv response="200"/>
</scenario>
"""


async def test_the_trunk_port_answers_options(tmp_path: Path) -> None:
    endpoint = await SipEndpoint.open("127.0.0.1")
    try:
        await run_sipp_client(tmp_path, OPTIONS, endpoint.address)
    finally:
        endpoint.close()
    assert endpoint.counters["unknown"] == 0
