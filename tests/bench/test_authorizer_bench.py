"""`saas-harness bench authorizer`: the TTL x STS x placement matrix, its summary, table and plots."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from harness.bench.authorizer import markdown, summarize


def _cell(ttl: int, sts: int, placement: str, p50: float, lag: float | None,
          step: float = 1.0) -> dict[str, object]:
    return {"ttl_s": ttl, "sts_ms": sts, "placement": placement, "p50_ms": p50, "p95_ms": p50, "p99_ms": p50,
            "sts_calls_per_1000": 1000.0, "cache_hit_ratio": 0.5, "revocation_lag_s": lag, "step_s": step}


def test_the_summary_compares_the_longest_ttl_with_none_under_the_slowest_sts() -> None:
    cells = [_cell(0, 200, "authorizer", 210.0, 0.0), _cell(300, 200, "authorizer", 7.0, 300.0, 15.0),
             _cell(0, 0, "authorizer", 12.0, 0.0), _cell(300, 0, "authorizer", 6.0, 315.0, 15.0)]
    summary = summarize(cells)
    assert summary["p50_speedup_ttl300_vs_ttl0_at_sts200ms"] == 30.0
    assert summary["revocation_lag_within_one_step_of_ttl"] is True


def test_a_lag_off_by_more_than_one_step_or_never_is_reported() -> None:
    key = "revocation_lag_within_one_step_of_ttl"
    assert summarize([_cell(30, 0, "authorizer", 5.0, 33.0, 1.5)])[key] is False
    assert summarize([_cell(30, 0, "authorizer", 5.0, None)])[key] is False


def test_the_markdown_table_has_a_row_per_cell() -> None:
    text = markdown({"cells": [_cell(0, 200, "function", 210.0, 0.0),
                               _cell(60, 50, "authorizer", 5.0, None)]})
    lines = text.strip().splitlines()
    assert len(lines) == 4 and "| 0 | 200 | function | 210.0 |" in lines[2] and lines[3].endswith("| never |")


def test_a_small_matrix_end_to_end_with_plots(tmp_path: Path) -> None:
    """Bounded run on its own target process: STS calls counted, cache hits past the first round of
    tokens, revocation lag equal to the TTL within one step, three PNG plots."""
    out = tmp_path / "bench.json"
    proc = subprocess.run([sys.executable, "-m", "harness.cli", "bench", "authorizer", "--requests", "24",
                           "--ttls", "0,30", "--sts-ms", "0", "--placements", "authorizer",
                           "--json", str(out), "--markdown", str(tmp_path / "bench.md"),
                           "--plots", str(tmp_path / "plots")],
                          capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(out.read_text())
    by_ttl = {c["ttl_s"]: c for c in result["cells"]}
    assert by_ttl[0]["sts_calls_per_1000"] == 1000.0 and by_ttl[0]["cache_hit_ratio"] == 0.0
    assert by_ttl[30]["cache_hit_ratio"] > 0 and by_ttl[30]["sts_calls_per_1000"] < 1000.0
    assert all(c["status"] == {"200": 24} for c in result["cells"])
    assert by_ttl[0]["revocation_lag_s"] == 0.0
    assert abs(by_ttl[30]["revocation_lag_s"] - 30) <= by_ttl[30]["step_s"]
    assert result["summary"]["revocation_lag_within_one_step_of_ttl"] is True
    for png in result["plots"]:
        assert Path(png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (tmp_path / "bench.md").read_text().count("\n") == 4


def test_bad_matrix_options_are_refused(tmp_path: Path) -> None:
    for args in (["--placements", "lambda"], ["--ttls", "x"], ["--requests", "0"], ["--sts-ms", "-5"]):
        proc = subprocess.run([sys.executable, "-m", "harness.cli", "bench", "authorizer", *args],
                              capture_output=True, text=True, timeout=60, cwd=tmp_path)
        assert proc.returncode == 2 and "error:" in proc.stderr, (args, proc.stderr)
