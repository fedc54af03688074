"""jasmin: the same delivery measurement through Jasmin 0.11.0 (PyPI), and Switchboard / Jasmin ratios.

Jasmin runs from its own cached virtualenv with RabbitMQ and the local Redis (see ``bench.jasmin``), configured
through jCli to deliver to a separate SMSC sink. The load generator sends the same message mix as "deliver",
but one number per request to Jasmin's HTTP ``/send`` (it has no multi-number request), asking for a terminal
DLR (level 2) POSTed to the push receiver. Its figures are compared with Switchboard's single-number "deliver"
runs of the same bench run (measured here when "deliver" did not run).

Then Jasmin 0.11.1 (its own virtualenv, a fresh sink) without DLRs ("no DLR"): that release fails in its
submit_sm_resp handler, so it loses every DLR, and skips a RabbitMQ round trip on which 0.11.0 waits ~40 ms per
message. It is the release behind the ~540 msg/s quoted for Jasmin on this machine, measured here as the
reference of the end-to-end target: the "end to end" block divides Switchboard's burst and sustained to-SMSC
rates of this run (single-number and 1000-number requests, with receipts and pushes) by its own.

Each Jasmin instance first gets a burst (bench/burst.py) on its empty queue, then the sustained load.
"""

from __future__ import annotations

from typing import Any

from bench.burst import burst_measurement, run_burst
from bench.delivery import SMSC_PASSWORD, SMSC_SYSTEM_ID, System, measure, running_harness
from bench.errors import BenchError
from bench.jasmin import (
    DLR_RETRY_DELAY_S,
    REFERENCE_VERSION,
    USER,
    USER_PASSWORD,
    VERSION,
    log_summary,
    running_jasmin,
)
from bench.results import Extra, Measurement, Ratio
from bench.sbserver import Target
from bench.scenarios.base import Context
from bench.scenarios.deliver import burst_size, deliver_switchboard, drain_limit, smpp_ceilings

BIND_TIMEOUT_S = 30.0
MEASURED_BY = ("deliver", "jasmin", "kannel")  # scenarios that record Switchboard's delivery runs and ceilings


def ceilings_of(ctx: Context) -> dict[str, float]:
    names = {"smpp34 raw": "smpp34", "SmppConnector": "connector"}
    return {
        names[m.backend]: float(m.data["messages_per_s"])
        for m in ctx.measurements
        if m.scenario in MEASURED_BY and m.backend in names and "messages_per_s" in m.data
    }


def switchboard_runs(ctx: Context) -> dict[str, Measurement]:
    return {
        m.backend: m
        for m in ctx.measurements
        if m.scenario in MEASURED_BY and m.mode == "single" and m.backend in ctx.config.backends
    }


def _fmt(value: float | None, unit: str = "") -> str:
    if value is None:
        return "n/a"
    return f"{value:,.0f}{unit}" if value >= 10 else f"{value:.1f}{unit}"


def _figures(m: Measurement) -> dict[str, float | None]:
    d: dict[str, Any] = m.data
    cpu = d.get("cpu_pct") or {}
    rss = d.get("peak_rss_mib") or {}
    return {
        "accepted": m.result.numbers_per_s if m.result is not None else None,
        "smsc": d.get("smsc_msg_per_s"),
        "pushes": d.get("pushes_per_s"),
        "receipt_push_p50": d.get("receipt_push_p50_ms"),
        "receipt_push_p99": d.get("receipt_push_p99_ms"),
        "accept_push_p50": d.get("accept_push_p50_ms"),
        "cpu": sum(v or 0.0 for k, v in cpu.items() if k not in ("smsc", "receiver")) or None,
        "rss": sum(v or 0.0 for k, v in rss.items() if k != "smsc") or None,
    }


def references(ctx: Context, scenario: str) -> dict[str, float]:
    """The SMPP ceilings and Switchboard's single-number delivery runs a peer's figures are compared with: those
    of this bench run, measured here (under ``scenario``) when "deliver" did not run."""
    ceilings = ceilings_of(ctx)
    if not ceilings:
        ctx.step(f"{scenario}: SMSC sink for the SMPP ceiling (deliver did not run)")
        try:
            with running_harness("ceiling") as harness:
                ceilings = smpp_ceilings(ctx, scenario, harness)
        except BenchError as exc:
            ctx.fail(f"{scenario}/ceiling", exc)
    if not switchboard_runs(ctx):
        for backend in ctx.config.backends:
            deliver_switchboard(ctx, scenario, backend, ("burst", "single"), ceilings)
    return ceilings


def end_to_end(
    ctx: Context, reference: str = f"jasmin {REFERENCE_VERSION}", peer: str = "jasmin"
) -> Measurement | None:
    """Switchboard's end-to-end rates (with receipts and pushes) over a peer's (``reference``: its backend name in
    the table), for a burst and sustained."""
    bursts = {
        m.backend: float(m.data["burst_msg_per_s"])
        for m in ctx.measurements
        if m.data.get("burst_msg_per_s") is not None and m.scenario in MEASURED_BY
    }
    sustained = {
        f"{m.backend}{'' if m.mode in ('single', 'no DLR') else ' x' + str(m.batch)}": float(m.data["smsc_msg_per_s"])
        for m in ctx.measurements
        if m.scenario in MEASURED_BY
        and m.mode in ("single", "batch", "no DLR")
        and m.data.get("smsc_msg_per_s") is not None
        and (m.backend in ctx.config.backends or m.backend.startswith(reference))
    }
    extra = []
    for metric, figures in (
        (f"burst of {burst_size(ctx)[0]:,}: end to end msg/s", bursts),
        ("sustained: to SMSC msg/s", sustained),
    ):
        ref = next((v for k, v in figures.items() if k.startswith(reference)), None)
        shown = " · ".join(f"{name} {_fmt(v)}" for name, v in figures.items())
        ratios: tuple[Ratio, ...] = tuple(
            (v / ref, f"{name}/{reference}")
            for name, v in figures.items()
            if ref and not name.startswith(("jasmin", "kannel"))
        )
        if figures:
            extra.append(Extra(metric, ref, shown, ratios))
    return Measurement(peer, f"end to end vs {peer}", "", 1, None, extra=extra) if extra else None


def comparison(peer: Measurement, switchboard: dict[str, Measurement], name: str = "jasmin") -> Measurement:
    """Rows of Switchboard's and a peer gateway's figures side by side, with Switchboard / peer ratios."""
    rows = (
        ("HTTP accepted msg/s", "accepted", ""),
        ("to SMSC msg/s", "smsc", ""),
        ("report/DLR pushes/s", "pushes", ""),
        ("SMSC receipt->push p50 ms (lower is better)", "receipt_push_p50", ""),
        ("SMSC receipt->push p99 ms (lower is better)", "receipt_push_p99", ""),
        ("accept->push p50 ms (lower is better)", "accept_push_p50", ""),
        ("CPU % in the window (gateway + broker)", "cpu", "%"),
        ("peak RSS MiB (gateway processes)", "rss", ""),
    )
    theirs = _figures(peer)
    ours = {backend: _figures(m) for backend, m in switchboard.items()}
    extra = []
    for metric, key, unit in rows:
        jv = theirs[key]
        shown = " · ".join(f"{b} {_fmt(v[key], unit)}" for b, v in ours.items()) + f" · {name} {_fmt(jv, unit)}"
        ratios: tuple[Ratio, ...] = tuple(
            (float(v[key] or 0.0) / jv, f"{b}/{name}") for b, v in ours.items() if v[key] is not None and jv
        )
        extra.append(Extra(metric, jv, shown, ratios))
    return Measurement(name, f"switchboard vs {name}", "single", 1, None, extra=extra)


class JasminScenario:
    name = "jasmin"
    description = (
        f"Jasmin {VERSION} with DLRs and {REFERENCE_VERSION} without (PyPI) through the same SMSC sink, vs Switchboard"
    )

    def run(self, ctx: Context) -> None:
        ceilings = references(ctx, self.name)
        ctx.step(f"jasmin: starting Jasmin {VERSION} (virtualenv bench/.cache/jasmin-venv, RabbitMQ, Redis)")
        try:
            burst, measurement = self._measure(ctx, ceilings)
        except BenchError as exc:
            ctx.fail("jasmin", exc)
        else:
            ctx.record(burst)
            ctx.record(measurement)
            runs = switchboard_runs(ctx)
            if runs:
                ctx.record(comparison(measurement, runs))
        ctx.step(f"jasmin: starting Jasmin {REFERENCE_VERSION}, the reference without DLRs (its own virtualenv)")
        try:
            reference_burst, reference = self._measure(ctx, ceilings, version=REFERENCE_VERSION)
        except BenchError as exc:
            ctx.fail(f"jasmin {REFERENCE_VERSION}", exc)
        else:
            ctx.record(reference_burst)
            ctx.record(reference)
        block = end_to_end(ctx)
        if block is not None:
            ctx.record(block)

    def _measure(
        self, ctx: Context, ceilings: dict[str, float], version: str = VERSION
    ) -> tuple[Measurement, Measurement]:
        """Jasmin ``version`` under single-number /send, a burst and then the sustained load: with terminal DLRs
        POSTed to the receiver (VERSION), or without DLRs (REFERENCE_VERSION, which loses them)."""
        with_dlr = version == VERSION
        with (
            running_harness(f"jasmin-{version}") as harness,
            running_jasmin(harness.smsc_port, SMSC_SYSTEM_ID, SMSC_PASSWORD, version) as j,
        ):
            harness.wait_sessions(1, BIND_TIMEOUT_S, what="jasmin smppc connector", log=j.process.log)
            target = Target(j.http_url, USER, USER_PASSWORD, "", j.process.pid, {})
            params = {"dlr": "yes", "dlr-url": f"{harness.receiver_url}/dlr", "dlr-level": "2", "dlr-method": "POST"}
            dlr = f"level 2 (terminal) POSTed to the receiver; dlr_lookup_retry_delay {DLR_RETRY_DELAY_S} s"
            notes = {
                "version": f"jasmin=={version} (PyPI), jasmind.py with DLR lookup and thrower",
                "api": "HTTP /send, one number per request (no multi-number request in Jasmin)",
                "rabbitmq": j.broker,
                "redis": "local 127.0.0.1:6379 (db 0: Jasmin selects dbid only with a password)",
                "dlr": dlr if with_dlr else "none requested (this release loses DLRs)",
                "connector": "smppc transceiver, submit_throughput 0 (no throttle)",
            }
            system = System(
                backend=f"jasmin {version}",
                target=target,
                processes={"jasmind": j.process.pid},
                api="jasmin",
                path="/send",
                params=params if with_dlr else {},
                shared_cpu={"rabbitmq": j.broker_pids},
                notes=notes,
            )
            mode = "single" if with_dlr else "no DLR"
            what = "single-number /send" + ("" if with_dlr else " without DLRs")
            count, wait = burst_size(ctx)
            ctx.step(f"jasmin: {version}, a burst of {count:,} {what}")
            burst = burst_measurement(
                self.name, system, run_burst(system, harness, count, ctx.config.connections, wait)
            )
            ctx.step(f"jasmin: {version}, {what}, {ctx.config.connections} connections, {ctx.config.seconds:g}s")
            measurement = measure(
                ctx, self.name, system, harness, mode, 1, ceilings=ceilings, drain_limit=drain_limit(ctx)
            )
            errors, first, misses = log_summary(j.log_dir)
            measurement.data |= {"log_errors": errors, "log_error_samples": first, "dlr_map_misses": misses}
            if with_dlr:
                shown = f"{misses:,} (looked up again after {DLR_RETRY_DELAY_S}s)"
                measurement.extra.append(Extra("DLR looked up before its map existed", misses, shown))
                if errors > misses:
                    ctx.warn(f"jasmin logs hold {errors} ERROR lines; first: {' | '.join(first)}")
            else:
                measurement.extra.append(
                    Extra("ERROR lines in its logs (the submit_sm_resp bug)", errors, f"{errors:,}")
                )
            return burst, measurement
