"""smpp-in: SMPP in -> SMPP out, through Switchboard's customer-facing SMPP server.

Per backend, a fresh SMSC sink and Switchboard delivering to it (``bench.sbdelivery``: ``serve`` on SQLite,
the production layout plus one ``smpp-server`` on PostgreSQL + Redis) with its SMPP server on. In the same run
and against the same sink, first the SMPP library's loopback ceiling: the bare smpp34 client (1 bind, window
10, a message's parts pipelined) straight to the sink. Then the same client, same message mix (GSM, Unicode,
two-part GSM with UDH, each asking for a receipt), binds as an ESME to Switchboard's SMPP server instead:
submit_sm/s it answered, what reached the sink per second over the same window (the sink's counters),
receipts that came back to the ESME as deliver_sm, and each as a share of the ceiling; next to them the HTTP
single-number figure of "deliver" when it ran for that backend.
"""

from __future__ import annotations

from bench.delivery import ceiling_measurement, running_harness, smpp_ceiling
from bench.errors import BenchError
from bench.procs import free_port
from bench.results import Extra, Measurement
from bench.sbdelivery import SMPP_IN, WINDOW, running_delivery_switchboard
from bench.scenarios.base import Context
from bench.smsc_sink import count_at

CEILING_MAX_S = 5.0
SCENARIO = "smpp-in"


def _http_single(ctx: Context, backend: str) -> float | None:
    """This run's "deliver" single-number rate to the SMSC for ``backend``, if that scenario ran."""
    for m in ctx.measurements:
        if m.scenario == "deliver" and m.backend == backend and m.mode == "single":
            for extra in m.extra:
                if extra.metric.startswith("to SMSC msg/s"):
                    return extra.value
    return None


def _measurement(
    ctx: Context, backend: str, result: dict[str, float], sink: float, ceiling: float | None
) -> Measurement:
    accepted = result["messages_per_s"]
    refs = {"smpp34": ceiling} if ceiling else {}
    http = _http_single(ctx, backend)
    if http:
        refs["http single"] = http

    def ratios(value: float) -> tuple[tuple[float, str], ...]:
        return tuple((value / ref, name) for name, ref in refs.items() if ref)

    seconds = result["window_s"]
    receipts = result["receipts_read"] / seconds
    cpu = f"{result['client_cpu_pct']:.0f}% / {result.get('smsc_cpu_pct', 0):.0f}%"
    extra = [
        Extra(
            "submit_sm accepted msg/s (ESME)",
            accepted,
            f"{accepted:,.0f} ({result['submit_sm_per_s']:,.0f} submit_sm/s)",
            ratios(accepted),
        ),
        Extra("to SMSC msg/s (sink)", sink, f"{sink:,.0f}", ratios(sink)),
        Extra("receipts back to the ESME /s", receipts, f"{receipts:,.0f}"),
        Extra("errors (submit_sm_resp not OK)", result["errors"], f"{result['errors']:,}"),
        Extra("CPU ESME / smsc", result["client_cpu_pct"], cpu),
    ]
    if http:
        extra.append(Extra("HTTP single-number to SMSC msg/s (deliver)", http, f"{http:,.0f}"))
    mode = f"smpp34 ESME, 1 bind x window {WINDOW}"
    return Measurement(SCENARIO, backend, mode, 1, None, extra=extra, data=result)


class SmppInScenario:
    name = SCENARIO
    description = "SMPP in -> SMSC: submit_sm/s taken by Switchboard's SMPP server from an ESME, vs the smpp34 ceiling"

    def run(self, ctx: Context) -> None:
        seconds = ctx.config.seconds
        for backend in ctx.config.backends:
            try:
                self._backend(ctx, backend, seconds)
            except BenchError as exc:
                ctx.fail(f"{SCENARIO}/{backend}", exc)

    def _backend(self, ctx: Context, backend: str, seconds: float) -> None:
        with running_harness(f"{SCENARIO}-{backend}") as harness:
            ceiling_s = min(seconds, CEILING_MAX_S)
            ctx.step(f"{SCENARIO}: SMPP ceiling, smpp34 (1 x window {WINDOW}), {ceiling_s:g}s")
            ceiling = smpp_ceiling(harness, "smpp34", binds=1, window=WINDOW, seconds=ceiling_s, pipeline_parts=True)
            ctx.record(ceiling_measurement(SCENARIO, "smpp34 raw", ceiling))
            port = free_port()
            ctx.step(f"{SCENARIO}: starting switchboard on {backend} with its SMPP server and an SMPP carrier")
            with running_delivery_switchboard(backend, harness, smpp_port=port):
                ctx.step(f"{SCENARIO}: {backend}, smpp34 ESME -> switchboard -> sink, {seconds:g}s")
                result = smpp_ceiling(
                    harness,
                    "smpp34",
                    binds=1,
                    window=WINDOW,
                    seconds=seconds,
                    port=port,
                    credentials=SMPP_IN,
                    pipeline_parts=True,
                )
                start = result["window_start"]
                samples = harness.samples()
                sink = (count_at(samples, "messages", start + seconds) - count_at(samples, "messages", start)) / seconds
                ctx.record(_measurement(ctx, backend, result, sink, ceiling["messages_per_s"]))
