"""`saas-harness load`: bring the target up (or attach), onboard, run Locust headless, check the results."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from harness.load.plan import MARKER, PLAN_ENV, LoadPlan, LoadTenant, Scenario
from harness.load.prepare import PER_USER_RPS, build_plan, offers
from harness.load.results import check, read_csv
from harness.load.scale import PlanScaler
from harness.saas.layout import STACK_DIR
from harness.suites.adapter import RawTable, SaasAdapter, Target, Tenant
from harness.suites.helpers import Oracle
from harness.targets.spec import LOOPBACK_HOSTS

LOCUSTFILES: dict[Scenario, str] = {"usage-plans": "usage_plans.py", "noisy-neighbour": "noisy_neighbour.py",
                                    "authorizer-cache": "authorizer_cache.py"}
MAX_DURATION_S = 600.0
SHIPPED_LOCUSTFILES = STACK_DIR.parent / "loadtests"  # beside the shipped stack/
LOOPBACK = LOOPBACK_HOSTS


class LoadRefused(ValueError):
    """A run the harness will not start: a remote target without --allow-remote, bounds exceeded."""


@dataclass(frozen=True)
class LoadOptions:
    scenario: Scenario
    duration_s: float = 20.0
    tiers: tuple[str, ...] = ()
    flood_tier: str | None = None
    offer: float = 2.0
    tier_offers: tuple[tuple[str, float], ...] = ()  # per-tier factors that replace `offer`
    plan_scale: float = 1.0  # below 1: a scaled run (every plan's throttle times this, put back after)
    per_user_rps: float = PER_USER_RPS  # what one Locust user offers (it waits for each answer)
    max_rps: float = 2000.0
    processes: int = 1
    locustfiles: Path | None = None  # None: ./loadtests if it has the scenario's file, else the shipped one
    allow_remote: bool = False
    out_dir: Path = Path(".harness") / "load"  # the plan, Locust's CSV and log are kept here


def check_target(url: str, allow_remote: bool) -> None:
    """Load goes to loopback only unless the user says otherwise, explicitly."""
    host = urlsplit(url).hostname or ""
    if host not in LOOPBACK and not allow_remote:
        raise LoadRefused(f"refusing to send load to {host or url!r}: not loopback; pass --allow-remote "
                          "if you mean it")


def _tables(adapter: SaasAdapter, tenant: Tenant) -> list[RawTable]:
    name = adapter.resources()[0].name.lower()
    return [t for t in adapter.raw_tables(tenant) if t.logical.lower().startswith(name)]


def _stored(oracle: Oracle | None, adapter: SaasAdapter, tenants: list[Tenant]) -> dict[str, list[str]]:
    """Per tenant, the load markers of its items in the raw tables (other items count as '')."""
    if oracle is None:
        return {}
    out: dict[str, list[str]] = {}
    for t in tenants:
        items = [i for tb in _tables(adapter, t) for i in oracle.items(tb, t.id)]
        out[t.id] = [str(i.get(MARKER, {}).get("S", "")) for i in items]
    return out


def locustfile_for(scenario: Scenario, folder: Path | None) -> Path:
    """The scenario's locustfile: in `folder`, else ./loadtests, else the one the harness ships."""
    name = LOCUSTFILES[scenario]
    if folder is not None:
        found = folder / name
        if not found.exists():
            raise LoadRefused(f"no locustfile {found} (--locustfiles names a folder holding {name})")
        return found
    here = Path("loadtests") / name
    return here if here.exists() else SHIPPED_LOCUSTFILES / name


def run_locust(plan: LoadPlan, plan_file: Path, opts: LoadOptions, out_dir: Path,
               tick: Callable[[float], None]) -> tuple[Path, float]:
    """Locust headless with CSV, every planned user spawned at once; (CSV prefix, seconds it ran)."""
    locustfile = locustfile_for(plan.scenario, opts.locustfiles)
    users = sum(t.users for t in plan.tenants)
    prefix = out_dir / "locust"
    cmd = [sys.executable, "-m", "locust", "-f", str(locustfile), "--headless", "-u", str(users), "-r",
           str(users), "-t", f"{int(plan.duration_s)}s", "--csv", str(prefix), "--only-summary",
           "--host", plan.host, "--stop-timeout", "5", "--exit-code-on-error", "0"]
    if opts.processes > 1:
        cmd += ["--processes", str(opts.processes)]
    env = {**os.environ, PLAN_ENV: str(plan_file)}
    log = out_dir / "locust.log"
    t0 = time.monotonic()
    with open(log, "w") as sink:
        proc = subprocess.Popen(cmd, env=env, stdout=sink, stderr=subprocess.STDOUT, text=True)
        try:
            while proc.poll() is None:
                elapsed = time.monotonic() - t0
                if elapsed > plan.duration_s + 120:
                    proc.kill()
                    raise RuntimeError(f"locust ran past {plan.duration_s + 120:.0f} s")
                tick(elapsed)
                time.sleep(0.5)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    seconds = time.monotonic() - t0
    if proc.returncode != 0 or not Path(f"{prefix}_stats.csv").exists():
        raise RuntimeError(f"locust exited {proc.returncode}: {log.read_text()[-1500:]}")
    return prefix, min(seconds, plan.duration_s)


WARM_CONCURRENCY = 64
_NO_QUOTA = (401, 403, 429)  # refused before the usage plan counts the request (or by its throttle)


def warm_up(plan: LoadPlan) -> dict[str, int]:
    """Each tenant's users at once with a token never authorised (its warm token), so every request
    misses the authorizer cache and as many authorizer environments start as the run keeps busy (a
    cached decision that expires mid-run invokes the authorizer once per waiting request, as API
    Gateway does); the same burst again, now cached, so as many function environments start (twice
    as many requests as users, up to WARM_CONCURRENCY: requests that finish at different times
    overlap less than the users will, and each environment started in the window costs a cold
    start, about a second of CPU, in the middle of the measurement); then
    each of the run's tokens once, their first use, so their decisions are cached just before the
    window and do not expire in it when it is shorter than the authorizer's TTL. Returns the
    requests each key spent of its quota."""
    import urllib3

    http = urllib3.PoolManager(maxsize=WARM_CONCURRENCY, timeout=urllib3.Timeout(total=120.0))
    spent: dict[str, int] = {t.name: 1 for t in plan.tenants}  # the item its reads fetch, created by prepare

    def get(t: LoadTenant, token: str) -> None:
        status = http.request("GET", t.read_url, headers={"Authorization": f"Bearer {token}"},
                              retries=False).status
        if status not in _NO_QUOTA:
            spent[t.name] += 1

    with ThreadPoolExecutor(max_workers=WARM_CONCURRENCY) as pool:
        for t in plan.tenants:
            first = t.warm_token or t.tokens[0]
            width = range(min(2 * t.users, WARM_CONCURRENCY))
            for _ in range(2):  # the second burst, cached, starts all function environments at once
                list(pool.map(lambda _i, t=t, first=first: get(t, first), width))
    for t in plan.tenants:
        for token in t.tokens:
            get(t, token)
    time.sleep(max((t.plan_burst / t.plan_rps for t in plan.tenants), default=0.0))  # buckets refill
    return spent


def run(opts: LoadOptions, target: Target, adapter: SaasAdapter,
        progress: Callable[[str], None] = lambda _s: None,
        tick: Callable[[float], None] = lambda _s: None) -> dict[str, Any]:
    """One scenario, end to end; the JSON result with every check."""
    check_target(target.endpoint, opts.allow_remote)
    if not 1 <= opts.duration_s <= MAX_DURATION_S:
        raise LoadRefused(f"--duration must be between 1 and {MAX_DURATION_S:.0f} seconds")
    tiers = opts.tiers or adapter.tiers
    unknown = [t for t in tiers if t not in adapter.tiers]
    if unknown:
        raise LoadRefused(f"unknown tiers {', '.join(unknown)}; the app has {', '.join(adapter.tiers)}")
    if opts.tier_offers and opts.scenario != "usage-plans":
        raise LoadRefused("--tier-offer applies to the usage-plans scenario only")
    stray = [t for t, _ in opts.tier_offers if t not in tiers]
    if stray:
        raise LoadRefused(f"--tier-offer names tiers not in the run: {', '.join(stray)}")
    if not 0 < opts.per_user_rps <= 1000:
        raise LoadRefused(f"--rps-per-user {opts.per_user_rps}: must be above 0 and at most 1000")
    if not 0 < opts.plan_scale <= 1:
        raise LoadRefused(f"--plan-scale {opts.plan_scale}: must be above 0 and at most 1")
    scaler = PlanScaler(_root_apigateway(target), opts.plan_scale) if opts.plan_scale != 1 else None
    progress("onboarding tenants and signing users in" +
             (f"; usage plans scaled x{opts.plan_scale} (a scaled run)" if scaler else ""))
    try:
        plan, tenants = build_plan(adapter, opts.scenario, target.endpoint, opts.duration_s,
                                   offers(opts.scenario, tuple(tiers), opts.flood_tier, opts.offer,
                                          dict(opts.tier_offers)), opts.max_rps, scaler,
                                   opts.per_user_rps)
        return _measure(opts, target, adapter, plan, tenants, progress, tick)
    finally:
        if scaler is not None:
            scaler.restore()


def _root_apigateway(target: Target) -> Any:
    import boto3
    import botocore.config

    return boto3.session.Session().client(
        "apigateway", region_name=target.region, endpoint_url=target.endpoint, aws_access_key_id="test",
        aws_secret_access_key="test", config=botocore.config.Config(retries={"max_attempts": 2}))


def _measure(opts: LoadOptions, target: Target, adapter: SaasAdapter, plan: LoadPlan, tenants: list[Tenant],
             progress: Callable[[str], None], tick: Callable[[float], None]) -> dict[str, Any]:
    """Warm up, run Locust, read its CSV and the raw tables, check."""
    oracle = Oracle(target) if not target.public_only else None
    before = _stored(oracle, adapter, tenants)
    out = opts.out_dir.resolve()
    out.mkdir(parents=True, exist_ok=True)
    plan_file = out / "load-plan.json"
    plan_file.write_text(plan.to_json())
    progress("warming up: authorizer decisions and Lambda environments")
    spent = warm_up(plan)
    offered = sum(t.offered_rps for t in plan.tenants)
    progress(f"locust: {sum(t.users for t in plan.tenants)} users, {offered:.0f} requests/s offered "
             f"for {opts.duration_s:.0f} s")
    lambda_before = lambda_counters(target)
    prefix, seconds = run_locust(plan, plan_file, opts, out, tick)
    lambda_during = _delta(lambda_before, lambda_counters(target))
    results = read_csv(prefix, plan)
    after = _stored(oracle, adapter, tenants)
    new = {k: [m for m in after[k] if m.startswith("load-")] for k in after}
    stored = {k: len(after[k]) - len(before.get(k, [])) for k in after}
    checks = check(plan, results, seconds, stored, {k: len(set(v)) for k, v in new.items()}, spent)
    return {"scenario": opts.scenario, "duration_s": round(seconds, 2), "host": target.endpoint,
            "plan_scale": opts.plan_scale, "scaled": opts.plan_scale != 1,
            "tenants": [{**{k: v for k, v in t.__dict__.items() if k != "tokens"},
                         "tokens": len(t.tokens), **results[t.name].__dict__,
                         "succeeded": results[t.name].succeeded} for t in plan.tenants],
            "lambda_during_run": lambda_during, "checks": checks, "ok": all(c["ok"] for c in checks)}


_LAMBDA_COUNTERS = ("invocations", "cold_starts", "evictions", "throttles", "environments_peak")


def lambda_counters(target: Target) -> dict[str, int]:
    """The target's Lambda counters (cold starts, evictions, throttles), empty when it has none."""
    import json
    import urllib.request

    if target.state.get("aws"):
        return {}
    try:
        with urllib.request.urlopen(target.endpoint.rstrip("/") + "/_harness/metrics", timeout=10) as r:
            found = json.loads(r.read()).get("lambda", {})
    except (OSError, ValueError):
        return {}
    out = {k: int(found.get(k, 0)) for k in _LAMBDA_COUNTERS}
    for name, fn in found.get("functions", {}).items():
        out[f"cold_starts {name}"] = int(fn.get("cold_starts", 0))
    return out


def _delta(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    """What happened in the window (functions with no cold start left out); the environment peak as
    it stood at the end."""
    out = {k: v if k == "environments_peak" else v - before.get(k, 0) for k, v in after.items()}
    return {k: v for k, v in out.items() if not (k.startswith("cold_starts ") and v == 0)}
