"""pytest plugin: a `saas_target` fixture so a user's own tests reach the harness like ours do."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# The isolation suites' fixtures (adapter, tenants, users, attacker, clock) and hypothesis profiles.
pytest_plugins = ["harness.suites.fixtures"]


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("saas-harness")
    group.addoption("--saas-endpoint", default=os.environ.get("SAAS_HARNESS_ENDPOINT"),
                    help="use a running target at this URL instead of starting an embedded one")
    group.addoption("--saas-work-dir", default=".harness",
                    help="where a running target's state.json lives")


@pytest.fixture(scope="session")
def saas_target(request: pytest.FixtureRequest,
                tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The target's state: a running one (--saas-endpoint or state.json) or a fresh embedded one.

    A state file is health-checked first: one whose target is gone fails the fixture with the
    reason instead of handing tests a dead URL. --saas-endpoint may be any AWS-compatible
    endpoint (LocalStack has no /_harness/health), so it is taken as given.
    """
    from harness.state import StaleState, read_live_state, state_path

    endpoint = request.config.getoption("--saas-endpoint")
    work_dir = Path(request.config.getoption("--saas-work-dir")).resolve()
    state: dict[str, Any] | None = None
    if endpoint:
        state = {"endpoint": endpoint, "region": "us-east-1"}
    elif state_path(work_dir).exists():
        try:
            state = read_live_state(work_dir)
        except StaleState as exc:
            pytest.fail(f"saas_target: {exc}", pytrace=False)
    if state is not None:
        yield state
        return
    from harness.target import EmbeddedTarget, TargetOptions

    with EmbeddedTarget(TargetOptions(port=0, work_dir=tmp_path_factory.mktemp("saas"))) as t:
        yield t.describe()
