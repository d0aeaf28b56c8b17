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

from harness.load.plan import MARKER, PLAN_ENV, LoadPlan, Scenario
from harness.load.prepare import build_plan, offers
from harness.load.results import check, read_csv
from harness.suites.adapter import RawTable, SaasAdapter, Target, Tenant
from harness.suites.helpers import Oracle
from harness.targets.spec import LOOPBACK_HOSTS

LOCUSTFILES: dict[Scenario, str] = {"usage-plans": "usage_plans.py", "noisy-neighbour": "noisy_neighbour.py",
                                    "authorizer-cache": "authorizer_cache.py"}
MAX_DURATION_S = 600.0
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
    max_rps: float = 2000.0
    processes: int = 1
    locustfiles: Path = Path("loadtests")
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


def run_locust(plan: LoadPlan, plan_file: Path, opts: LoadOptions, out_dir: Path,
               tick: Callable[[float], None]) -> tuple[Path, float]:
    """Locust headless with CSV, every planned user spawned at once; (CSV prefix, seconds it ran)."""
    locustfile = opts.locustfiles / LOCUSTFILES[plan.scenario]
    if not locustfile.exists():
        raise LoadRefused(f"no locustfile {locustfile} (run from the project folder or pass --locustfiles)")
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


def warm_up(plan: LoadPlan) -> None:
    """Every token once (authorizer decisions cached), then each tenant's users at once (environments
    started), so Locust's window measures the plan and not cold starts."""
    import urllib3

    http = urllib3.PoolManager(maxsize=16, timeout=urllib3.Timeout(total=120.0))

    def get(url: str, token: str) -> None:
        http.request("GET", url, headers={"Authorization": f"Bearer {token}"}, retries=False)

    for t in plan.tenants:
        for token in t.tokens:
            get(t.read_url, token)
    with ThreadPoolExecutor(max_workers=16) as pool:
        for t in plan.tenants:
            list(pool.map(lambda _i, t=t: get(t.read_url, t.tokens[0]), range(min(t.users, 16))))
    time.sleep(max((t.plan_burst / t.plan_rps for t in plan.tenants), default=0.0))  # buckets refill


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
    progress("onboarding tenants and signing users in")
    plan, tenants = build_plan(adapter, opts.scenario, target.endpoint, opts.duration_s,
                               offers(opts.scenario, tuple(tiers), opts.flood_tier, opts.offer), opts.max_rps)
    oracle = Oracle(target) if not target.public_only else None
    before = _stored(oracle, adapter, tenants)
    out = opts.out_dir.resolve()
    out.mkdir(parents=True, exist_ok=True)
    plan_file = out / "load-plan.json"
    plan_file.write_text(plan.to_json())
    progress("warming up: authorizer decisions and Lambda environments")
    warm_up(plan)
    offered = sum(t.offered_rps for t in plan.tenants)
    progress(f"locust: {sum(t.users for t in plan.tenants)} users, {offered:.0f} requests/s offered "
             f"for {opts.duration_s:.0f} s")
    prefix, seconds = run_locust(plan, plan_file, opts, out, tick)
    results = read_csv(prefix, plan)
    after = _stored(oracle, adapter, tenants)
    new = {k: [m for m in after[k] if m.startswith("load-")] for k in after}
    stored = {k: len(after[k]) - len(before.get(k, [])) for k in after}
    checks = check(plan, results, seconds, stored, {k: len(set(v)) for k, v in new.items()})
    return {"scenario": opts.scenario, "duration_s": round(seconds, 2), "host": target.endpoint,
            "tenants": [{**{k: v for k, v in t.__dict__.items() if k != "tokens"},
                         "tokens": len(t.tokens), **results[t.name].__dict__,
                         "succeeded": results[t.name].succeeded} for t in plan.tenants],
            "checks": checks, "ok": all(c["ok"] for c in checks)}
