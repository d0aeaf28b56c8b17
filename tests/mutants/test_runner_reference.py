"""The runner on the real reference stack: clean passes, a catalogued mutant is caught by its suite."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SUITE = '''
def test_a_tenant_user_creates_and_reads_its_own_product(saas_tenants, saas_users, saas_adapter):
    from harness.suites.client import created_id
    product = saas_adapter.resource("product")
    user = saas_users(saas_tenants.get("basic"), "TenantUser")
    made = user.create(product)
    assert made.status == 201, made.body
    assert user.read(product, created_id(product, made)).status == 200
'''


@pytest.mark.slow
def test_the_clean_reference_stack_passes_and_dal_uses_execution_role_is_caught(tmp_path: Path) -> None:
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "test_s2_api_isolation.py").write_text(SUITE)  # the name the mutant's caught-by gives
    report = tmp_path / "report.json"
    proc = subprocess.run([sys.executable, "-m", "harness.cli", "mutants", "--only",
                           "dal-uses-execution-role", "--suites", str(suite), "--json", str(report)],
                          cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = json.loads(report.read_text())
    assert data["clean"]["passed"] is True
    (mutant,) = data["mutants"]
    assert mutant["applied"] and mutant["caught"], mutant
    assert mutant["caught_by"].endswith("test_s2_api_isolation.py::"
                                        "test_a_tenant_user_creates_and_reads_its_own_product")
