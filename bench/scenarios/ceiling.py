"""ceiling: requests/s of a bare ASGI endpoint under uvicorn, the upper bound of the HTTP layer.

Same load generator, same concurrency, same single-number signed POSTs as "accept". The reference variant
is served like ``switchboard serve`` serves the platform (stock asyncio loop); the uvloop variant shows
what uvicorn's own loop choice would give.
"""

from __future__ import annotations

from bench.errors import BenchError
from bench.results import Measurement
from bench.sbserver import running_bare_asgi
from bench.scenarios.base import Context

VARIANTS: tuple[tuple[str, bool], ...] = (("asyncio", True), ("auto", False))  # (uvicorn loop, is reference)
BACKEND_NAMES = {"asyncio": "asgi+asyncio", "auto": "asgi+uvloop"}  # asyncio: the loop switchboard serve runs on


class CeilingScenario:
    name = "ceiling"
    description = "bare ASGI endpoint under uvicorn, single small POSTs"

    def run(self, ctx: Context) -> None:
        for loop, reference in VARIANTS:
            backend = BACKEND_NAMES[loop]
            ctx.step(f"ceiling: {backend}, {ctx.config.connections} connections, {ctx.config.seconds:g}s")
            try:
                with running_bare_asgi(loop) as target:
                    result = ctx.load(f"ceiling/{backend}", target, 1)
            except BenchError as exc:
                ctx.fail(f"ceiling/{backend}", exc)
                continue
            ctx.record(Measurement(self.name, backend, "single", 1, result, reference, target.notes))
