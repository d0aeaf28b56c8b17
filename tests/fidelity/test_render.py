"""docs/FIDELITY.md and the fidelity JSON: the regenerating command first, a row per scenario, each reason."""

from __future__ import annotations

import json
from pathlib import Path

from harness.fidelity.compare import compare_scenarios, main_job_reasons
from harness.fidelity.render import FidelityReport, markdown, write
from tests.fidelity.test_compare import S7, S10, case

COMMAND = ".venv/bin/saas-harness fidelity --ministack --md docs/FIDELITY.md"


def _report() -> FidelityReport:
    harness = [case(S7, "warm", "passed"), case(S10, "tampered", "passed")]
    native = [case(S7, "warm", "failed", "AssertionError: assert 403 == 200"),
              case(S10, "tampered", "passed")]
    return FidelityReport(COMMAND, "http://127.0.0.1:4599", "ministack 1.5.33", "ci", "basic=1",
                          compare_scenarios(harness, native), {"harness_ok": True, "native_ok": False},
                          main_job_reasons({"failures": ["t1-basic-1: list orders: expected 200, got 403 "
                                                         "Forbidden"]}))


def test_the_markdown_opens_with_the_command_that_regenerates_it() -> None:
    text = markdown(_report())
    head = text.split("```sh\n", 1)[1].split("\n```", 1)[0]
    assert head == COMMAND
    assert text.index(COMMAND) < text.index("| Scenario |")


def test_each_scenario_has_a_row_and_each_difference_a_section_with_its_reason() -> None:
    text = markdown(_report())
    assert ("| S7 authorizer cache | pass (1 passed) | fail (0 passed, 1 failed) | yes | "
            "api-key-from-client |") in text
    assert "| S10 hostile input | pass (1 passed) | pass (1 passed) | no |  |" in text
    assert "**1 of 2 scenarios differ.**" in text
    section = text.split("## S7 authorizer cache", 1)[1]
    assert "`AssertionError: assert 403 == 200`" in section and "x-api-key" in section and "`warm`" in section
    assert "## S10" not in text


def test_the_json_has_both_verdicts_the_differences_and_the_main_jobs_reasons(tmp_path: Path) -> None:
    write(_report(), tmp_path / "f.json", tmp_path / "f.md")
    doc = json.loads((tmp_path / "f.json").read_text())
    assert doc["version"] == 1 and doc["differences"] == 1 and doc["command"] == COMMAND
    s7 = doc["scenarios"][0]
    assert s7["suite"] == "S7" and s7["differs"] and s7["harness"]["verdict"] == "pass"
    assert s7["reasons"][0]["cause"] == "api-key-from-client" and s7["reasons"][0]["count"] == 1
    assert doc["main_job"]["reasons"][0]["tests"] == ["list orders"]
    md = (tmp_path / "f.md").read_text()
    assert md.startswith("# Fidelity: the native API Gateway of ministack 1.5.33")
