"""`saas-harness report`: one self-contained page from bench, load and mutant results, viewable offline;
headless Chromium renders every plot (when Chromium is installed, as .ci/run installs it)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from harness.report.html import classify, collect, render

CELLS = [{"ttl_s": ttl, "sts_ms": sts, "placement": p, "p50_ms": 5.0 if ttl else 205.0, "p95_ms": 210.0,
          "p99_ms": 230.0, "sts_calls_per_1000": 1000.0 if not ttl else 200.0, "cache_hit_ratio": 0.8,
          "revocation_lag_s": float(ttl), "step_s": max(1.0, ttl / 20)}
         for ttl in (0, 300) for sts in (0, 200) for p in ("authorizer", "function")]
LOAD = {"scenario": "noisy-neighbour", "duration_s": 20.0, "tenants": [
    {"name": "flood-platinum-0", "offered_rps": 600.0, "plan_rps": 300.0, "succeeded": 6290},
    {"name": "quiet-basic-1", "offered_rps": 25.0, "plan_rps": 50.0, "succeeded": 500}],
    "checks": [{"tenant": "flood-platinum-0", "check": "admitted within 10% of the plan", "ok": True},
               {"tenant": "quiet-basic-1", "check": "quiet tenant keeps its success rate", "ok": True}]}
MUTANTS = {"mutants": [{"id": "policy-allows-scan", "applied": True, "caught": True,
                        "caught_by": "scenarios/test_s3_data_isolation.py::test_scan", "seconds": 40.0,
                        "error": None},
                       {"id": "equivalent-one", "applied": True, "caught": False, "caught_by": None,
                        "seconds": 90.0, "error": None}]}


@pytest.fixture
def results(tmp_path: Path) -> Path:
    folder = tmp_path / ".harness"
    folder.mkdir()
    (folder / "bench-authorizer.json").write_text(json.dumps({"benchmark": "authorizer", "cells": CELLS,
                                                               "summary": {"p50_speedup": 41.0}}))
    (folder / "load").mkdir()
    (folder / "load" / "noisy.json").write_text(json.dumps(LOAD))
    (folder / "mutants.json").write_text(json.dumps(MUTANTS))
    (folder / "state.json").write_text(json.dumps({"endpoint": "http://127.0.0.1:1"}))  # not a result
    return tmp_path


def test_results_are_recognised_by_their_shape() -> None:
    assert classify({"benchmark": "edge"}) == "bench"
    assert classify(LOAD) == "load"
    assert classify(MUTANTS) == "mutants" and classify(MUTANTS["mutants"]) == "mutants"
    assert classify({"endpoint": "x"}) is None and classify([]) is None


def test_the_page_embeds_its_plots_and_needs_no_network(results: Path) -> None:
    page, markdown = render(collect([results / ".harness"]))
    images = re.findall(r'<img alt="[^"]+" src="data:image/png;base64,', page)
    assert len(images) == 4  # three authorizer plots and the load plot
    assert "http://" not in page.replace("http://127.0.0.1", "") and "<link" not in page
    assert "Mutants: 1/2 caught" in page and "equivalent-one: NOT caught" in markdown
    assert "| 300 | 200 | authorizer | 5.0 |" in markdown


def test_the_command_writes_both_files_from_the_default_folder(results: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "harness.cli", "report"], cwd=results, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert (results / ".harness" / "report.html").read_text().startswith("<!doctype html>")
    assert (results / ".harness" / "report.md").read_text().startswith("# saas-harness report")
    empty = subprocess.run([sys.executable, "-m", "harness.cli", "report", str(results / "nothing")],
                           cwd=results, capture_output=True, text=True, timeout=60)
    assert empty.returncode == 2 and "no such file" in empty.stderr


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (.ci/run installs Debian's)")
def test_headless_chromium_renders_every_plot(results: Path, tmp_path: Path) -> None:
    page, _ = render(collect([results / ".harness"]))
    html_file = tmp_path / "report.html"
    html_file.write_text(page)
    profile = tmp_path / "profile"
    dom = subprocess.run([str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", "--virtual-time-budget=5000",
                          "--dump-dom", html_file.as_uri()], capture_output=True, text=True, timeout=120)
    assert "<title>images 4/4</title>" in dom.stdout, dom.stderr[-2000:]
    shot = tmp_path / "shot.png"
    subprocess.run([str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", "--window-size=1200,2400",
                    f"--screenshot={shot}", html_file.as_uri()], capture_output=True, timeout=120)
    from PIL import Image

    with Image.open(shot) as img:
        colours = img.convert("RGB").getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 50, "the screenshot is (nearly) blank"


def test_a_run_summary_and_its_report_make_one_suites_section(tmp_path: Path) -> None:
    """`saas-harness run --json` nests the suites report (a list of suites) that report/report.json
    also holds: the page shows it once, as a table of suites."""
    report = {"suites": [{"suite": "S2", "passed": 1, "failed": 0},
                         {"suite": "S3", "passed": 8, "failed": 0}],
              "findings": [], "totals": {"tests": 9}}
    folder = tmp_path / ".harness"
    (folder / "report").mkdir(parents=True)
    (folder / "report" / "report.json").write_text(json.dumps({"version": 1, "ok": True, **report}))
    (folder / "run-summary.json").write_text(json.dumps({"endpoint": "http://127.0.0.1:1", "ok": True,
                                                         "suites": {**report, "error": None}}))
    inputs = collect([folder])
    assert len(inputs.runs) == 1
    page, markdown = render(inputs)
    assert markdown.count("## Isolation suites") == 1 and "2 suites, 0 findings" in markdown
    assert "<td>S3</td>" in page
