"""Fixtures: in-process moto, a frozen virtual clock, the target's GatewayInvoker over functions
whose code is Python callables, and a gateway wired to it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from harness.changes import ChangeFeed
from harness.clock import VirtualClock
from harness.edge.app import Edge
from harness.edge.awslambda.models import CodeStore
from harness.edge.awslambda.responses import GatewayInvoker
from harness.edge.upstream import InProcessMoto
from harness.gateway import Gateway, IamAuthorizer
from tests.gateway.support import (
    ACCOUNT,
    REGION,
    ApiBuilder,
    FakeFunctions,
    FunctionDeployer,
    gateway_invoker,
)

# 2026-03-04 12:00:00 UTC, a Wednesday; quota tests rely on the weekday.
T0 = 1772625600.0


@pytest.fixture(scope="session")
def moto() -> InProcessMoto:
    return InProcessMoto(REGION, ACCOUNT)


@pytest.fixture
def apigw(moto: InProcessMoto) -> Any:
    return moto.client("apigateway")


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock(frozen_at=T0)


@pytest.fixture
def changes() -> ChangeFeed:
    return ChangeFeed()


@pytest.fixture
def code() -> CodeStore:
    return CodeStore()


@pytest.fixture
def fake(moto: InProcessMoto, changes: ChangeFeed, code: CodeStore,
         clock: VirtualClock) -> FakeFunctions:
    return FakeFunctions(FunctionDeployer(moto, changes, code), clock)


@pytest.fixture
def edge(moto: InProcessMoto, clock: VirtualClock, changes: ChangeFeed) -> Edge:
    return Edge(moto, clock, changes)


@pytest.fixture
def invoker(edge: Edge, code: CodeStore, fake: FakeFunctions) -> GatewayInvoker:
    return gateway_invoker(edge, code, fake)


@pytest.fixture
def make_gateway(apigw: Any, invoker: GatewayInvoker, clock: VirtualClock,
                 changes: ChangeFeed) -> Callable[..., Gateway]:
    def make(iam: IamAuthorizer | None = None, client: Any = None) -> Gateway:
        target = client if client is not None else apigw
        return Gateway(apigateway_client_factory=lambda: target, invoke=invoker, iam=iam,
                       clock=clock, changes=changes, region=REGION, account=ACCOUNT)
    return make


@pytest.fixture
def gw(make_gateway: Callable[..., Gateway]) -> Gateway:
    return make_gateway()


@pytest.fixture
def builder(apigw: Any, changes: ChangeFeed) -> Callable[..., ApiBuilder]:
    def make(**api_kwargs: Any) -> ApiBuilder:
        return ApiBuilder(apigw, changes, **api_kwargs)
    return make
