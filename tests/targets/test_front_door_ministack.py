"""What the front door mends in front of ministack: behaviour the suites rely on that it lacks."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest

from harness.target import EmbeddedTarget, TargetOptions
from tests.targets.servers import MiniStack

pytestmark = pytest.mark.endpoint


@pytest.fixture
def edge(ministack: MiniStack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedTarget]:
    with EmbeddedTarget(TargetOptions(port=0, upstream_url=ministack.url,
                                      work_dir=tmp_path_factory.mktemp("ministack-edge"))) as t:
        yield t


def test_get_usage_plans_by_key_lists_only_the_keys_own_plans(edge: EmbeddedTarget,
                                                              ministack: MiniStack) -> None:
    """GetUsagePlans with keyId lists the usage plans that key is associated with; ministack lists every
    plan, so the edge applies the filter.
    https://docs.aws.amazon.com/apigateway/latest/api/API_GetUsagePlans.html"""
    def client(url: str) -> object:
        return boto3.session.Session().client("apigateway", region_name="us-east-1", endpoint_url=url,
                                              aws_access_key_id="test", aws_secret_access_key="test")

    apigw = client(edge.endpoint)
    mine = apigw.create_usage_plan(name="mine")  # type: ignore[attr-defined]
    apigw.create_usage_plan(name="other")  # type: ignore[attr-defined]
    key = apigw.create_api_key(name="k", enabled=True)  # type: ignore[attr-defined]
    apigw.create_usage_plan_key(usagePlanId=mine["id"], keyId=key["id"], keyType="API_KEY")  # type: ignore[attr-defined]
    direct = client(ministack.url).get_usage_plans(keyId=key["id"])["items"]  # type: ignore[attr-defined]
    assert len(direct) >= 2  # ministack itself ignores the filter
    assert [p["id"] for p in apigw.get_usage_plans(keyId=key["id"])["items"]] == [mine["id"]]  # type: ignore[attr-defined]
    assert len(apigw.get_usage_plans()["items"]) == len(direct)  # type: ignore[attr-defined]
