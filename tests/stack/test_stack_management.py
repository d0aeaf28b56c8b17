"""Tenant and user management by role (moto-backed, internal routes in-process)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import registration
import tenant_management
import user_management
from moto import mock_aws
from saas_common import roles

from tests.stack import onboarding_env
from tests.stack.onboarding_env import ControlPlane
from tests.stack.support import api_event, authorizer_context

SA, CS, TA, TU = roles.SYSTEM_ADMIN, roles.CUSTOMER_SUPPORT, roles.TENANT_ADMIN, roles.TENANT_USER
OPS = roles.OPERATIONS_TENANT_ID


class World:
    """Three tenants (two pooled, one Platinum) and a way to call the public routes as anyone."""

    def __init__(self, plane: ControlPlane) -> None:
        self.plane = plane
        self.tenants: dict[str, dict[str, Any]] = {}
        for name, tier in (("alpha", "basic"), ("beta", "premium"), ("gamma", "platinum")):
            status, body = plane.handle(registration, api_event("POST", "/registration", body=json.dumps(
                {"tenantName": name, "tenantEmail": f"admin@{name}.example", "tenantTier": tier})))
            assert status == 201, body
            self.tenants[name] = body

    def id(self, name: str) -> str:
        return str(self.tenants[name]["tenantId"])

    def pool(self, name: str) -> str:
        return self.plane.ops_pool if name == OPS else str(self.tenants[name]["userPoolId"])

    def as_(self, name: str, role: str, user: str | None = None) -> dict[str, str]:
        tenant = OPS if name == OPS else self.id(name)
        user = user or (f"tenant-admin-{tenant}" if name != OPS else "root-admin")
        return authorizer_context(tenant, role, user=user, pool=self.pool(name))

    def call(self, module: Any, method: str, resource: str, auth: dict[str, str],
             params: dict[str, str] | None = None, body: Any = None,
             query: dict[str, str] | None = None) -> tuple[int, Any]:
        event = api_event(method, resource, path_params=params, auth=auth, query=query,
                          body=json.dumps(body) if body is not None else None)
        return self.plane.handle(module, event)

    def tenant(self, method: str, name: str, auth: dict[str, str], body: Any = None,
               activation: bool = False) -> tuple[int, Any]:
        resource = "/tenant/activation/{tenantid}" if activation else "/tenant/{tenantid}"
        return self.call(tenant_management, method, resource, auth, {"tenantid": self.id(name)},
                         body)

    def user(self, method: str, user: str, auth: dict[str, str], body: Any = None,
             query: dict[str, str] | None = None) -> tuple[int, Any]:
        return self.call(user_management, method, "/user/{username}", auth, {"username": user},
                         body, query)


@pytest.fixture
def world(aws_env: None, monkeypatch: pytest.MonkeyPatch, lambda_context: Any) -> Iterator[World]:
    with mock_aws():
        yield World(onboarding_env.build(monkeypatch, lambda_context))


def test_tenant_reads_and_updates_by_role(world: World) -> None:
    w = world
    status, listed = w.call(tenant_management, "GET", "/tenants", w.as_(OPS, SA))
    assert status == 200 and {t["tenantName"] for t in listed} == {"alpha", "beta", "gamma"}
    assert all("apiKey" not in t for t in listed)
    assert w.call(tenant_management, "GET", "/tenants", w.as_("alpha", TA))[0] == 403
    assert w.tenant("GET", "alpha", w.as_("alpha", TA))[0] == 200
    assert w.tenant("GET", "beta", w.as_("alpha", TA))[0] == 403
    assert w.tenant("GET", "alpha", w.as_("alpha", TU, "u"))[0] == 403
    assert w.tenant("GET", "beta", w.as_(OPS, CS))[0] == 200
    status, updated = w.tenant("PUT", "alpha", w.as_("alpha", TA), {"tenantPhone": "+1 555 0199"})
    assert status == 200 and updated["phone"] == "+1 555 0199"
    assert w.tenant("PUT", "beta", w.as_("alpha", TA), {"tenantPhone": "+1 555 0199"})[0] == 403
    for smuggled in ({"tenantTier": "platinum"}, {"isActive": False}, {"apiKey": "x"}, {}):
        assert w.tenant("PUT", "alpha", w.as_("alpha", TA), smuggled)[0] == 400
    assert w.tenant("PUT", "alpha", w.as_(OPS, CS), {"tenantPhone": "+1 555 0100"})[0] == 403


def test_deactivation_and_activation(world: World) -> None:
    w, plane = world, world.plane
    assert w.tenant("DELETE", "alpha", w.as_("alpha", TA))[0] == 403
    assert w.tenant("DELETE", "gamma", w.as_(OPS, SA))[0] == 200
    gamma = w.id("gamma")
    row = plane.item("TENANT_DETAILS_TABLE", {"tenantId": gamma})
    assert row and row["isActive"] == {"BOOL": False} and row["apiGatewayUrl"] == {"S": ""}
    admin = plane.cognito.admin_get_user(UserPoolId=w.pool("gamma"),
                                         Username=f"tenant-admin-{gamma}")
    assert admin["Enabled"] is False
    assert plane.item("TENANT_STACK_MAPPING_TABLE", {"tenantId": gamma}) is None
    assert len(plane.pipeline_runs) == 2  # provision at registration, deprovision now
    assert w.tenant("PUT", "gamma", w.as_(OPS, SA), activation=True)[0] == 200
    row = plane.item("TENANT_DETAILS_TABLE", {"tenantId": gamma})
    assert row and row["isActive"] == {"BOOL": True}
    assert plane.cognito.admin_get_user(UserPoolId=w.pool("gamma"),
                                        Username=f"tenant-admin-{gamma}")["Enabled"] is True
    assert plane.item("TENANT_STACK_MAPPING_TABLE", {"tenantId": gamma}) is not None
    assert w.tenant("PUT", "alpha", w.as_("alpha", TA), activation=True)[0] == 403


def test_deactivation_disables_the_tenant_api_key_and_activation_enables_it(world: World) -> None:
    """A disabled API key admits no request on a method that requires one, whatever the authorizer
    (or its cache) says: offboarding cuts the tenant's usage identity at once.
    https://docs.aws.amazon.com/apigateway/latest/api/API_UpdateApiKey.html
    https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-usage-plans.html"""
    w, plane = world, world.plane

    def enabled(name: str) -> bool:
        row = plane.item("TENANT_DETAILS_TABLE", {"tenantId": w.id(name)})
        assert row is not None
        return bool(plane.apigw.get_api_key(apiKey=row["apiKeyId"]["S"])["enabled"])

    assert enabled("alpha") and enabled("beta")
    assert w.tenant("DELETE", "alpha", w.as_("beta", TA))[0] == 403
    assert enabled("alpha")
    assert w.tenant("DELETE", "alpha", w.as_(OPS, SA))[0] == 200
    assert not enabled("alpha") and enabled("beta")
    assert w.tenant("PUT", "alpha", w.as_(OPS, SA), activation=True)[0] == 200
    assert enabled("alpha")


def test_tenant_admin_manages_its_own_users_only(world: World) -> None:
    w = world
    alpha, beta = w.id("alpha"), w.id("beta")
    new = {"userName": "bob", "userEmail": "bob@alpha.example", "userRole": TU}
    status, bob = w.call(user_management, "POST", "/user", w.as_("alpha", TA), body=new)
    assert status == 201 and bob["tenantId"] == alpha and bob["password"]
    got = w.plane.cognito.admin_get_user(UserPoolId=w.pool("alpha"), Username="bob")
    attrs = {a["Name"]: a["Value"] for a in got["UserAttributes"]}
    assert attrs["custom:tenantId"] == alpha and attrs["custom:userRole"] == TU
    for body, status in (({**new, "userName": "eve", "tenantId": beta}, 403),
                         ({**new, "userName": "eve", "userRole": SA}, 403),
                         ({**new, "userName": "tenant-admin-x"}, 400),
                         ({**new, "userName": "eve", "custom:tenantId": beta}, 400),
                         (new, 409)):
        assert w.call(user_management, "POST", "/user", w.as_("alpha", TA), body=body)[0] == status
    assert w.call(user_management, "POST", "/user", w.as_("alpha", TU, "bob"),
                  body={**new, "userName": "eve"})[0] == 403
    status, users = w.call(user_management, "GET", "/users", w.as_("alpha", TA))
    assert status == 200 and {u["userName"] for u in users} == {"bob", f"tenant-admin-{alpha}"}
    assert w.call(user_management, "GET", "/users", w.as_("alpha", TA),
                  query={"tenantId": beta})[0] == 403
    assert w.user("GET", f"tenant-admin-{beta}", w.as_("alpha", TA))[0] == 404
    assert w.user("GET", f"tenant-admin-{beta}", w.as_("alpha", TA), query={"tenantId": beta})[0] == 404
    assert w.user("PUT", f"tenant-admin-{beta}", w.as_("alpha", TA), {"userRole": TU})[0] == 404
    assert w.user("DELETE", f"tenant-admin-{beta}", w.as_("alpha", TA))[0] == 404


def test_user_updates_respect_roles_and_immutable_tenancy(world: World) -> None:
    w = world
    w.call(user_management, "POST", "/user", w.as_("alpha", TA),
           body={"userName": "bob", "userEmail": "bob@alpha.example", "userRole": TU})
    assert w.user("GET", "bob", w.as_("alpha", TU, "bob"))[0] == 200
    assert w.user("PUT", "bob", w.as_("alpha", TU, "bob"), {"userRole": TA})[0] == 403
    assert w.user("PUT", "bob", w.as_("alpha", TA), {"tenantId": w.id("beta")})[0] == 400
    assert w.user("PUT", "bob", w.as_("alpha", TA), {"custom:tenantId": w.id("beta")})[0] == 400
    assert w.user("PUT", "bob", w.as_("alpha", TA), {"userRole": SA})[0] == 403
    status, bob = w.user("PUT", "bob", w.as_("alpha", TA), {"userRole": TA,
                                                            "userEmail": "b2@alpha.example"})
    assert status == 200 and (bob["userRole"], bob["email"]) == (TA, "b2@alpha.example")
    admin = f"tenant-admin-{w.id('alpha')}"
    assert w.user("PUT", admin, w.as_("alpha", TA), {"userRole": TU})[0] == 400
    assert w.user("DELETE", admin, w.as_("alpha", TA))[0] == 400
    assert w.user("DELETE", "bob", w.as_("alpha", TU, "x"))[0] == 403
    assert w.user("DELETE", "bob", w.as_("alpha", TA))[0] == 200
    assert w.user("GET", "bob", w.as_("alpha", TA))[0] == 404
    assert w.plane.item("TENANT_USER_MAPPING_TABLE", {"tenantId": w.id("alpha"),
                                                      "userName": "bob"}) is None


def test_provider_views_and_operations_users(world: World) -> None:
    w = world
    status, found = w.user("GET", f"tenant-admin-{w.id('gamma')}", w.as_(OPS, CS))
    assert status == 200 and found["tenantId"] == w.id("gamma")
    status, users = w.call(user_management, "GET", "/users", w.as_(OPS, SA),
                           query={"tenantId": w.id("beta")})
    assert status == 200 and [u["userName"] for u in users] == [f"tenant-admin-{w.id('beta')}"]
    new = {"userName": "helpdesk", "userEmail": "help@saas.example", "userRole": CS}
    status, created = w.call(user_management, "POST", "/user", w.as_(OPS, SA), body=new)
    assert status == 201 and created["tenantId"] == OPS
    assert "helpdesk" in w.plane.user_names(w.plane.ops_pool)
    assert w.call(user_management, "POST", "/user", w.as_(OPS, SA),
                  body={**new, "userName": "x", "userRole": TA})[0] == 403
    assert w.call(user_management, "POST", "/user", w.as_(OPS, CS),
                  body={**new, "userName": "y"})[0] == 403
    assert w.user("PUT", "helpdesk", w.as_(OPS, CS), {"userRole": SA})[0] == 403
