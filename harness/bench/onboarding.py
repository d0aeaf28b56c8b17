"""`bench onboarding`: time to `up`, time to onboard N mixed-tier tenants, resident memory after."""

from __future__ import annotations

import time
from typing import Any

from harness.bench.process import TargetProcess
from harness.client.saas import SaasClient
from harness.saas.onboard import onboard


def mix(tenants: int, platinum: int | None) -> dict[str, int]:
    """N tenants, a tenth Platinum unless told, the rest spread over the pooled tiers."""
    plat = tenants // 10 if platinum is None else min(platinum, tenants)
    rest = tenants - plat
    basic, standard = rest // 3 + (rest % 3 > 0), rest // 3 + (rest % 3 > 1)
    return {"basic": basic, "standard": standard, "premium": rest - basic - standard,
            "platinum": plat}


def run(tenants: int = 100, platinum: int | None = None, concurrency: int = 8) -> dict[str, Any]:
    counts = mix(tenants, platinum)
    with TargetProcess(stack=True) as target:
        state = target.state()
        client = SaasClient(target.endpoint, state["admin_api_url"])
        rss_up = target.rss_mb()
        t0 = time.perf_counter()
        records = onboard(client, counts, concurrency=concurrency)
        onboard_s = time.perf_counter() - t0
        rss_after = target.rss_mb()
        pss_after = target.pss_mb()
        metrics = target.admin("GET", "/_harness/metrics")
    return {
        "benchmark": "onboarding",
        "tenants": len(records), "mix": counts,
        "up_ready_s": round(target.ready_seconds, 3),
        "onboard_s": round(onboard_s, 3),
        "tenants_per_s": round(len(records) / onboard_s, 2) if onboard_s else None,
        "rss_mb_after_up": rss_up, "rss_mb_after_onboarding": rss_after,
        "pss_mb_after_onboarding": pss_after,
        "lambda": {k: v for k, v in metrics.get("lambda", {}).items() if k != "functions"},
        "targets": {"up_ready_s_max": 5.0, "onboard_100_s_max": 60.0, "rss_mb_max": 2048},
    }
