"""`saas-harness mutants` end to end on a tiny stack, suite and catalog: caught, missed, unappliable."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from harness.mutants.runner import first_suites, read_junit

SUITE_A = """import os, pathlib
def test_no_mutation():
    text = (pathlib.Path(os.environ["SAAS_HARNESS_STACK_DIR"]) / "f.txt").read_text()
    assert "MUTATED" not in text
"""
SUITE_B = """import os, pathlib
class TestOther:
    def test_no_other_change(self):
        text = (pathlib.Path(os.environ["SAAS_HARNESS_STACK_DIR"]) / "f.txt").read_text()
        assert "OTHER" not in text
"""


def _diff(mid: str, caught_by: str, old: str, new: str) -> str:
    return (f"# id: {mid}\n# description: plants {new}\n# caught-by: {caught_by}\n"
            f"--- a/f.txt\n+++ b/f.txt\n@@ -1 +1 @@\n-{old}\n+{new}\n")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "stack").mkdir()
    (tmp_path / "stack" / "f.txt").write_text("clean\n")
    (tmp_path / "suite").mkdir()
    (tmp_path / "suite" / "test_a.py").write_text(SUITE_A)
    (tmp_path / "suite" / "test_b.py").write_text(SUITE_B)
    bugs = tmp_path / "bugs"
    bugs.mkdir()
    (bugs / "caught-first.diff").write_text(_diff("caught-first", "suite/test_a.py", "clean", "MUTATED"))
    (bugs / "caught-later.diff").write_text(_diff("caught-later", "suite/test_a.py", "clean", "OTHER"))
    (bugs / "free-text.diff").write_text(_diff("free-text", "the throttling suite", "clean", "OTHER"))
    (bugs / "missed.diff").write_text(_diff("missed", "suite/test_a.py", "clean", "harmless"))
    (bugs / "unappliable.diff").write_text(_diff("unappliable", "suite/test_a.py", "not there", "MUTATED"))
    return tmp_path


def _run(project: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    out = project / "report.json"
    proc = subprocess.run([sys.executable, "-m", "harness.cli", "mutants", "--catalog", "bugs", "--stack",
                           "stack", "--suites", "suite", "--json", str(out), *extra],
                          cwd=project, capture_output=True, text=True, timeout=300)
    return proc.returncode, json.loads(out.read_text()) if out.exists() else {"stderr": proc.stderr}


def test_caught_missed_and_unappliable_mutants_are_told_apart(project: Path) -> None:
    rc, report = _run(project, "--workers", "2")
    assert rc == 1, report
    assert report["clean"]["passed"] is True
    by_id = {m["id"]: m for m in report["mutants"]}
    assert by_id["caught-first"]["caught"] and by_id["caught-first"]["caught_by"] == \
        "suite/test_a.py::test_no_mutation"
    assert by_id["caught-later"]["caught_by"] == "suite/test_b.py::TestOther::test_no_other_change"
    assert by_id["free-text"]["caught_by"] == "suite/test_b.py::TestOther::test_no_other_change"
    assert by_id["missed"]["applied"] and not by_id["missed"]["caught"]
    assert not by_id["unappliable"]["applied"] and "does not apply" in by_id["unappliable"]["error"]
    assert not by_id["unappliable"]["caught"]
    assert all(m["seconds"] >= 0 for m in report["mutants"])
    assert (project / "stack" / "f.txt").read_text() == "clean\n", "the user's stack is never touched"


def test_every_mutant_caught_exits_zero(project: Path) -> None:
    rc, report = _run(project, "--only", "caught-first", "--only", "caught-later")
    assert rc == 0, report
    assert report["caught"] == report["total"] == 2


def test_a_failing_clean_stack_stops_the_run(project: Path) -> None:
    (project / "stack" / "f.txt").write_text("MUTATED already\n")
    rc, report = _run(project)
    assert rc == 1
    assert report["clean"]["passed"] is False
    assert "mutants" not in report


def test_full_collects_every_finding(project: Path) -> None:
    (project / "bugs" / "both.py").write_text(
        "ID = 'both'\nDESCRIPTION = 'plants both markers'\nCAUGHT_BY = 'suite/test_a.py'\n"
        "def mutate(stack_dir):\n    (stack_dir / 'f.txt').write_text('MUTATED OTHER\\n')\n")
    rc, report = _run(project, "--only", "both", "--full", "--skip-clean")
    assert rc == 0, report
    (both,) = report["mutants"]
    assert both["caught_by"] == "suite/test_a.py::test_no_mutation"
    assert set(both["findings"]) == {"suite/test_a.py::test_no_mutation",
                                     "suite/test_b.py::TestOther::test_no_other_change"}


def test_a_bad_catalog_exits_two(project: Path) -> None:
    (project / "bugs" / "headless.diff").write_text("--- a/f.txt\n+++ b/f.txt\n@@ -1 +1 @@\n-a\n+b\n")
    rc, report = _run(project)
    assert rc == 2
    assert "missing header" in report["stderr"]


def test_caught_by_resolution(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "suite").mkdir()
    (tmp_path / "suite" / "test_x.py").write_text("")
    assert first_suites("suite/test_x.py::test_one", (Path("suite"),)) == ["suite/test_x.py::test_one"]
    assert first_suites("scenarios/test_x.py", (Path("suite"),)) == ["suite/test_x.py"]
    assert first_suites("the throttling suite", (Path("suite"),)) is None
    assert first_suites("suite/test_missing.py", (Path("suite"),)) is None
    # A caught-by naming a file outside the suites being run resolves within them (--suites wins).
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "test_x.py").write_text("")
    assert first_suites("scenarios/test_x.py::test_one", (Path("suite"),)) == ["suite/test_x.py::test_one"]
    assert first_suites("scenarios/test_x.py", (Path("scenarios"),)) == ["scenarios/test_x.py"]


def test_junit_without_a_report_reads_as_no_failures(tmp_path: Path) -> None:
    assert read_junit(tmp_path / "absent.xml") == ()
    (tmp_path / "bad.xml").write_text("<not xml")
    assert read_junit(tmp_path / "bad.xml") == ()
