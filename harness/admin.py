"""The harness's own loopback admin API: health, the virtual clock, reset and metrics."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

from harness.clock import VirtualClock
from harness.http import HttpRequest, HttpResponse, json_response

MetricsSource = Callable[[], dict[str, Any]]


class AdminAPI:
    """Routes under /_harness/ for tests, the CLI and load generators."""

    def __init__(self, clock: VirtualClock, info: dict[str, Any], reset: Callable[[], None]) -> None:
        self.clock = clock
        self.info = info
        self._reset = reset
        self._metrics: dict[str, MetricsSource] = {}

    def add_metrics(self, name: str, source: MetricsSource) -> None:
        self._metrics[name] = source

    def handle(self, req: HttpRequest) -> HttpResponse:
        route = (req.method, req.path.rstrip("/"))
        if route == ("GET", "/_harness/health"):
            return json_response(200, {"status": "ok", **self.info, "clock": self._clock_view()})
        if route == ("GET", "/_harness/clock"):
            return json_response(200, self._clock_view())
        if route == ("POST", "/_harness/clock"):
            return self._clock_post(req)
        if route == ("POST", "/_harness/reset"):
            self._reset()
            return json_response(200, {"reset": True})
        if route == ("GET", "/_harness/metrics"):
            return json_response(200, {name: src() for name, src in self._metrics.items()})
        return json_response(404, {"message": f"no admin route {req.method} {req.path[:100]}"})

    def _clock_view(self) -> dict[str, Any]:
        return {"now": self.clock.now(), "offset": self.clock.offset, "frozen": self.clock.frozen}

    def _clock_post(self, req: HttpRequest) -> HttpResponse:
        try:
            body = json.loads(req.body or b"{}")
        except ValueError:
            return json_response(400, {"message": "body must be JSON"})
        if not isinstance(body, dict):
            return json_response(400, {"message": "body must be a JSON object"})
        if "freeze" in body:
            if body["freeze"] is True:
                self.clock.freeze()
            elif body["freeze"] is False:
                self.clock.unfreeze()
            else:
                return json_response(400, {"message": "freeze must be true or false"})
        if "advance" in body:
            adv = body["advance"]
            if isinstance(adv, bool) or not isinstance(adv, int | float) or not math.isfinite(adv) \
                    or adv < 0 or adv > 10 * 366 * 86400:
                return json_response(400, {"message": "advance must be a number of seconds "
                                                      "between 0 and ten years"})
            self.clock.advance(float(adv))
        return json_response(200, self._clock_view())
