"""`saas-harness run` as a user runs it from an empty folder: the main job, then a selection of suites on
the same target, and the report under .harness/report/ (markdown, JSON, JUnit) with findings and repros."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from harness.runreport.suites import CHECKOUT_SUITES

CLI = [sys.executable, "-m", "harness.cli"]

PLANTED = '''
"""A planted finding: a leaky loopback notes app read across tenants through the suites' Attacker."""
import threading

from harness.suites.adapter import Target
from harness.suites.client import ApiClient, created_id
from harness.suites.helpers import Attacker, Users
from tests.repro.mini_app import NOTE, MiniAdapter, NotesServer


def test_the_leaky_app_hands_a_note_to_another_tenant():
    server = NotesServer()
    server.leaky = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        adapter, http = MiniAdapter(), ApiClient()
        adapter.attach(Target(server.url))
        users = Users(adapter, http)
        victim, thief = adapter.onboard("basic"), adapter.onboard("basic")
        note = created_id(NOTE, users(victim, "TenantUser").create(NOTE))
        got = Attacker(adapter, http).cross_tenant(users(thief, "TenantUser"), NOTE, victim, note,
                                                   ops=("read",))
        assert not any(a.leaked for a in got), "planted leak: the thief read the victim's note"
    finally:
        server.shutdown()
        server.server_close()
'''


def test_run_writes_the_report_with_suites_findings_repros_and_attempts(tmp_path: Path) -> None:
    planted = tmp_path / "planted" / "test_s99_planted.py"
    planted.parent.mkdir()
    planted.write_text(PLANTED)
    work = tmp_path / "fresh"
    work.mkdir()
    proc = subprocess.run([*CLI, "run", "--tiers", "basic=2", "--quiet", "--suites",
                           str(CHECKOUT_SUITES / "test_s5_roles.py"), str(planted)],
                          cwd=work, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 1, proc.stdout[-4000:] + proc.stderr[-4000:]
    report_dir = work / ".harness" / "report"
    doc = json.loads((report_dir / "report.json").read_text())
    assert doc["ok"] is False and doc["main_job"]["ok"] is True and doc["suites_error"] is None
    suites = {s["suite"]: s for s in doc["suites"]}
    assert set(suites) == {"S5", "S99"}
    assert suites["S5"]["failed"] == suites["S5"]["errors"] == 0 and suites["S5"]["passed"] >= 1
    assert suites["S5"]["attempts"] > 0, "S5's other-tenant cells are cross-tenant attempts"
    assert (suites["S99"]["failed"], suites["S99"]["attempts"]) == (1, 1)
    [finding] = doc["findings"]
    assert finding["suite"] == "S99" and "planted leak" in finding["message"]
    [repro] = doc["repros"]
    assert finding["repro"] == repro["path"]
    assert Path(repro["path"]).is_relative_to(work / ".harness" / "repros")
    assert repro["command"] == f"saas-harness replay {repro['path']}"
    text = (report_dir / "report.md").read_text()
    assert "**FAIL: 1 finding(s)**" in text and repro["command"] in text and "| S5 |" in text
    root = ET.parse(report_dir / "report.xml").getroot()
    assert root.get("failures") == "1" and root.findall("testsuite")[0].get("name") == "main job"
    assert (report_dir / "pytest.log").read_text().startswith(sys.executable)
    assert "finding" in proc.stdout and repro["command"] in proc.stdout


def test_run_refuses_an_only_that_selects_no_suite_before_starting_anything(tmp_path: Path) -> None:
    proc = subprocess.run([*CLI, "run", "--only", "S99"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 2 and "--only S99: no suite file matches" in proc.stderr
    assert "Starting the embedded target" not in proc.stderr and not (tmp_path / ".harness").exists()
