"""Re-run a repro against a target through an adapter: fresh tenants, fresh sign-ins, the same requests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from harness.suites.adapter import Credentials, Route, SaasAdapter, Tenant
from harness.suites.client import ApiClient
from harness.suites.repro import Repro, ReproError, Step, render


class ReplayFailed(RuntimeError):
    """A setup step that succeeded when recorded fails now: the preconditions cannot be re-created."""


@dataclass(frozen=True)
class Outcome:
    """An attack step as replayed: its number in the file, the status now, and whether it leaked."""

    number: int
    step: Step
    status: int
    body: str

    @property
    def leaked(self) -> bool:
        return bool(self.step.expected.get("denied")) and 200 <= self.status < 300


def replay(repro: Repro, adapter: SaasAdapter, http: ApiClient) -> list[Outcome]:
    """Every step in order; setup steps re-create what attacks need, attacks are judged."""
    tenants = {alias: adapter.onboard(info["tier"]) for alias, info in repro.tenants.items()}
    values = {f"tenant:{alias}": t.id for alias, t in tenants.items()}
    signed_in: dict[tuple[str | None, str], Credentials] = {}
    outcomes: list[Outcome] = []
    for number, step in enumerate(repro.steps, 1):
        req = step.request
        route = Route(req["method"], req["path"], api=req.get("api", "tenant"))
        base = tenants[req["base"]] if req.get("base") else None
        params: dict[str, str] = {str(k): str(v) for k, v in render(req.get("params") or {}, values).items()}
        try:
            url = route.url(adapter.api_base(base, route.api), **params)
        except (KeyError, LookupError, ValueError) as exc:
            raise ReproError(f"step {number}: {exc}") from None
        token = _token(step, tenants, adapter, signed_in)
        reply = http.request(route.method, url, token=token, body=render(req.get("body"), values),
                             headers=render(req.get("headers") or {}, values))
        if step.kind == "attack":
            outcomes.append(Outcome(number, step, reply.status, str(reply.body)[:300]))
            continue
        was_ok = 200 <= int(step.observed.get("status", 0)) < 300
        if was_ok and not 200 <= reply.status < 300:
            raise ReplayFailed(f"setup step {number} ({route.method} {route.path}) answered {reply.status} "
                               f"now: {str(reply.body)[:200]}")
        if step.capture and was_ok:
            _capture(step, number, reply.body, values)
    return outcomes


def _token(step: Step, tenants: dict[str, Tenant], adapter: SaasAdapter,
           signed_in: dict[tuple[str | None, str], Credentials]) -> str | None:
    auth = step.request.get("auth")
    if auth == "none":
        return None
    if auth == "literal":
        return str(step.request.get("token") or "")
    alias, role = step.actor.get("tenant"), str(step.actor.get("role"))
    key = (alias, role)
    if key not in signed_in:
        signed_in[key] = adapter.sign_in(tenants[alias] if alias else None, role)
    return signed_in[key].token


def _capture(step: Step, number: int, body: Any, values: dict[str, str]) -> None:
    assert step.capture is not None
    name, fld = step.capture.get("name"), step.capture.get("field")
    if not isinstance(body, dict) or fld not in body:
        raise ReplayFailed(f"setup step {number} answered without {fld!r}: {str(body)[:200]}")
    values[f"capture:{name}"] = str(body[fld])
