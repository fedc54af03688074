"""accept: how fast ``POST /v3/sendSms`` accepts messages, per database backend.

For each backend: a fresh data folder (and database), one funded account, ``switchboard serve``; then the
load generator with single-number POSTs and with full 1000-number POSTs, rotating the message mix.
"""

from __future__ import annotations

from bench.errors import BenchError
from bench.results import Measurement
from bench.sbserver import running_switchboard
from bench.scenarios.base import Context


class AcceptScenario:
    name = "accept"
    description = "sendSms acceptance rate, single-number and 1000-number POSTs"

    def run(self, ctx: Context) -> None:
        cfg = ctx.config
        for backend in cfg.backends:
            ctx.step(f"accept: starting switchboard on {backend}")
            try:
                with running_switchboard(backend) as target:
                    # single first: its few rows barely change the database the batch run then meets
                    for mode, batch in (("single", 1), ("batch", cfg.batch_size)):
                        ctx.step(f"accept: {backend}, {mode} POSTs, {cfg.connections} connections, {cfg.seconds:g}s")
                        try:
                            label = f"accept/{backend}/{mode}"
                            result = ctx.load(label, target, batch, quiet_machine=backend != "postgres")
                        except BenchError as exc:
                            ctx.fail(f"accept/{backend}/{mode}", exc)
                            continue
                        ctx.record(Measurement(self.name, backend, mode, batch, result, notes=target.notes))
            except BenchError as exc:
                ctx.fail(f"accept/{backend}", exc)
