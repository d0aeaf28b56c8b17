"""The load checks, from Locust's own CSV files: admitted rate per key, quiet tenants, 5xx, writes."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.load.plan import LoadPlan, LoadTenant
from harness.load.prepare import offers
from harness.load.results import check, expected_admitted, read_csv
from harness.load.runner import LoadRefused, check_target

STATS = (
    "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,Min Response Time,"
    "Max Response Time,Average Content Size,Requests/s,Failures/s,50%,66%,75%,80%,90%,95%,98%,99%,99.9%,"
    "99.99%,100%\n") + """\
GET,flood-platinum-0 read,12000,5900,4,5,1,90,100,600,295,4,5,6,7,8,12,20,30,50,60,90
POST,flood-platinum-0 create,1000,500,6,7,2,60,100,50,25,6,7,8,9,10,14,20,30,50,60,60
GET,quiet-basic-1 read,500,0,5,6,1,40,100,25,0,5,6,7,8,9,11,15,20,30,40,40
,Aggregated,13500,6400,4,5,1,90,100,675,320,4,5,6,7,8,12,20,30,50,60,90
"""
FAILURES = """Method,Name,Error,Occurrences
GET,flood-platinum-0 read,throttled 429,5900
POST,flood-platinum-0 create,throttled 429,499
POST,flood-platinum-0 create,server error 500,1
"""


def _tenant(name: str, role: str, plan: float, burst: int, offered: float, tid: str) -> LoadTenant:
    return LoadTenant(name=name, tenant_id=tid, tier=name.split("-")[1], role=role,  # type: ignore[arg-type]
                      tokens=["t"], read_url="http://127.0.0.1/x", create_url="http://127.0.0.1/y",
                      create_body={}, plan_rps=plan, plan_burst=burst, offered_rps=offered, users=10)


@pytest.fixture
def plan() -> LoadPlan:
    return LoadPlan("noisy-neighbour", "http://127.0.0.1:1", 20.0, [
        _tenant("flood-platinum-0", "flood", 300, 300, 650, "p"),
        _tenant("quiet-basic-1", "quiet", 50, 50, 25, "b")])


def test_results_per_tenant_split_throttles_from_server_errors(tmp_path: Path, plan: LoadPlan) -> None:
    (tmp_path / "l_stats.csv").write_text(STATS)
    (tmp_path / "l_failures.csv").write_text(FAILURES)
    r = read_csv(tmp_path / "l", plan)
    flood = r["flood-platinum-0"]
    assert (flood.requests, flood.throttled, flood.server_errors) == (13000, 6399, 1)
    assert flood.succeeded == 6600 and flood.creates_acknowledged == 500
    assert r["quiet-basic-1"].p95_ms == 11.0


def test_a_token_bucket_admits_its_burst_then_its_rate() -> None:
    t = _tenant("flood-platinum-0", "flood", 300, 300, 600, "p")
    assert expected_admitted(t, 20) == 300 + 300 * 20
    quiet = _tenant("quiet-basic-1", "quiet", 50, 50, 25, "b")
    assert expected_admitted(quiet, 20) == 500  # what was offered, below the plan


def test_checks_name_each_failure(tmp_path: Path, plan: LoadPlan) -> None:
    (tmp_path / "l_stats.csv").write_text(STATS)
    (tmp_path / "l_failures.csv").write_text(FAILURES)
    checks = check(plan, read_csv(tmp_path / "l", plan), 20.0, {"p": 499, "b": 0})
    by = {(c["tenant"], c["check"]): c for c in checks}
    assert by[("flood-platinum-0", "admitted within 10% of the plan")]["ok"] is True  # 6600 vs 6300
    assert by[("flood-platinum-0", "no 5xx")]["ok"] is False
    assert by[("flood-platinum-0", "every acknowledged write stored exactly once")]["ok"] is False
    assert by[("quiet-basic-1", "quiet tenant keeps its success rate")]["ok"] is True


def test_over_admitting_fails_the_plan_check(tmp_path: Path, plan: LoadPlan) -> None:
    (tmp_path / "l_stats.csv").write_text(STATS.replace("12000,5900", "12000,1000"))
    (tmp_path / "l_failures.csv").write_text(FAILURES.replace("5900", "1000"))
    checks = check(plan, read_csv(tmp_path / "l", plan), 20.0, {})
    assert not next(c for c in checks if c["check"].startswith("admitted"))["ok"]


def test_scenarios_offer_what_they_say() -> None:
    assert [(o.tier, o.role, o.factor) for o in offers("noisy-neighbour", ("basic", "platinum"), None, 2.0)] \
        == [("platinum", "flood", 2.0), ("platinum", "quiet", 0.5), ("basic", "quiet", 0.5)]
    assert [o.factor for o in offers("usage-plans", ("basic", "standard"), None, 2.0)] == [2.0, 2.0]
    assert offers("authorizer-cache", ("basic",), None, 2.0)[0].tokens == 40


@pytest.mark.parametrize("url", ["http://10.0.0.5:4566", "https://example.com", "http://0.0.0.0:80"])
def test_load_to_a_remote_target_is_refused_without_the_flag(url: str) -> None:
    with pytest.raises(LoadRefused, match="--allow-remote"):
        check_target(url, allow_remote=False)
    check_target(url, allow_remote=True)
    check_target("http://127.0.0.1:4566", allow_remote=False)
