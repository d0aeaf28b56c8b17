"""The run report from a JUnit XML file and repro files: per-suite counts, findings, repros, attempts."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from harness.runreport.junit import JUnitError, read_cases, suite_id
from harness.runreport.render import junit, markdown, write_report
from harness.runreport.report import build_report
from harness.suites.attempts import PROPERTY

JUNIT = f"""<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" tests="6">
 <testcase classname="scenarios.test_s2_api_isolation" name="test_interleaved"
           file="scenarios/test_s2_api_isolation.py" time="20.5">
  <properties><property name="{PROPERTY}" value="300" /></properties>
 </testcase>
 <testcase classname="scenarios.test_s2_api_isolation" name="test_leaky"
           file="scenarios/test_s2_api_isolation.py" time="4.5">
  <properties><property name="{PROPERTY}" value="10" /></properties>
  <failure message="AssertionError: GET /product/x was allowed (200)">long traceback</failure>
 </testcase>
 <testcase classname="scenarios.test_s3_data_isolation" name="test_scan[pooled]"
           file="scenarios/test_s3_data_isolation.py" time="2.0">
  <properties><property name="{PROPERTY}" value="40" /></properties>
 </testcase>
 <testcase classname="scenarios.test_s3_data_isolation" name="test_setup_breaks"
           file="scenarios/test_s3_data_isolation.py" time="0.5">
  <error message="failed on setup with &quot;RuntimeError: no table&quot;">trace</error>
 </testcase>
 <testcase classname="scenarios.test_s10_hostile_input" name="test_signed"
           file="scenarios/test_s10_hostile_input.py" time="0.0">
  <skipped type="pytest.skip" message="needs an embedded target's pool key">skip</skipped>
 </testcase>
 <testcase classname="scenarios.test_s10_hostile_input" name="test_signed2"
           file="scenarios/test_s10_hostile_input.py" time="0.0">
  <skipped type="pytest.skip" message="needs an embedded target's pool key">skip</skipped>
 </testcase>
</testsuite></testsuites>
"""

LEAKY = "scenarios/test_s2_api_isolation.py::test_leaky"


def _repro(path: Path, test: str, adapter: str | None = None) -> Path:
    doc = {"version": 1, "finding": "GET /product/x was allowed (200)",
           "target": {"adapter": adapter, "url": None, "state": None, "test": test},
           "tenants": {"t1": {"tier": "basic"}, "t2": {"tier": "platinum"}},
           "steps": [{"kind": "attack", "actor": {"tenant": "t1", "role": "TenantAdmin"}, "tenant": "t2",
                      "request": {"method": "GET", "api": "tenant", "base": "t1", "path": "/product/{id}",
                                  "params": {"id": "x"}, "headers": {}, "body": None, "auth": "actor"},
                      "expected": {"denied": True}, "observed": {"status": 200, "body": "{}"},
                      "capture": None}]}
    path.write_text(json.dumps(doc))
    return path


@pytest.fixture
def junit_file(tmp_path: Path) -> Path:
    path = tmp_path / "suites.xml"
    path.write_text(JUNIT)
    return path


def test_suite_ids_come_from_the_scenario_file_names() -> None:
    assert suite_id("scenarios/test_s2_api_isolation.py") == "S2"
    assert suite_id("/abs/scenarios/test_s10_hostile_input.py") == "S10"
    assert suite_id("mine/test_tenancy.py") == "test_tenancy"


def test_cases_are_read_with_outcome_message_seconds_and_attempts(junit_file: Path) -> None:
    cases = read_cases(junit_file)
    assert [c.outcome for c in cases] == ["passed", "failed", "passed", "error", "skipped", "skipped"]
    assert cases[1].nodeid == LEAKY and cases[1].message.startswith("AssertionError: GET /product/x")
    assert [c.attempts for c in cases] == [300, 10, 40, 0, 0, 0]
    assert cases[0].seconds == 20.5 and cases[2].name == "test_scan[pooled]"


def test_a_missing_or_broken_junit_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(JUnitError, match=r"nope\.xml"):
        read_cases(tmp_path / "nope.xml")
    (tmp_path / "bad.xml").write_text("<testsuites><testcase")
    with pytest.raises(JUnitError):
        read_cases(tmp_path / "bad.xml")


def test_per_suite_counts_seconds_and_attempts_per_second(junit_file: Path) -> None:
    report = build_report(read_cases(junit_file), [])
    by_suite = {s.suite: s.as_dict() for s in report.suites}
    assert list(by_suite) == ["S2", "S3", "S10"]
    assert by_suite["S2"] == {"suite": "S2", "file": "scenarios/test_s2_api_isolation.py", "passed": 1,
                              "failed": 1, "skipped": 0, "errors": 0, "tests": 2, "seconds": 25.0,
                              "attempts": 310, "attempts_per_s": 12.4}
    assert (by_suite["S3"]["passed"], by_suite["S3"]["errors"], by_suite["S3"]["attempts"]) == (1, 1, 40)
    assert by_suite["S10"]["skipped"] == 2 and by_suite["S10"]["attempts_per_s"] == 0.0
    totals = report.totals()
    assert totals["cross_tenant_attempts"] == 350 and totals["tests"] == 6 and totals["seconds"] == 27.5
    assert totals["attempts_per_s"] == round(350 / 27.5, 1)


def test_findings_are_the_failures_and_errors_each_with_its_repro(junit_file: Path, tmp_path: Path) -> None:
    repro = _repro(tmp_path / "leaky.json", LEAKY, adapter="mine:Adapter")
    report = build_report(read_cases(junit_file), [repro])
    assert [(f.suite, f.outcome) for f in report.findings] == [("S2", "failed"), ("S3", "error")]
    assert report.findings[0].repro == str(repro) and report.findings[1].repro is None
    assert report.repros[0].command == f"saas-harness replay {repro} --adapter mine:Adapter"
    assert report.repros[0].test == LEAKY and not report.ok


def test_the_markdown_shows_verdict_suite_table_findings_repros_and_skips(junit_file: Path,
                                                                          tmp_path: Path) -> None:
    repro = _repro(tmp_path / "leaky.json", LEAKY)
    text = markdown(build_report(read_cases(junit_file), [repro], main_job={
        "endpoint": "http://127.0.0.1:1", "ok": True, "counts": {"tenants": 7, "cross_tenant_attempts": 42,
                                                                 "violations": 0, "failures": 0},
        "timings": {"total_s": 30.0}, "violations": [], "failures": [], "tenants": []}))
    assert "**FAIL: 2 finding(s)**" in text
    assert "| 7 | 42 | 0 | 0 | 30.0 |" in text
    assert "| S2 | `scenarios/test_s2_api_isolation.py` | 1 | 1 | 0 | 0 | 25.0 | 310 | 12.4 |" in text
    assert f"### S2: `{LEAKY}` (failed)" in text and "AssertionError: GET /product/x was allowed" in text
    assert f"`saas-harness replay {repro}`" in text
    assert "- 2 x needs an embedded target's pool key" in text


def test_a_clean_run_says_pass_and_an_unreadable_repro_is_listed_as_such(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text("{}")
    report = build_report([], [tmp_path / "bad.json"], main_job={"ok": True})
    assert report.findings == [] and report.repros[0].finding.startswith("unreadable repro")
    assert report.ok  # a stale or broken repro file is listed, not a finding of this run
    text = markdown(build_report([], [], main_job={"ok": True}))
    assert "**PASS: no isolation findings**" in text and "## Findings\n\nNone." in text


def test_suites_that_did_not_complete_fail_the_report(tmp_path: Path) -> None:
    report = build_report([], [], suites_error="pytest collected no tests")
    assert not report.ok and "the suites did not complete" in markdown(report)


def test_json_and_junit_files_carry_the_same_numbers(junit_file: Path, tmp_path: Path) -> None:
    main = {"ok": False, "tenants": [
        {"name": "t1", "tier": "basic", "placement": "pooled", "errors": [], "violations": 0},
        {"name": "t2", "tier": "platinum", "placement": "silo", "errors": ["read order: expected 200"],
         "violations": 1}], "timings": {"total_s": 3.0}}
    written = write_report(build_report(read_cases(junit_file), [], main_job=main, suites_wall_s=40.0),
                           tmp_path / "out")
    doc = json.loads(written.json.read_text())
    assert doc["ok"] is False and doc["totals"]["failed"] == 1 and doc["totals"]["wall_seconds"] == 40.0
    assert [s["suite"] for s in doc["suites"]] == ["S2", "S3", "S10"]
    root = ET.fromstring(written.junit.read_text())
    assert (root.get("tests"), root.get("failures"), root.get("errors"), root.get("skipped")) == (
        "8", "2", "1", "2")
    suites = root.findall("testsuite")
    assert suites[0].get("name") == "main job"
    failing = [c for c in suites[0].iter("testcase") if c.find("failure") is not None]
    assert [c.get("name") for c in failing] == ["t2 (platinum, silo)"]
    s2 = suites[1]
    assert s2.get("name") == "S2 scenarios/test_s2_api_isolation.py" and s2.get("failures") == "1"
    props = {p.get("name"): p.get("value") for p in s2.iter("property")}
    assert props["cross_tenant_attempts"] in ("300", "10")
    assert written.markdown.read_text() == markdown(build_report(read_cases(junit_file), [], main_job=main,
                                                                 suites_wall_s=40.0))
    assert junit(build_report([], [])).startswith('<?xml version="1.0"')


def test_a_suite_outside_pytests_rootdir_still_finds_its_repro(tmp_path: Path) -> None:
    """pytest names a test in a file outside its rootdir `::name` (the repro) while JUnit gives the file."""
    (tmp_path / "x.xml").write_text("""<testsuites><testsuite>
      <testcase classname="" name="test_leak" file="../../mine/test_s9_mine.py" time="1">
        <failure message="leak">t</failure></testcase></testsuite></testsuites>""")
    repro = _repro(tmp_path / "r.json", "::test_leak")
    other = _repro(tmp_path / "o.json", "scenarios/test_s2_api_isolation.py::test_other")
    [finding] = build_report(read_cases(tmp_path / "x.xml"), [repro, other]).findings
    assert finding.repro == str(repro) and finding.suite == "S9"
