"""The harness's own loopback admin API: health, the virtual clock, reset, metrics, and pool-key signing."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

from harness.clock import VirtualClock
from harness.edge.cognito.keys import TokenUse
from harness.http import HttpRequest, HttpResponse, json_response

MetricsSource = Callable[[], dict[str, Any]]
AdminRoute = Callable[[HttpRequest], HttpResponse]
PoolSigner = Callable[[str, TokenUse, dict[str, Any]], str]
"""(user pool id, token use, claims) -> a JWT signed with that pool's own key."""
KnownPool = Callable[[str], bool]


class AdminAPI:
    """Routes under /_harness/ for tests, the CLI and load generators."""

    def __init__(self, clock: VirtualClock, info: dict[str, Any], reset: Callable[[], None]) -> None:
        self.clock = clock
        self.info = info
        self._reset = reset
        self._metrics: dict[str, MetricsSource] = {}
        self._routes: dict[tuple[str, str], AdminRoute] = {}
        self._prefix_routes: list[tuple[str, AdminRoute]] = []
        self._signer: tuple[PoolSigner, KnownPool] | None = None

    def add_route(self, method: str, path: str, handler: AdminRoute) -> None:
        """Another part's admin route (the fault plan's /_harness/faults, say)."""
        self._routes[(method, path.rstrip("/"))] = handler

    def add_prefix_route(self, prefix: str, handler: AdminRoute) -> None:
        """Serve every path under `prefix` (a part of the harness with admin calls of its own)."""
        self._prefix_routes.append((prefix, handler))

    def add_signer(self, sign: PoolSigner, known: KnownPool) -> None:
        """Lend the pools' signing keys to attached test suites (tokens genuinely signed, bad claims)."""
        self._signer = (sign, known)

    def add_metrics(self, name: str, source: MetricsSource) -> None:
        self._metrics[name] = source

    def handle(self, req: HttpRequest) -> HttpResponse:
        for prefix, handler in self._prefix_routes:
            if req.path == prefix or req.path.startswith(prefix + "/"):
                return handler(req)
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
        if route in self._routes:
            return self._routes[route](req)
        if route == ("POST", "/_harness/cognito/sign") and self._signer is not None:
            return self._sign(req, *self._signer)
        return json_response(404, {"message": f"no admin route {req.method} {req.path[:100]}"})

    def _clock_view(self) -> dict[str, Any]:
        return {"now": self.clock.now(), "offset": self.clock.offset, "frozen": self.clock.frozen}

    def _clock_post(self, req: HttpRequest) -> HttpResponse:
        try:
            body = json.loads(req.body or b"{}")
        except (ValueError, RecursionError):
            return json_response(400, {"message": "body must be JSON"})
        if not isinstance(body, dict):
            return json_response(400, {"message": "body must be a JSON object"})
        unknown = sorted(set(body) - {"advance", "freeze"})
        if unknown:
            return json_response(400, {"message": f"unknown clock field {unknown[0][:64]!r}; "
                                                  "use advance (seconds) and/or freeze (bool)"})
        # Validate everything before changing anything, so a refused body has no effect.
        freeze = body.get("freeze")
        if "freeze" in body and not isinstance(freeze, bool):
            return json_response(400, {"message": "freeze must be true or false"})
        adv = body.get("advance")
        if "advance" in body and not _valid_advance(adv):
            return json_response(400, {"message": "advance must be a number of seconds "
                                                  "between 0 and ten years"})
        if freeze is True:
            self.clock.freeze()
        elif freeze is False:
            self.clock.unfreeze()
        if adv is not None:
            self.clock.advance(float(adv))
        return json_response(200, self._clock_view())


    @staticmethod
    def _sign(req: HttpRequest, sign: PoolSigner, known: KnownPool) -> HttpResponse:
        """{"pool_id", "token_use": "id"|"access", "claims": {...}} -> {"token"}, signed by the pool's key."""
        try:
            body = json.loads(req.body or b"{}")
        except (ValueError, RecursionError):
            return json_response(400, {"message": "body must be JSON"})
        use = body.get("token_use", "id") if isinstance(body, dict) else None
        if not isinstance(body, dict) or not isinstance(body.get("pool_id"), str) \
                or not isinstance(body.get("claims"), dict) or use not in ("id", "access"):
            return json_response(400, {"message": "use {\"pool_id\": str, \"token_use\": \"id\"|\"access\", "
                                                  "\"claims\": {...}}"})
        if not known(body["pool_id"]):
            return json_response(404, {"message": f"no signing key for user pool {body['pool_id'][:64]!r}"})
        try:
            token = sign(body["pool_id"], "access" if use == "access" else "id", body["claims"])
        except (TypeError, ValueError) as exc:
            return json_response(400, {"message": f"claims cannot be encoded: {exc}"[:300]})
        return json_response(200, {"token": token})


_MAX_ADVANCE = 10 * 366 * 86400


def _valid_advance(adv: Any) -> bool:
    """A finite, non-negative number of seconds up to ten years (huge JSON integers included)."""
    if isinstance(adv, bool) or not isinstance(adv, int | float):
        return False
    if isinstance(adv, int):
        return 0 <= adv <= _MAX_ADVANCE
    return math.isfinite(adv) and 0 <= adv <= _MAX_ADVANCE
