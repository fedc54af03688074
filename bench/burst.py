"""A burst: a fixed number of single-number requests as fast as they are accepted, then the time until the SMSC
sink has answered every message they carried. The end-to-end rate of a burst is the one usually quoted for a
gateway ("3,000 messages reached the SMSC in 5.5 s"); a gateway whose queue stalls once it grows shows a high
burst rate and a low sustained one, so both are measured.

The requests are built by the load generator's own ``Requests`` (same message mix, same numbers, same signing),
sent from this process over ``RawConnection``s.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass

from bench.clients import TRANSPORT_ERRORS, RawConnection
from bench.delivery import Harness, System
from bench.load import LoadSpec
from bench.loadgen import Requests
from bench.results import Extra, Measurement

POLL_S = 0.1


@dataclass
class BurstResult:
    sent: int
    accepted: int  # messages the gateway accepted
    errors: int
    accept_s: float  # first request sent -> last answer
    delivered: int  # messages the sink answered since the burst began
    complete_s: float | None  # first request sent -> the sink's counter reached ``accepted`` (None: not within limit)
    limit_s: float  # how long after the last answer the sink was waited for

    @property
    def accept_rate(self) -> float:
        return self.accepted / self.accept_s if self.accept_s > 0 else 0.0

    @property
    def end_to_end_rate(self) -> float | None:
        """Messages per second from the first request until the SMSC had them all; when the limit ended the wait
        first, what reached the SMSC per second until then."""
        if self.complete_s:
            return self.accepted / self.complete_s
        waited = self.accept_s + self.limit_s
        return self.delivered / waited if waited > 0 else None


async def _send(system: System, count: int, connections: int) -> tuple[int, int, float, float]:
    spec = LoadSpec(
        url=f"{system.target.base_url}{system.path}",
        api_key=system.target.api_key,
        api_secret=system.target.api_secret,
        app_id=system.target.app_id,
        batch=1,
        connections=connections,
        seconds=0,
        warmup=0,
        seed=random.randrange(1 << 30),
        api=system.api,
        params=system.params,
    )
    urls = [f"{url}{system.path}" for url in system.target.urls] or [spec.url]
    left = count
    accepted = errors = 0

    async def one(worker: int) -> None:
        nonlocal left, accepted, errors
        poster = RawConnection(urls[worker % len(urls)], spec.timeout)
        requests = Requests(spec, worker)
        try:
            while left > 0:
                left -= 1
                body, headers = requests.next()
                try:
                    status, answer = await poster.post(body, headers)
                except TRANSPORT_ERRORS:
                    errors += 1
                    continue
                outcome = requests.check(status, answer)
                if isinstance(outcome, str):
                    errors += 1
                else:
                    accepted += outcome[0]
        finally:
            await poster.close()

    started = time.time()
    await asyncio.gather(*(one(i) for i in range(connections)))
    return accepted, errors, started, time.time()


def run_burst(system: System, harness: Harness, count: int, connections: int, limit_s: float) -> BurstResult:
    """Send ``count`` requests through ``system``, then wait (at most ``limit_s``) for the sink to answer them all."""
    base = harness.latest("messages")
    accepted, errors, started, answered = asyncio.run(_send(system, count, connections))
    deadline = answered + limit_s
    while harness.latest("messages") - base < accepted and time.time() < deadline:
        time.sleep(POLL_S)
    complete: float | None = None
    for sample in harness.samples():
        if sample.at >= started and int(sample.counters.get("messages", 0)) - base >= accepted:
            complete = sample.at - started
            break
    delivered = harness.latest("messages") - base
    return BurstResult(count, accepted, errors, answered - started, delivered, complete, limit_s)


def burst_measurement(scenario: str, system: System, result: BurstResult) -> Measurement:
    rate = result.end_to_end_rate or 0.0
    if result.complete_s:
        done = f"{rate:,.0f} ({result.accepted:,} in {result.complete_s:.1f}s)"
    else:
        waited = result.accept_s + result.limit_s
        done = f"{rate:,.0f} (incomplete: {result.delivered:,} of {result.accepted:,} after {waited:.0f}s)"
    extra = [
        Extra(
            "accepted msg/s",
            result.accept_rate,
            f"{result.accept_rate:,.0f} ({result.accepted:,} in {result.accept_s:.1f}s, {result.errors} errors)",
        ),
        Extra("end to end msg/s (all at the SMSC)", result.end_to_end_rate, done),
    ]
    data = {
        "burst_sent": result.sent,
        "burst_accepted": result.accepted,
        "burst_errors": result.errors,
        "burst_accept_s": result.accept_s,
        "burst_complete_s": result.complete_s,
        "burst_delivered": result.delivered,
        "burst_msg_per_s": result.end_to_end_rate,
    }
    return Measurement(scenario, system.backend, f"burst of {result.sent:,}", 1, None, extra=extra, data=data)
