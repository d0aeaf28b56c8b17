"""`bench attacks`: cross-tenant attack attempts through the gateway as fast as the harness answers them.

The target runs in its own process (bench/process.py) with the reference SaaS; tenants of mixed tiers
are onboarded and signed in first, each owns a marked product and order, then `concurrency` threads
send the planned attacks (bench/attack_plan.py) round-robin on their own keep-alive connections until
`attempts` are sent or `seconds` pass. Every answer is judged; any leak or 5xx fails the run.
"""

from __future__ import annotations

import http.client
import secrets
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from harness.bench.attack_plan import Attack, Party, Verdict, plan
from harness.bench.attack_target import AttackTarget, attack_target
from harness.bench.stats import percentile
from harness.client.saas import SaasClient
from harness.saas.onboard import TenantRecord, onboard
from harness.targets.spec import EMBEDDED, LOOPBACK_HOSTS, TargetSpec

MAX_SECONDS = 600.0
MAX_ATTEMPTS = 100_000

TARGET_ATTEMPTS_PER_S = 500.0
MAX_EXAMPLES = 5
MAX_WARMUP_ROUNDS = 40
# Longer than the tenant APIs' authorizer TTL (ReauthorizeEvery: 30 in stack/tenant-template.yaml):
# when cached policies expire, every thread misses at once and the authorizer needs more
# environments than on any other path, so the warm-up must have lived through one expiry.
WARMUP_MIN_S = 35.0


class SetupError(RuntimeError):
    """A tenant could not be signed in or given its items, so there is nothing to attack."""


@dataclass
class Tally:
    """What one thread (or all of them) saw: verdicts per kind, statuses, latencies, first bad answers."""

    verdicts: Counter[str] = field(default_factory=Counter)
    by_kind: Counter[str] = field(default_factory=Counter)
    status: Counter[int] = field(default_factory=Counter)
    latencies_ms: list[float] = field(default_factory=list)
    kind_latencies_ms: dict[str, list[float]] = field(default_factory=dict)
    bad: list[dict[str, Any]] = field(default_factory=list)

    def add(self, attack: Attack, status: int, body: bytes, verdict: Verdict, ms: float) -> None:
        self.verdicts[verdict] += 1
        self.by_kind[attack.kind.value] += 1
        self.status[status] += 1
        self.latencies_ms.append(ms)
        self.kind_latencies_ms.setdefault(attack.kind.value, []).append(ms)
        if verdict != "refused" and len(self.bad) < MAX_EXAMPLES:
            self.bad.append({"kind": attack.kind.value, "attacker": attack.attacker, "victim": attack.victim,
                             "method": attack.method, "path": attack.path, "status": status,
                             "verdict": verdict, "body": body[:200].decode("utf-8", "replace")})

    def merge(self, other: Tally) -> None:
        self.verdicts.update(other.verdicts)
        self.by_kind.update(other.by_kind)
        self.status.update(other.status)
        self.latencies_ms.extend(other.latencies_ms)
        for kind, values in other.kind_latencies_ms.items():
            self.kind_latencies_ms.setdefault(kind, []).extend(values)
        self.bad.extend(other.bad[:max(0, MAX_EXAMPLES - len(self.bad))])


def _party(client: SaasClient, t: TenantRecord) -> Party:
    """Sign the tenant admin in; create one product and one order, each named with a fresh marker."""
    tokens = client.sign_in(t.user_pool_id, t.client_id, t.admin_username, t.admin_password)
    marks = (f"bench-{secrets.token_hex(8)}", f"bench-{secrets.token_hex(8)}")
    made = client.request("POST", f"{t.api_url}/product", token=tokens.id_token, body={
        "name": marks[0], "price": 10, "sku": "sku-1", "category": "bench"})
    order = client.request("POST", f"{t.api_url}/order", token=tokens.id_token, body={
        "orderName": marks[1], "orderProducts": [{"productId": "p", "quantity": 1, "price": 10}]})
    if made.status != 201 or order.status != 201:
        raise SetupError(f"{t.name}: could not create its items ({made.status} {made.body}; "
                           f"{order.status} {order.body})")
    return Party(t.name, t.id, t.api_url, tokens.id_token, str(made.body["id"]), str(order.body["id"]), marks)


def _send(conn: http.client.HTTPConnection, attack: Attack) -> tuple[int, bytes]:
    conn.request(attack.method, attack.path, body=attack.body, headers=attack.headers)
    resp = conn.getresponse()
    return resp.status, resp.read()


def drive(endpoint: str, attacks: list[Attack], *, attempts: int, seconds: float,
          concurrency: int, allow_remote: bool = False) -> tuple[Tally, float]:
    """Send up to `attempts` attacks from `concurrency` threads for at most `seconds`; (tally, elapsed)."""
    if not attacks:
        raise ValueError("no attacks to send: the bench needs at least two tenants")
    parts = urlsplit(endpoint)
    host = parts.hostname or "127.0.0.1"
    if host not in LOOPBACK_HOSTS and not allow_remote:
        raise ValueError(f"bench attacks runs on loopback only, not {host}")
    lock = threading.Lock()
    sent = [0]
    total = Tally()
    gate = threading.Barrier(concurrency + 1)
    deadline = [0.0]

    def take() -> int | None:
        with lock:
            if sent[0] >= attempts or time.perf_counter() > deadline[0]:
                return None
            sent[0] += 1
            return sent[0] - 1

    def worker() -> None:
        conn = http.client.HTTPConnection(host, parts.port or 80, timeout=60)
        local = Tally()
        try:
            gate.wait()
            while (n := take()) is not None:
                attack = attacks[n % len(attacks)]
                t0 = time.perf_counter()
                try:
                    status, body = _send(conn, attack)
                except (OSError, http.client.HTTPException):
                    conn.close()
                    conn = http.client.HTTPConnection(host, parts.port or 80, timeout=60)
                    status, body = 599, b"connection failed"
                local.add(attack, status, body, attack.judge(status, body), (time.perf_counter() - t0) * 1000)
        finally:
            conn.close()
            with lock:
                total.merge(local)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    for t in threads:
        t.start()
    deadline[0] = time.perf_counter() + seconds
    t0 = time.perf_counter()
    gate.wait()
    for t in threads:
        t.join()
    return total, time.perf_counter() - t0


def summary(tally: Tally, elapsed: float) -> dict[str, Any]:
    n = sum(tally.verdicts.values())
    lat = tally.latencies_ms
    return {"attempts": n, "seconds": round(elapsed, 3),
            "attempts_per_s": round(n / elapsed, 1) if elapsed > 0 else 0.0,
            # Past the usage plan: a 429 (its rate or daily quota) never reaches the function, so
            # the rate of the rest is reported beside the total.
            "unthrottled_per_s": round((n - tally.status[429]) / elapsed, 1) if elapsed > 0 else 0.0,
            "p50_ms": round(percentile(lat, 0.5), 3), "p95_ms": round(percentile(lat, 0.95), 3),
            "p99_ms": round(percentile(lat, 0.99), 3),
            "verdicts": dict(sorted(tally.verdicts.items())), "by_kind": dict(sorted(tally.by_kind.items())),
            "p50_ms_by_kind": {k: round(percentile(v, 0.5), 3)
                               for k, v in sorted(tally.kind_latencies_ms.items())},
            "status": {str(k): v for k, v in sorted(tally.status.items())},
            "leaked": tally.verdicts["leaked"] > 0, "not_refused_examples": tally.bad}


def _cold_starts(target: AttackTarget) -> int:
    return int(target.metrics().get("lambda", {}).get("cold_starts", 0))


def warm_up(endpoint: str, attacks: list[Attack], cold_starts: Callable[[], int], *, attempts: int,
            seconds: float, concurrency: int, min_seconds: float = WARMUP_MIN_S,
            allow_remote: bool = False) -> tuple[Tally, float, int]:
    """Rounds of `attempts` until `min_seconds` have passed and a round starts no Lambda environment
    (or MAX_WARMUP_ROUNDS); (tally, elapsed, rounds). Under the mix some functions reach their full
    concurrency only now and then (the authorizers when their cache entries expire), so one fixed
    round leaves cold starts, each a second of CPU or more, inside the timed run."""
    total, elapsed, rounds = Tally(), 0.0, 0
    before = cold_starts()
    while rounds < MAX_WARMUP_ROUNDS:
        tally, took = drive(endpoint, attacks, attempts=attempts, seconds=seconds, concurrency=concurrency,
                            allow_remote=allow_remote)
        total.merge(tally)
        elapsed += took
        rounds += 1
        now = cold_starts()
        if now == before and elapsed >= min_seconds:
            break
        before = now
    return total, elapsed, rounds


def run(attempts: int = 5000, seconds: float = 30.0, concurrency: int = 8,
        tiers: dict[str, int] | None = None, warmup: int = 400, max_environments: int = 64,
        warmup_seconds: float = WARMUP_MIN_S, spec: TargetSpec = EMBEDDED,
        allow_remote: bool = False) -> dict[str, Any]:
    """Onboard, sign in, warm up until the Lambda environments stop growing, then the timed run.

    The attacks reach about seven functions (product, order, tenant management, authorizers, silo
    copies), each with up to `concurrency` environments at once: under the default cap of 24 the pool
    would evict and cold-start environments in the middle of the timed run."""
    counts = tiers or {"basic": 2, "premium": 1, "platinum": 1}
    with attack_target(spec, allow_remote, max_environments) as target:
        state = target.state
        client = SaasClient(target.endpoint, state["admin_api_url"], str(state.get("region", "us-east-1")))
        t0 = time.perf_counter()
        parties = [_party(client, t) for t in onboard(client, counts, concurrency=4)]
        setup_s = time.perf_counter() - t0
        attacks = plan(parties, state["admin_api_url"])
        warm, warm_s, rounds = warm_up(target.endpoint, attacks, lambda: _cold_starts(target),
                                       attempts=max(warmup, concurrency), seconds=seconds,
                                       concurrency=concurrency, min_seconds=warmup_seconds,
                                       allow_remote=allow_remote)
        cold_before = _cold_starts(target)
        cpu_before = target.cpu_seconds()
        timed, elapsed = drive(target.endpoint, attacks, attempts=attempts, seconds=seconds,
                               concurrency=concurrency, allow_remote=allow_remote)
        cpu_s = target.cpu_seconds() - cpu_before
        metrics = target.metrics()
    cold_in_run = int(metrics.get("lambda", {}).get("cold_starts", 0)) - cold_before
    result = summary(timed, elapsed)
    result["cpu_ms_per_attempt"] = round(cpu_s * 1000 / result["attempts"], 3) if result["attempts"] else 0.0
    warm_summary = summary(warm, warm_s)
    leaked = result["leaked"] or warm_summary["leaked"]
    errors = timed.verdicts["server-error"] + warm.verdicts["server-error"]
    return {
        "benchmark": "attacks", "target": spec.describe(),
        "tenants": [{"name": p.name, "api": urlsplit(p.api_url).path} for p in parties],
        "mix": counts, "concurrency": concurrency, "max_environments": max_environments,
        "distinct_attacks": len(attacks),
        "setup_s": round(setup_s, 3), "warmup": {**warm_summary, "rounds": rounds}, "run": result,
        "summary": {"attempts": result["attempts"], "attempts_per_s": result["attempts_per_s"],
                    "unthrottled_per_s": result["unthrottled_per_s"], "throttled": timed.status[429],
                    "p50_ms": result["p50_ms"], "p95_ms": result["p95_ms"], "leaked": leaked,
                    "cold_starts_in_run": cold_in_run, "cpu_ms_per_attempt": result["cpu_ms_per_attempt"],
                    "server_errors": errors, "ok": not leaked and errors == 0},
        "gateway_metrics": {k: v for k, v in metrics.get("gateway", {}).items() if k != "routes"},
        "lambda_metrics": {k: v for k, v in metrics.get("lambda", {}).items() if not isinstance(v, dict)},
        "targets": {"attempts_per_s_min": TARGET_ATTEMPTS_PER_S, "leaks": 0},
    }
