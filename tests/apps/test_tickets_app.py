"""tests/apps/tickets, a second multi-tenant app, attacked by the same scenario files through its own
adapter only: the clean app passes them (what it lacks is skipped with a reason), a leak planted in it
is caught by `saas-harness mutants`, and the repro the suite saved replays as a leak against the
mutated app and as fixed against the clean one.

Tenant isolation (what must never cross): https://docs.aws.amazon.com/whitepapers/latest/saas-tenant-isolation-strategies/saas-tenant-isolation-strategies.html
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from harness.cli import main
from harness.mutants.catalog import load_catalog
from harness.suites.adapter import Target
from harness.target import EmbeddedTarget, TargetOptions
from tests.apps.tickets.adapter import TicketsAdapter

REPO = Path(__file__).resolve().parents[2]
APP = REPO / "tests" / "apps" / "tickets"
ADAPTER = "tests.apps.tickets.adapter:TicketsAdapter"
S = REPO / "scenarios"
SELECTED = (
    f"{S}/test_s2_api_isolation.py::test_tenants_and_attackers_interleaved_never_cross",
    f"{S}/test_s3_data_isolation.py::test_every_generated_operation_on_another_tenants_keys_is_denied",
    f"{S}/test_s3_data_isolation.py::test_tenant_api_credentials_reach_every_own_key_of_the_resources_tables",
    f"{S}/test_s3_data_isolation.py::test_index_queries_never_return_another_tenants_items",
    f"{S}/test_s4_policy_properties.py::test_a_tenants_policy_denies_every_operation_on_every_key_of_any_other_tenant",
    f"{S}/test_s5_roles.py::test_every_role_is_allowed_exactly_the_declared_requests",
    f"{S}/test_s6_throttling.py::test_burst_admits_exactly_the_bucket_then_429",
    f"{S}/test_s7_authorizer_cache.py::test_warm_requests_hit_the_cache_and_the_ratio_shows_in_metrics",
    f"{S}/test_s10_hostile_input.py::test_tampered_tokens_are_refused_with_401_or_403",
    f"{S}/test_s10_hostile_input.py::test_malformed_raw_bodies_get_a_clean_4xx",
    f"{S}/test_s10_hostile_input.py::test_a_raw_unencoded_path_gets_a_clean_4xx",
    f"{S}/test_s10_hostile_input.py::test_tenant_is_never_taken_from_a_spoofed_header",
)
EXPECTED_SKIPS = {
    "test_burst_admits_exactly_the_bucket_then_429": "exposes no usage plans",
    "test_index_queries_never_return_another_tenants_items": "has a secondary index",
}
"""What the tickets app lacks (usage plans, secondary indexes): skipped with the reason, never failed."""


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HYPOTHESIS_", "PYTEST_"))}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return env


def _outcomes(junit: Path) -> dict[str, tuple[str, str]]:
    """test name (with parameters) -> (passed/failed/skipped, skip message)."""
    out: dict[str, tuple[str, str]] = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        skipped = case.find("skipped")
        failed = case.find("failure") is not None or case.find("error") is not None
        verdict = "failed" if failed else "skipped" if skipped is not None else "passed"
        out[case.get("name", "")] = (verdict, skipped.get("message", "") if skipped is not None else "")
    return out


def test_the_same_scenarios_pass_on_the_clean_tickets_app_and_skip_what_it_lacks(tmp_path: Path) -> None:
    """S2 (stateful API isolation with the raw-table oracle), S3 with the credentials its authorizer
    vends, S4 with its session policy, S5 with its role matrix, S7 with its cached authorizer and S10,
    in a pytest subprocess naming only `--saas-adapter`: all pass; S6 and S3's index probe skip."""
    junit = tmp_path / "junit.xml"
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", *SELECTED, "-q", "-rs", "-p", "no:cacheprovider",
         "--saas-adapter", ADAPTER, "--saas-profile", "ci", f"--junitxml={junit}"],
        cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
    outcomes = _outcomes(junit)
    for name, reason in EXPECTED_SKIPS.items():
        verdict, message = outcomes.pop(name)
        assert verdict == "skipped" and reason in message, (name, verdict, message)
    assert outcomes and all(v == "passed" for v, _ in outcomes.values()), outcomes
    ran = {n.split("[", 1)[0] for n in outcomes}
    assert ran == {s.rsplit("::", 1)[1] for s in SELECTED} - set(EXPECTED_SKIPS), ran


def _deploy(target: EmbeddedTarget, work: Path, stack_dir: Path) -> None:
    info = target.describe()
    TicketsAdapter(stack_dir).attach(Target(target.endpoint, str(info["region"]), str(info["account"]),
                                            target, info, work))


def test_a_planted_leak_is_caught_and_its_repro_replays_until_the_app_is_fixed(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`saas-harness mutants` plants bugs/read-ignores-tenant.diff in a copy of the app and S2 catches it;
    the repro S2 saved replays with `saas-harness replay --target` as a leak (exit 1) while the mutated
    app runs, and as fixed (exit 0) once the clean app is deployed over it."""
    report = tmp_path / "mutants.json"
    proc = subprocess.run(
        [sys.executable, "-m", "harness.cli", "mutants", "--catalog", str(APP / "bugs"), "--stack", str(APP),
         "--adapter", ADAPTER, "--suites", str(S / "test_s2_api_isolation.py"), "--skip-clean",
         "--json", str(report)],
        cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
    [mutant] = json.loads(report.read_text())["mutants"]
    assert mutant["id"] == "read-ignores-tenant" and mutant["applied"] and mutant["caught"], mutant
    s2 = "test_tenants_and_attackers_interleaved_never_cross"
    assert mutant["caught_by"].endswith(f"test_s2_api_isolation.py::{s2}"), mutant
    [saved] = (tmp_path / ".harness" / "repros").glob(f"*{s2}*.json")
    doc = json.loads(saved.read_text())
    assert doc["target"]["adapter"] == ADAPTER and any(s["kind"] == "attack" for s in doc["steps"])

    mutated = tmp_path / "mutated"
    shutil.copytree(APP, mutated, ignore=shutil.ignore_patterns("__pycache__", "bugs"))
    [bug] = load_catalog(APP / "bugs", ("read-ignores-tenant",))
    bug.plant(mutated)
    work = tmp_path / "target"
    with EmbeddedTarget(TargetOptions(port=0, work_dir=work)) as target:
        _deploy(target, work, mutated)
        capsys.readouterr()
        assert main(["replay", str(saved), "--target", target.endpoint, "--adapter", ADAPTER]) == 1
        assert "LEAK step" in capsys.readouterr().out
        _deploy(target, work, APP)  # the fix: the clean app deployed over the mutated one
        assert main(["replay", str(saved), "--target", target.endpoint, "--adapter", ADAPTER]) == 0
        assert "no leak" in capsys.readouterr().out


def test_the_planted_leak_applies_to_a_copy_of_the_app_and_changes_only_the_read_path(tmp_path: Path) -> None:
    """The diff plants in a copy (never in tests/apps/tickets itself): the read handler and the template."""
    copy = tmp_path / "tickets"
    shutil.copytree(APP, copy, ignore=shutil.ignore_patterns("__pycache__"))
    before = {p.relative_to(copy): p.read_bytes() for p in copy.rglob("*") if p.is_file()}
    [bug] = load_catalog(APP / "bugs", ())
    bug.plant(copy)
    changed = {p for p, data in before.items() if (copy / p).read_bytes() != data}
    assert changed == {Path("src/tickets.py"), Path("template.yaml")}
    assert ".scan(" in (copy / "src" / "tickets.py").read_text()
    assert ".scan(" not in (APP / "src" / "tickets.py").read_text()
