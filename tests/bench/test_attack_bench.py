"""`bench attacks`: the planned attacks, how their answers are judged, the driver, and a small real run."""

from __future__ import annotations

import http.server
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.bench.attack_plan import Attack, AttackKind, Party, forged_id, plan
from harness.bench.attacks import MAX_WARMUP_ROUNDS, drive, summary, warm_up

POOLED = "http://127.0.0.1:9/restapis/pooled/prod/_user_request_"
ADMIN = "http://127.0.0.1:9/restapis/admin/prod/_user_request_"


def _party(name: str, tid: str, api: str = POOLED) -> Party:
    marks = (f"mark-{name}-p", f"mark-{name}-o")
    return Party(name, tid, api, f"token-{name}", f"{tid}-3", f"{tid}-4", marks)


def _attack(kind: AttackKind = AttackKind.REPLAY_ID) -> Attack:
    return Attack(kind, "a", "b", "GET", "/x", {}, None, (b"mark-b",))


def test_every_ordered_pair_gets_every_kind_and_silo_victims_their_own_api() -> None:
    a, b = _party("a", "aaaa"), _party("b", "bbbb")
    silo = _party("s", "ssss", "http://127.0.0.1:9/restapis/silo/prod/_user_request_")
    attacks = plan([a, b, silo], ADMIN)
    pairs = {(x.attacker, x.victim) for x in attacks}
    assert pairs == {(p, q) for p in "abs" for q in "abs" if p != q}
    kinds_ab = [x.kind for x in attacks if (x.attacker, x.victim) == ("a", "b")]
    assert AttackKind.VICTIM_API not in kinds_ab and len(kinds_ab) == 7
    to_silo = [x for x in attacks if x.victim == "s" and x.kind is AttackKind.VICTIM_API]
    assert {x.path for x in to_silo} == {"/restapis/silo/prod/_user_request_/product/ssss-3",
                                          "/restapis/silo/prod/_user_request_/products"}
    forged = next(x for x in attacks
                  if (x.attacker, x.victim, x.kind) == ("a", "b", AttackKind.FORGED_HEADERS))
    assert forged.headers["tenantId"] == "bbbb" and forged.headers["Authorization"] == "Bearer token-a"
    assert forged.victim_markers == (b"mark-b-p", b"mark-b-o")
    admin = next(x for x in attacks if x.kind is AttackKind.ADMIN_OTHER_TENANT and x.victim == "b")
    assert admin.path == "/restapis/admin/prod/_user_request_/tenant/bbbb"


def test_a_forged_id_puts_the_victims_tenant_id_in_the_attackers_own_id() -> None:
    assert forged_id("aaaa-3", "aaaa", "bbbb") == "bbbb-3"
    assert forged_id("other", "aaaa", "bbbb") == "bbbb-1"


@pytest.mark.parametrize(("status", "body", "verdict"), [
    (403, b'{"message": "Forbidden"}', "refused"),
    (404, b"not found", "refused"),
    (200, b"{}", "leaked"),
    (201, b"", "leaked"),
    (404, b'{"name": "mark-b"}', "leaked"),
    (500, b"Internal server error", "server-error"),
    (502, b"", "server-error"),
])
def test_answers_are_judged_as_the_suites_judge_them(status: int, body: bytes, verdict: str) -> None:
    assert _attack().judge(status, body) == verdict


def test_the_forged_header_list_must_answer_200_with_own_items_only() -> None:
    own = _attack(AttackKind.OWN_LIST_FORGED)
    assert own.judge(200, b'[{"name": "mine"}]') == "refused"
    assert own.judge(200, b'[{"name": "mark-b"}]') == "leaked"
    assert own.judge(403, b"") == "own-list-failed"


class _App(http.server.BaseHTTPRequestHandler):
    """A loopback app that leaks on /leak and refuses everything else, keep-alive."""

    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        status, body = (200, b'{"name": "mark-b"}') if self.path == "/leak" else (404, b"{}")
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        return None


@pytest.fixture
def app() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _App)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_the_driver_stops_at_the_attempt_bound_and_reports_each_leak(app: str) -> None:
    attacks = [Attack(AttackKind.REPLAY_ID, "a", "b", "GET", "/ok", {}, None, (b"mark-b",)),
               Attack(AttackKind.REPLAY_ID, "a", "b", "GET", "/leak", {}, None, (b"mark-b",))]
    tally, elapsed = drive(app, attacks, attempts=40, seconds=30, concurrency=4)
    result = summary(tally, elapsed)
    assert result["attempts"] == 40 and result["verdicts"] == {"leaked": 20, "refused": 20}
    assert result["leaked"] is True and result["not_refused_examples"][0]["path"] == "/leak"
    assert result["p50_ms"] > 0 and result["p95_ms"] >= result["p50_ms"]
    assert set(result["p50_ms_by_kind"]) == {"replay-id"}
    assert result["unthrottled_per_s"] == result["attempts_per_s"]  # no 429 here


def test_the_driver_stops_at_the_time_bound(app: str) -> None:
    attacks = [Attack(AttackKind.REPLAY_ID, "a", "b", "GET", "/ok", {}, None, ())]
    tally, elapsed = drive(app, attacks, attempts=10**9, seconds=0.3, concurrency=2)
    assert 0 < sum(tally.verdicts.values()) < 10**9 and elapsed < 5


def test_the_driver_refuses_anything_but_loopback() -> None:
    with pytest.raises(ValueError, match="loopback only"):
        drive("http://10.0.0.1:4566", [_attack()], attempts=1, seconds=1, concurrency=1)


def test_bench_attacks_through_the_gateway_finds_no_leak_in_the_reference_saas(tmp_path: Path) -> None:
    """A small real run: a pooled and a silo tenant attack each other through the gateway."""
    out = tmp_path / "attacks.json"
    proc = subprocess.run([sys.executable, "-m", "harness.cli", "bench", "attacks", "--attempts", "120",
                           "--seconds", "60", "--concurrency", "2", "--attack-tiers", "basic=1,platinum=1",
                           "--warmup-seconds", "0",
                           "--json", str(out)], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    result = json.loads(out.read_text())
    assert result["summary"]["attempts"] == 120 and result["summary"]["leaked"] is False
    verdicts = result["run"]["verdicts"]
    assert result["summary"]["server_errors"] == 0 and set(verdicts) <= {"refused", "own-list-throttled"}
    assert sum(verdicts.values()) == 120
    assert set(result["run"]["by_kind"]) == {k.value for k in AttackKind}
    got = result["summary"]
    assert got["attempts_per_s"] > 0 and got["p95_ms"] >= got["p50_ms"]
    assert got["cpu_ms_per_attempt"] > 0 and got["cold_starts_in_run"] >= 0
    assert got["unthrottled_per_s"] <= got["attempts_per_s"] and result["warmup"]["rounds"] >= 1


def test_the_warm_up_repeats_rounds_until_one_starts_no_environment(app: str) -> None:
    """Rounds go on while the cold-start count grows, and stop at the first round that adds none."""
    counts = iter([0, 3, 5, 5])
    attacks = [Attack(AttackKind.REPLAY_ID, "a", "b", "GET", "/ok", {}, None, ())]
    tally, elapsed, rounds = warm_up(app, attacks, lambda: next(counts), attempts=10, seconds=30,
                                     concurrency=2, min_seconds=0)
    assert rounds == 3 and sum(tally.verdicts.values()) == 30 and elapsed > 0


def test_the_warm_up_lasts_its_minimum_time_even_without_cold_starts(app: str) -> None:
    """No round starts an environment, yet rounds go on until the minimum time (an authorizer TTL)."""
    attacks = [Attack(AttackKind.REPLAY_ID, "a", "b", "GET", "/ok", {}, None, ())]
    _, elapsed, rounds = warm_up(app, attacks, lambda: 0, attempts=5, seconds=30, concurrency=1,
                                 min_seconds=0.3)
    assert elapsed >= 0.3 and rounds > 1


def test_the_warm_up_gives_up_after_its_round_limit(app: str) -> None:
    counter = iter(range(100))
    attacks = [Attack(AttackKind.REPLAY_ID, "a", "b", "GET", "/ok", {}, None, ())]
    _, _, rounds = warm_up(app, attacks, lambda: next(counter), attempts=2, seconds=30, concurrency=1,
                           min_seconds=0)
    assert rounds == MAX_WARMUP_ROUNDS
