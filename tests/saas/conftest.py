"""The reference SaaS brought up on an embedded target of its own, shared by the SaaS tests."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from harness.client.saas import SaasClient, Tokens
from harness.saas.bootstrap import SaasDeployment, bring_up
from harness.saas.onboard import TenantRecord, register_one
from harness.target import EmbeddedTarget, TargetOptions
from tests.conftest import make_client_factory


@dataclass
class Saas:
    target: EmbeddedTarget
    deployment: SaasDeployment
    client: SaasClient
    aws: Any

    @property
    def state(self) -> dict[str, Any]:
        return self.deployment.state

    def table(self, name: str) -> str:
        return str(self.state["tables"][name])

    def register(self, tier: str, name: str | None = None) -> TenantRecord:
        return register_one(self.client, name or f"t{uuid.uuid4().hex[:8]}-{tier}", tier, 120.0)

    def sign_in(self, tenant: TenantRecord) -> Tokens:
        return self.client.sign_in(tenant.user_pool_id, tenant.client_id, tenant.admin_username,
                                   tenant.admin_password)

    def operator_token(self, role: str = "SystemAdmin") -> str:
        op = next(o for o in self.state["operators"] if o["role"] == role)
        pool = self.state["user_pools"]["operations"]
        return self.client.sign_in(pool["user_pool_id"], pool["client_id"], op["username"],
                                   op["password"]).id_token

    def details(self, tenant_id: str) -> dict[str, Any]:
        item = self.aws("dynamodb").get_item(TableName=self.table("TenantDetails"),
                                             Key={"tenantId": {"S": tenant_id}}).get("Item")
        return {k: next(iter(v.values())) for k, v in (item or {}).items()}


@pytest.fixture(scope="session")
def saas(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Saas]:
    work = tmp_path_factory.mktemp("saas")
    opts = TargetOptions(port=0, work_dir=Path(work), account="210987654321")
    with EmbeddedTarget(opts) as target:
        deployment = bring_up(target, Path(work))
        client = SaasClient(target.endpoint, deployment.state["admin_api_url"])
        yield Saas(target, deployment, client, make_client_factory(target.endpoint))


@pytest.fixture(scope="session")
def tenants(saas: Saas) -> dict[str, TenantRecord]:
    """One tenant of every tier, registered through the public API."""
    return {tier: saas.register(tier) for tier in ("basic", "standard", "premium", "platinum")}
