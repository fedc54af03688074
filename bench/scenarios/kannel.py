"""kannel: the same delivery measurement through Kannel (Debian ``kannel``: bearerbox + smsbox), vs Switchboard.

Kannel runs as the operators know it (``bench.kannel``): smsbox's HTTP ``sendsms`` in front of bearerbox, one SMPP
transceiver to a separate SMSC sink with the window of one of Switchboard's binds, DLRs kept in memory. The load
generator sends the same message mix as "deliver", one number per POST (the text as the body, the rest in
``X-Kannel-*`` headers), asking for the terminal DLRs (mask 3), which smsbox fetches from the push receiver's URL.
First a burst on the empty gateway, then the sustained load; then Switchboard / Kannel ratios against this run's
single-number "deliver" runs (measured here when neither "deliver" nor "jasmin" ran), and an end-to-end block.
"""

from __future__ import annotations

from bench import kannel
from bench.burst import burst_measurement, run_burst
from bench.delivery import SMSC_PASSWORD, SMSC_SYSTEM_ID, System, measure, running_harness
from bench.errors import BenchError
from bench.results import Extra, Measurement
from bench.sbserver import Target
from bench.scenarios.base import Context
from bench.scenarios.deliver import burst_size, drain_limit
from bench.scenarios.jasmin import BIND_TIMEOUT_S, comparison, end_to_end, references, switchboard_runs


class KannelScenario:
    name = "kannel"
    description = "Kannel (Debian: bearerbox + smsbox sendsms, DLRs by URL) through the same SMSC sink, vs Switchboard"

    def run(self, ctx: Context) -> None:
        ceilings = references(ctx, self.name)
        version = kannel.version()
        ctx.step(f"kannel: starting Kannel {version} (bearerbox + smsbox)")
        try:
            burst, measurement = self._measure(ctx, ceilings, version)
        except BenchError as exc:
            ctx.fail("kannel", exc)
            return
        ctx.record(burst)
        ctx.record(measurement)
        runs = switchboard_runs(ctx)
        if runs:
            ctx.record(comparison(measurement, runs, "kannel"))
        block = end_to_end(ctx, reference=measurement.backend, peer="kannel")
        if block is not None:
            ctx.record(block)

    def _measure(self, ctx: Context, ceilings: dict[str, float], version: str) -> tuple[Measurement, Measurement]:
        with (
            running_harness("kannel") as harness,
            kannel.running_kannel(harness.smsc_port, SMSC_SYSTEM_ID, SMSC_PASSWORD) as k,
        ):
            harness.wait_sessions(1, BIND_TIMEOUT_S, what="kannel's SMPP transceiver", log=k.folder / "bearerbox.log")
            target = Target(k.http_url, kannel.USER, kannel.USER_PASSWORD, "", k.bearerbox.pid, {})
            system = System(
                backend=f"kannel {version}",
                target=target,
                processes=k.pids,
                api="kannel",
                path="/cgi-bin/sendsms",
                params={"dlr-url": f"{harness.receiver_url}/dlr", "dlr-mask": "3"},
                notes={
                    "version": f"kannel {version} (Debian), bearerbox + smsbox",
                    "api": "HTTP sendsms POST, one number per request, parameters in X-Kannel headers",
                    "dlr": "mask 3 (delivered or failed), fetched by smsbox from the receiver; storage internal",
                    "connector": f"smpp transceiver, max-pending-submits {kannel.WINDOW}, no throughput limit",
                },
            )
            count, wait = burst_size(ctx)
            ctx.step(f"kannel: a burst of {count:,} single-number sendsms")
            burst = burst_measurement(
                self.name, system, run_burst(system, harness, count, ctx.config.connections, wait)
            )
            ctx.step(f"kannel: single-number sendsms, {ctx.config.connections} connections, {ctx.config.seconds:g}s")
            measurement = measure(
                ctx, self.name, system, harness, "single", 1, ceilings=ceilings, drain_limit=drain_limit(ctx)
            )
            errors, first, lost = kannel.log_errors(k.folder)
            measurement.data |= {"log_errors": errors, "log_error_samples": first, "dlrs_dropped": lost}
            dropped = "DLRs dropped (receipt before its submit_sm_resp was stored)"
            measurement.extra.append(Extra(dropped, lost, f"{lost:,}"))
            if errors > lost:
                ctx.warn(f"kannel's logs hold {errors - lost} other ERROR lines; first: {' | '.join(first)}")
            return burst, measurement
