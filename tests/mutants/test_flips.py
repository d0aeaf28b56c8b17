"""`saas-harness mutants --flips` end to end on a tiny stack, suites and catalog: a fault-latent mutant
flips, one that a suite without the fault catches does not, a one-off failure is not the mutant's."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from harness.mutants.catalog import CatalogError, load_catalog
from harness.mutants.flips import FlipResult, per_fault, suites_without

# Stands in for S11: "with the fault", a LATENT stack is caught.
FAULT_SUITE = """import os, pathlib
def test_fails_closed_under_the_fault():
    text = (pathlib.Path(os.environ["SAAS_HARNESS_STACK_DIR"]) / "f.txt").read_text()
    assert "LATENT" not in text and "LOUD" not in text
"""
# A suite that sets no fault: it sees LOUD, never LATENT.
PLAIN_SUITE = """import os, pathlib
def test_plain():
    text = (pathlib.Path(os.environ["SAAS_HARNESS_STACK_DIR"]) / "f.txt").read_text()
    assert "LOUD" not in text
"""
# Fails the first time it runs in a project, passes after: a busy machine's one-off failure.
ONE_OFF_SUITE = """import os, pathlib
def test_one_off():
    marker = pathlib.Path(os.environ["ONE_OFF_MARKER"])
    if not marker.exists():
        marker.write_text("seen")
        raise AssertionError("the machine was too busy this once")
"""


def _diff(mid: str, new: str, fault: str = "demo:Fault") -> str:
    head = f"# id: {mid}\n# description: plants {new} in f.txt\n# caught-by: suite/test_s11_fail_closed.py\n"
    if fault:
        head += f"# fault: {fault}\n"
    return head + f"--- a/f.txt\n+++ b/f.txt\n@@ -1 +1 @@\n-clean\n+{new}\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "stack").mkdir()
    (tmp_path / "stack" / "f.txt").write_text("clean\n")
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "test_s11_fail_closed.py").write_text(FAULT_SUITE)
    (suite / "test_s2_plain.py").write_text(PLAIN_SUITE)
    bugs = tmp_path / "bugs"
    bugs.mkdir()
    (bugs / "latent.diff").write_text(_diff("latent", "LATENT"))
    (bugs / "loud.diff").write_text(_diff("loud", "LOUD", fault="other:Fault"))
    (bugs / "no-fault.diff").write_text(_diff("no-fault", "LATENT", fault=""))
    return tmp_path


def _flips(project: Path, *extra: str, env: dict[str, str] | None = None) -> tuple[int, dict[str, Any], str]:
    out = project / "flips.json"
    proc = subprocess.run([sys.executable, "-m", "harness.cli", "mutants", "--flips", "--catalog", "bugs",
                           "--stack", "stack", "--suites", "suite", "--json", str(out), *extra],
                          cwd=project, capture_output=True, text=True, timeout=300,
                          env={**os.environ, **(env or {})})
    return proc.returncode, json.loads(out.read_text()) if out.exists() else {}, proc.stdout + proc.stderr


def test_a_fault_latent_mutant_flips_and_one_caught_without_the_fault_does_not(project: Path) -> None:
    rc, report, out = _flips(project)
    assert rc == 1, out  # "loud" does not flip
    assert report["clean"]["passed"] and report["clean"]["skipped"] == [], report["clean"]
    flips = {f["id"]: f for f in report["flips"]}
    assert set(flips) == {"latent", "loud"}, "a mutant without a '# fault:' header is not a flip candidate"
    latent, loud = flips["latent"], flips["loud"]
    assert latent["flipped"] and latent["latent_without_fault"] and latent["caught_with_fault"], latent
    assert latent["caught_by"].endswith("test_s11_fail_closed.py::test_fails_closed_under_the_fault")
    assert not loud["flipped"] and loud["caught_with_fault"], loud
    assert loud["found_without_fault"] == ["suite/test_s2_plain.py::test_plain"], loud
    assert report["per_fault"] == {"demo:Fault": ["latent"], "other:Fault": []}
    assert "fault models flipping none: other:Fault" in out


def test_a_one_off_failure_without_the_fault_is_not_counted_as_the_mutants(project: Path) -> None:
    (project / "suite" / "test_s3_one_off.py").write_text(ONE_OFF_SUITE)
    rc, report, out = _flips(project, "--only", "latent", "--skip-clean",
                             env={"ONE_OFF_MARKER": str(project / "one-off-seen")})
    assert rc == 0, out
    (flip,) = report["flips"]
    assert flip["flipped"], flip
    assert flip["unconfirmed_without_fault"] == ["suite/test_s3_one_off.py::test_one_off"], flip
    assert flip["found_without_fault"] == []


def test_a_clean_stack_that_fails_the_fault_scenario_stops_the_run(project: Path) -> None:
    (project / "stack" / "f.txt").write_text("clean LOUD\n")
    (project / "bugs" / "latent.diff").write_text(
        _diff("latent", "LATENT").replace("-clean\n+LATENT", "-clean LOUD\n+LATENT"))
    rc, report, out = _flips(project, "--only", "latent")
    assert rc == 1 and report["clean"]["passed"] is False, out
    assert "flips" not in report


def test_the_fault_header_is_optional_and_read_from_the_catalog(project: Path) -> None:
    found = {m.id: m.fault for m in load_catalog(project / "bugs")}
    assert found == {"latent": "demo:Fault", "loud": "other:Fault", "no-fault": ""}
    (project / "bugs" / "bad.diff").write_text(_diff("bad", "X").replace("# fault:", "# faults:"))
    with pytest.raises(CatalogError, match=r"unknown header field 'faults'.*fault"):
        load_catalog(project / "bugs")


def test_the_shipped_fail_closed_mutants_each_name_their_fault_model() -> None:
    root = Path(__file__).resolve().parents[2]
    faults = {m.id: m.fault for m in load_catalog(root / "scenarios" / "bugs") if m.fault}
    assert faults == {"sts-outage-serves-with-execution-role": "sts:AssumeRole",
                      "jwks-outage-skips-verification": "cognito-idp:jwks",
                      "dynamodb-outage-serves-stale-list": "dynamodb:Query",
                      "registration-skips-undo-on-error": "function:*"}


def test_suites_without_expands_folders_and_leaves_the_fault_scenarios_out(project: Path) -> None:
    suite = project / "suite"
    kept = suites_without([suite], [str(suite / "test_s11_fail_closed.py")])
    assert kept == [str(suite / "test_s2_plain.py")]


def test_per_fault_lists_every_fault_model_even_one_that_flipped_nothing() -> None:
    ok = FlipResult("a", "sts:AssumeRole", "t", applied=True, caught_with_fault=True,
                    latent_without_fault=True)
    loud = FlipResult("b", "sts:AssumeRole", "t", applied=True, caught_with_fault=True)
    missed = FlipResult("c", "cognito-idp:jwks", "t", applied=True, latent_without_fault=True)
    assert per_fault([ok, loud, missed]) == {"sts:AssumeRole": ["a"], "cognito-idp:jwks": []}
    assert not FlipResult("d", "f", "t", applied=True, caught_with_fault=True, latent_without_fault=True,
                          error="x").flipped
