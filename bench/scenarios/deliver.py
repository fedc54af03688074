"""deliver: Switchboard end to end through SMPP: HTTP accept -> submit_sm_resp -> receipt -> report push.

First the SMPP ceiling on loopback against the same SMSC sink: the bare smpp34 client (1 bind, window 10) and
Switchboard's SmppConnector configured like the carrier (2 binds x window 10). Then, per backend, a fresh SMSC
sink and push receiver, Switchboard with an SMPP carrier pointing at the sink (sqlite: ``serve``; postgres: 2
``api`` + 2 dispatch workers + 1 callbacks/scheduler worker on PostgreSQL and Redis), and the load generator
of "accept" (single-number, then 1000-number POSTs; the message mix) followed by a bounded drain. Rates through
the SMSC and to the final state are shown as ratios of both SMPP ceilings.
"""

from __future__ import annotations

from bench.burst import burst_measurement, run_burst
from bench.delivery import Harness, ceiling_measurement, measure, running_harness, smpp_ceiling
from bench.errors import BenchError
from bench.sbdelivery import BINDS, WINDOW, running_delivery_switchboard
from bench.scenarios.base import Context

CEILING_MAX_S = 5.0
QUICK_DRAIN_S = 3.0
DRAIN_S = 12.0
BURST, QUICK_BURST = 3000, 1000  # single-number requests of a burst (the size of the usual Jasmin figure)
BURST_WAIT_S, QUICK_BURST_WAIT_S = 20.0, 5.0  # how long after its last answer the sink is waited for


def drain_limit(ctx: Context) -> float:
    return QUICK_DRAIN_S if ctx.config.quick else DRAIN_S


def burst_size(ctx: Context) -> tuple[int, float]:
    return (QUICK_BURST, QUICK_BURST_WAIT_S) if ctx.config.quick else (BURST, BURST_WAIT_S)


def smpp_ceilings(ctx: Context, scenario: str, harness: Harness) -> dict[str, float]:
    """Measure (and record) both SMPP ceilings against ``harness``'s sink; {name: messages/s}."""
    seconds = min(ctx.config.seconds, CEILING_MAX_S)
    ceilings: dict[str, float] = {}
    for name, mode, binds in (("smpp34", "smpp34", 1), ("connector", "connector", BINDS)):
        ctx.step(f"{scenario}: SMPP ceiling, {name} ({binds} x window {WINDOW}), {seconds:g}s")
        try:
            result = smpp_ceiling(harness, mode, binds=binds, window=WINDOW, seconds=seconds)
        except BenchError as exc:
            ctx.fail(f"{scenario}/ceiling/{name}", exc)
            continue
        backend = "smpp34 raw" if mode == "smpp34" else "SmppConnector"
        ctx.record(ceiling_measurement(scenario, backend, result))
        ceilings[name] = result["messages_per_s"]
    return ceilings


def deliver_switchboard(
    ctx: Context, scenario: str, backend: str, modes: tuple[str, ...], ceilings: dict[str, float]
) -> None:
    """Run the given modes (single, batch) through Switchboard on ``backend`` with a fresh harness."""
    cfg = ctx.config
    ctx.step(f"{scenario}: starting switchboard on {backend} with an SMPP carrier")
    try:
        with running_harness(f"{scenario}-{backend}") as harness, running_delivery_switchboard(backend, harness) as sut:
            single_rate = 0.0
            for mode in modes:
                if mode == "burst":
                    count, wait = burst_size(ctx)
                    ctx.step(f"{scenario}: {backend}, a burst of {count:,} single-number POSTs")
                    ctx.record(burst_measurement(scenario, sut, run_burst(sut, harness, count, cfg.connections, wait)))
                    continue
                batch = cfg.batch_size if mode == "batch" else 1
                rate = single_rate / 2 if mode == "half" else 0.0
                if mode == "half" and not rate:
                    continue
                shape = f"at {rate:,.0f} req/s (half the single-number rate)" if rate else "as fast as accepted"
                ctx.step(
                    f"{scenario}: {backend}, {mode} POSTs {shape}, {cfg.connections} connections, {cfg.seconds:g}s"
                )
                try:
                    measurement = measure(
                        ctx,
                        scenario,
                        sut,
                        harness,
                        mode,
                        batch,
                        ceilings=ceilings,
                        drain_limit=drain_limit(ctx),
                        rate=rate,
                    )
                except BenchError as exc:
                    ctx.fail(f"{scenario}/{backend}/{mode}", exc)
                    continue
                if mode == "single":
                    single_rate = measurement.result.rps if measurement.result else 0.0
                ctx.record(measurement)
    except BenchError as exc:
        ctx.fail(f"{scenario}/{backend}", exc)


class DeliverScenario:
    name = "deliver"
    description = "end to end through SMPP: accept -> SMSC -> receipt -> push, vs the SMPP ceiling"

    def run(self, ctx: Context) -> None:
        ctx.step("deliver: SMSC sink for the SMPP ceiling")
        try:
            with running_harness("ceiling") as harness:
                ceilings = smpp_ceilings(ctx, self.name, harness)
        except BenchError as exc:
            ctx.fail("deliver/ceiling", exc)
            ceilings = {}
        for backend in ctx.config.backends:
            deliver_switchboard(ctx, self.name, backend, ("burst", "single", "half", "batch"), ceilings)
