"""The reference adapter attached to a SaaS that is already running, through its state file only."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from harness.saas.bootstrap import bring_up
from harness.saas.layout import build_version
from harness.state import write_state
from harness.suites.adapter import Target
from harness.target import EmbeddedTarget
from stack.harness_adapter import STACK_DIR_ENV, ReferenceAdapter
from tests.suites.test_plugin import REPO, run_pytest


def test_the_contract_passes_against_a_running_saas_named_by_its_state_file(
        tmp_path: Path, fresh_target: EmbeddedTarget) -> None:
    state = bring_up(fresh_target, tmp_path / "work").state
    path = write_state(state, tmp_path / "work")
    rc, out = run_pytest(tmp_path, "from harness.suites.contract import *  # noqa: F403\n",
                         "--saas-state", str(path), env={"PYTHONPATH": str(REPO)})
    assert rc == 0, out
    assert "8 passed" in out


def test_the_reference_adapter_says_how_to_start_the_saas_when_the_state_lacks_it() -> None:
    with pytest.raises(RuntimeError, match="start it with `saas-harness up`"):
        ReferenceAdapter().attach(Target("http://127.0.0.1:9", state={"endpoint": "http://127.0.0.1:9"}))


def test_the_reference_adapter_deploys_a_changed_copy_of_stack(tmp_path: Path, fresh_target: EmbeddedTarget,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """How a mutant runs: the copy's build is what the pipeline rolls out to the tenant stacks."""
    copy = tmp_path / "stack"
    shutil.copytree(REPO / "stack", copy, ignore=shutil.ignore_patterns("__pycache__"))
    service = copy / "src" / "product_service" / "product_service.py"
    service.write_text(service.read_text() + "\n# changed copy\n")
    monkeypatch.setenv(STACK_DIR_ENV, str(copy))
    adapter = ReferenceAdapter()
    assert adapter.stack_dir == copy
    adapter.attach(Target(fresh_target.endpoint, embedded=fresh_target, work_dir=tmp_path / "work"))
    assert adapter.state["build_version"] == build_version(copy) != build_version()
