"""Shared fixtures: an embedded target on a free loopback port, boto3 clients, hypothesis profiles."""

from __future__ import annotations

import os
import random
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import botocore.config
import pytest
from hypothesis import settings

from harness.target import EmbeddedTarget, TargetOptions

# Profiles ci/dev/deep are registered by the saas-harness pytest plugin (harness/suites/profiles.py).
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

CLIENT_CONFIG = botocore.config.Config(retries={"max_attempts": 1, "mode": "standard"},
                                       connect_timeout=5, read_timeout=60)

ClientFactory = Callable[..., Any]


def make_client_factory(endpoint: str, region: str = "us-east-1") -> ClientFactory:
    def client(service: str, *, key: str = "test", secret: str = "test",
               token: str | None = None, creds: dict[str, str] | None = None) -> Any:
        if creds is not None:
            key, secret, token = creds["AccessKeyId"], creds["SecretAccessKey"], creds.get(
                "SessionToken")
        return boto3.session.Session().client(
            service, region_name=region, endpoint_url=endpoint, aws_access_key_id=key,
            aws_secret_access_key=secret, aws_session_token=token, config=CLIENT_CONFIG)

    return client


@pytest.fixture(scope="session")
def target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedTarget]:
    """One embedded target for the session; tests that need a clean slate use `fresh_target`."""
    opts = TargetOptions(port=0, work_dir=tmp_path_factory.mktemp("harness"))
    with EmbeddedTarget(opts) as t:
        yield t


@pytest.fixture
def fresh_target(tmp_path: Any) -> Iterator[EmbeddedTarget]:
    """A target of its own, in an account of its own, so resetting it touches nothing else."""
    account = f"{random.randrange(10**11, 10**12):012d}"
    with EmbeddedTarget(TargetOptions(port=0, work_dir=tmp_path / "harness",
                                      account=account)) as t:
        yield t


@pytest.fixture(scope="session")
def aws(target: EmbeddedTarget) -> ClientFactory:
    """boto3 clients against the session target; root by default, any credentials on request."""
    return make_client_factory(target.endpoint)


# The longest tests (whole suite runs against endpoints, the fidelity run) start first, so that
# under xdist they overlap the many short ones instead of running alone at the end.
LONGEST_FIRST = (
    "tests/targets/test_run_endpoint.py::test_run_passes_against_moto_server_behind_the_front_door",
    "tests/targets/test_run_endpoint.py::test_run_passes_against_ministack_behind_the_front_door",
    "tests/fidelity/test_fidelity_cli.py::test_fidelity_against_ministack_reports_the_client_sent_api_key_difference",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    rank = {nodeid: i for i, nodeid in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid, len(rank)))  # stable: the rest keep their order
