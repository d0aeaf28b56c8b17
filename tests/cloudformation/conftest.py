"""Fixtures for the CloudFormation API tests: a root client and unique stack names."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from tests.conftest import ClientFactory

_counter = itertools.count()


@pytest.fixture
def cfn(aws: ClientFactory) -> Any:
    return aws("cloudformation")


@pytest.fixture
def stack_name(request: pytest.FixtureRequest) -> str:
    """A stack name unique in the session (stack names flow into resource names)."""
    return f"c{next(_counter)}-{request.node.name[5:20].replace('_', '-').strip('-')}"


def wait(cfn: Any, name: str, waiter: str) -> dict[str, Any]:
    """A boto3 waiter with a short delay, then the stack as DescribeStacks shows it."""
    cfn.get_waiter(waiter).wait(StackName=name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 300})
    return dict(cfn.describe_stacks(StackName=name)["Stacks"][0])
