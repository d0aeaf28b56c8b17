"""The load checks, from Locust's own CSV files: admitted rate per key, quiet tenants, 5xx, writes."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from harness.commands.load import parse_tier_offers
from harness.load.plan import LoadPlan, LoadTenant
from harness.load.prepare import offers, users_for_rate
from harness.load.results import check, expected_admitted, read_csv
from harness.load.runner import SHIPPED_LOCUSTFILES, LoadRefused, check_target, locustfile_for
from harness.load.scale import PlanScaler, scaled

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


def test_a_keys_quota_caps_what_the_bucket_would_admit() -> None:
    """A usage plan's quota counts every request it admits in the period: a Basic key (1,000 a day)
    offered 2x for 20 s is held by its quota, not its bucket, once warm-up spent some of it.
    https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-usage-plans.html"""
    basic = replace(_tenant("steady-basic-0", "steady", 50, 50, 100, "b"), plan_quota=1000)
    assert expected_admitted(basic, 20) == 1000
    assert expected_admitted(basic, 20, quota_spent=30) == 970
    assert expected_admitted(replace(basic, plan_quota=None), 20, quota_spent=30) == 50 + 50 * 20


def test_the_checks_take_the_quota_spent_before_the_window(tmp_path: Path, plan: LoadPlan) -> None:
    capped = LoadPlan(plan.scenario, plan.host, plan.duration_s,
                      [replace(plan.tenants[0], plan_quota=7000), plan.tenants[1]])
    (tmp_path / "l_stats.csv").write_text(STATS)
    (tmp_path / "l_failures.csv").write_text(FAILURES)
    checks = check(capped, read_csv(tmp_path / "l", capped), 20.0, {}, None, {"flood-platinum-0": 1000})
    admitted = next(c for c in checks if c["check"].startswith("admitted"))
    assert admitted["expected"] == 6000 and admitted["ok"], admitted


def test_a_run_that_did_not_send_its_offer_fails_the_sent_check(tmp_path: Path, plan: LoadPlan) -> None:
    (tmp_path / "l_stats.csv").write_text(STATS)
    (tmp_path / "l_failures.csv").write_text(FAILURES)
    checks = check(plan, read_csv(tmp_path / "l", plan), 40.0, {})  # the same requests over twice the time
    sent = {c["tenant"]: c for c in checks if c["check"] == "the offered rate was sent"}
    assert not sent["flood-platinum-0"]["ok"] and sent["flood-platinum-0"]["sent_rps"] == 325.0
    ok = check(plan, read_csv(tmp_path / "l", plan), 20.0, {})
    assert all(c["ok"] for c in ok if c["check"] == "the offered rate was sent")


def test_usage_plans_take_a_factor_per_tier_and_a_tier_within_its_plan_is_quiet() -> None:
    got = offers("usage-plans", ("basic", "platinum"), None, 2.0, {"basic": 0.5})
    assert [(o.tier, o.role, o.factor) for o in got] == [("basic", "quiet", 0.5), ("platinum", "steady", 2.0)]


def test_users_offer_their_rate_a_few_requests_each() -> None:
    assert users_for_rate(600) == 60 and users_for_rate(600, 50) == 12
    assert users_for_rate(0.5) == 1 and users_for_rate(100_000) == 160


@pytest.mark.parametrize("values, want", [(["basic=0.5"], (("basic", 0.5),)),
                                          (["basic=0.5", "platinum=2"], (("basic", 0.5), ("platinum", 2.0))),
                                          ([], ())])
def test_tier_offers_parse(values: list[str], want: tuple[tuple[str, float], ...]) -> None:
    assert parse_tier_offers(values) == want


@pytest.mark.parametrize("bad", ["basic", "basic=", "=2", "basic=x", "basic=0", "basic=-1"])
def test_a_malformed_tier_offer_is_refused_clearly(bad: str) -> None:
    with pytest.raises(ValueError, match="TIER=FACTOR"):
        parse_tier_offers([bad])


def test_a_scaled_plan_keeps_whole_rates_and_at_least_one_token() -> None:
    assert scaled(300, 300, 0.25) == (75.0, 75)
    assert scaled(50, 50, 0.25) == (12.0, 12)
    assert scaled(1, 1, 0.1) == (1.0, 1)


@pytest.mark.parametrize("factor", [0.0, -0.5, 1.5])
def test_a_plan_scale_outside_0_to_1_is_refused(factor: float) -> None:
    with pytest.raises(ValueError, match="--plan-scale"):
        PlanScaler(object(), factor)


def test_the_locustfile_is_found_from_any_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """./loadtests when it has the scenario's file, else the shipped one; a named folder must have it."""
    monkeypatch.chdir(tmp_path)
    assert locustfile_for("usage-plans", None) == SHIPPED_LOCUSTFILES / "usage_plans.py"
    assert (SHIPPED_LOCUSTFILES / "usage_plans.py").exists()
    (tmp_path / "loadtests").mkdir()
    (tmp_path / "loadtests" / "usage_plans.py").write_text("# the user's own\n")
    assert locustfile_for("usage-plans", None) == Path("loadtests") / "usage_plans.py"
    assert locustfile_for("noisy-neighbour", None) == SHIPPED_LOCUSTFILES / "noisy_neighbour.py"
    with pytest.raises(LoadRefused, match="--locustfiles names a folder"):
        locustfile_for("usage-plans", tmp_path / "elsewhere")


def test_a_missing_locustfiles_folder_is_refused_before_anything_starts(tmp_path: Path) -> None:
    got = subprocess.run([sys.executable, "-m", "harness.cli", "load", "usage-plans", "--locustfiles",
                          str(tmp_path / "none")], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert got.returncode == 2 and "no locustfile" in got.stderr
    assert "Starting the embedded target" not in got.stderr + got.stdout
