"""The SMPP ceiling: how fast submit_sm go from a client to the SMSC sink on loopback, without any platform.

``python -m bench.smpp_ceiling`` (a JSON spec on stdin, one JSON result line on stdout), in its own process:

- ``smpp34``: the bare library, ``binds`` smpp34 clients (transceivers) each keeping ``window`` submit_sm
  outstanding (``window`` senders per bind, each sending a message's parts one after the other), reading the
  receipts the SMSC sends back;
- ``connector``: Switchboard's own ``SmppConnector`` (what the dispatch worker uses), configured like the bench's
  carrier (``binds`` x ``window``), fed by as many concurrent ``submit()`` calls as the dispatcher would keep.

With ``system_id``/``password`` in the spec the smpp34 client binds with them: the "smpp-in" scenario points
it at Switchboard's own SMPP server instead of the sink. With ``pipeline_parts`` a message's parts are all
sent before their answers are awaited (Switchboard's server answers the parts of a long message once the last
one has arrived, so a client awaiting each part in turn would stall).

Both send the bench's message mix (GSM, Unicode, two-part GSM), asking for receipts (registered_delivery 1), to
distinct numbers, for ``warmup`` + ``seconds``; messages and submit_sm answered inside the measured window count.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import smpp34

from bench.messages import MESSAGE_MIX, NumberSource
from switchboard.connectors.sms.base import InboundSms, OutboundSms, Receipt, SubmitError
from switchboard.connectors.sms.smpp import SmppConfig, SmppConnector
from switchboard.connectors.sms.smpp_pdus import SubmitPart, submit_parts


@dataclass
class Window:
    measure_from: float
    end: float
    messages: int = 0
    parts: int = 0
    errors: int = 0
    receipts: int = 0
    statuses: dict[str, int] = field(default_factory=dict)  # refusals of submit_sm (status name) -> count

    def done(self, parts: int) -> None:
        if self.measure_from <= time.perf_counter() <= self.end:
            self.messages += 1
            self.parts += parts


def message_stream(seed: int) -> tuple[itertools.cycle[str], NumberSource]:
    return itertools.cycle(MESSAGE_MIX), NumberSource(random.Random(seed))


async def submit_part(smsc: smpp34.Smsc, number: str, part: SubmitPart, window: Window) -> bool:
    """One submit_sm; False (and counted) when refused."""
    try:
        response = await smsc.submit_sm(
            number,
            part.short_message,
            source_addr="SWITCHBOARD",
            source_addr_ton=5,
            dest_addr_ton=1,
            dest_addr_npi=1,
            esm_class=part.esm_class,
            registered_delivery=1,
            data_coding=part.data_coding,
        )
    except smpp34.SmppError as exc:  # a refusal (the platform's SMPP server may throttle or refuse)
        window.statuses[str(exc)] = window.statuses.get(str(exc), 0) + 1
        window.errors += 1
        return False
    if response.command_status != 0:
        window.errors += 1
        return False
    return True


async def run_smpp34(spec: dict[str, Any], window: Window) -> None:
    sessions: list[tuple[smpp34.Client, smpp34.Smsc]] = []
    for index in range(spec["binds"]):
        client = smpp34.Client(
            "127.0.0.1",
            spec["port"],
            spec.get("system_id", f"ceil{index}"),
            spec.get("password", "pw"),
            bind_type="TRX",
            window_size=spec["window"],
            inbound_capacity=65536,
        )
        sessions.append((client, await client.connect()))
    texts, numbers = message_stream(spec.get("seed", 1))
    references = itertools.count()

    async def read(smsc: smpp34.Smsc) -> None:
        while True:
            event = await smsc.next()
            if isinstance(event, smpp34.Disconnected):
                return
            window.receipts += 1

    async def send(smsc: smpp34.Smsc) -> None:
        while time.perf_counter() < window.end:
            parts: list[SubmitPart] = submit_parts(next(texts), next(references))
            number = numbers.take(1)[0]
            if spec.get("pipeline_parts"):  # every part sent before any answer is awaited, as smpplib does
                sent = await asyncio.gather(*(submit_part(smsc, number, part, window) for part in parts))
            else:
                sent = [await submit_part(smsc, number, part, window) for part in parts]
            if all(sent):
                window.done(len(parts))

    readers = [asyncio.ensure_future(read(smsc)) for _client, smsc in sessions]
    await asyncio.gather(*(send(smsc) for _client, smsc in sessions for _ in range(spec["window"])))
    for _client, smsc in sessions:
        await asyncio.wait_for(smsc.unbind(), 5)
    for client, _smsc in sessions:
        await client.stop()
    for reader in readers:
        reader.cancel()
    await asyncio.gather(*readers, return_exceptions=True)
    await asyncio.sleep(0.1)  # smpp34 finishes tearing sessions down after its futures resolve


class CountingEvents:
    def __init__(self, window: Window) -> None:
        self.window = window

    async def receipt(self, receipt: Receipt) -> None:
        self.window.receipts += 1

    async def inbound(self, message: InboundSms) -> None:
        return None


async def run_connector(spec: dict[str, Any], window: Window) -> None:
    config = SmppConfig(
        name="ceiling",
        host="127.0.0.1",
        port=spec["port"],
        system_id="ceiling",
        password="pw",  # noqa: S106 (the test SMSC checks no password)
        binds=spec["binds"],
        window=spec["window"],
    )
    connector = SmppConnector(config)
    await connector.start(CountingEvents(window))
    if not await connector.wait_bound(10):
        raise RuntimeError("the connector did not bind within 10 s")
    texts, numbers = message_stream(spec.get("seed", 2))
    ids = itertools.count()

    async def send() -> None:
        while time.perf_counter() < window.end:
            text = next(texts)
            message = OutboundSms(f"m{next(ids)}", numbers.take(1)[0], "SWITCHBOARD", text)
            try:
                accepted = await connector.submit(message)
            except SubmitError:
                window.errors += 1
                continue
            window.done(len(accepted.carrier_msg_ids))

    await asyncio.gather(*(send() for _ in range(spec["senders"])))
    await connector.stop()
    await asyncio.sleep(0.1)


async def measure(spec: dict[str, Any]) -> dict[str, Any]:
    now, wall = time.perf_counter(), time.time()
    window = Window(measure_from=now + spec["warmup"], end=now + spec["warmup"] + spec["seconds"])
    cpu: dict[str, float] = {}

    async def sample() -> None:
        await asyncio.sleep(max(0.0, window.measure_from - time.perf_counter()))
        cpu["start"] = time.process_time()
        await asyncio.sleep(max(0.0, window.end - time.perf_counter()))
        cpu["end"] = time.process_time()

    sampler = asyncio.ensure_future(sample())
    runner = run_smpp34 if spec["mode"] == "smpp34" else run_connector
    await runner(spec, window)
    await sampler
    seconds = spec["seconds"]
    return {
        "mode": spec["mode"],
        "binds": spec["binds"],
        "window": spec["window"],
        "window_s": seconds,
        "window_start": wall + spec["warmup"],
        "messages": window.messages,
        "submit_sm": window.parts,
        "messages_per_s": window.messages / seconds,
        "submit_sm_per_s": window.parts / seconds,
        "errors": window.errors,
        "refused": dict(window.statuses),
        "receipts_read": window.receipts,
        "client_cpu_pct": 100 * (cpu.get("end", 0.0) - cpu.get("start", 0.0)) / seconds,
    }


def main() -> None:
    spec = json.loads(sys.stdin.read())
    spec.setdefault("senders", spec["binds"] * spec["window"] * 4)
    print(json.dumps(asyncio.run(measure(spec))))


if __name__ == "__main__":
    main()
