"""User management on the admin API, by role (REFERENCE.md "Role rules")."""

from __future__ import annotations

import uuid

import pytest

from harness.client.saas import Tokens
from harness.saas.onboard import TenantRecord
from tests.saas.conftest import Saas


@pytest.fixture(scope="module")
def admin_tokens(saas: Saas, tenants: dict[str, TenantRecord]) -> dict[str, Tokens]:
    return {tier: saas.sign_in(tenants[tier]) for tier in ("basic", "standard")}


@pytest.fixture(scope="module")
def tenant_user(saas: Saas, tenants: dict[str, TenantRecord],
                admin_tokens: dict[str, Tokens]) -> dict[str, str]:
    """A TenantUser created by the basic tenant's admin."""
    name = f"user-{uuid.uuid4().hex[:8]}"
    reply = saas.client.admin("POST", "/user", token=admin_tokens["basic"].id_token,
                              body={"userName": name, "userEmail": f"{name}@example.com",
                                    "userRole": "TenantUser"})
    assert reply.status == 201, reply
    t = tenants["basic"]
    tokens = saas.client.sign_in(t.user_pool_id, t.client_id, name, reply.body["password"])
    return {"name": name, "token": tokens.id_token, "access": tokens.access_token}


def test_tenant_admin_creates_a_user_in_its_own_tenant(saas: Saas, tenants: dict[str, TenantRecord],
                                                       tenant_user: dict[str, str]) -> None:
    user = saas.aws("cognito-idp").admin_get_user(UserPoolId=tenants["basic"].user_pool_id,
                                                  Username=tenant_user["name"])
    attrs = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
    assert attrs["custom:tenantId"] == tenants["basic"].id
    assert attrs["custom:userRole"] == "TenantUser"


def test_tenant_user_is_read_only_on_users(saas: Saas, tenant_user: dict[str, str]) -> None:
    token = tenant_user["token"]
    listed = saas.client.admin("GET", "/users", token=token)
    assert listed.status == 200 and tenant_user["name"] in {u["userName"] for u in listed.body}
    made = saas.client.admin("POST", "/user", token=token, body={
        "userName": "sneaky", "userEmail": "s@example.com", "userRole": "TenantAdmin"})
    assert made.status == 403
    assert saas.client.admin("PUT", f"/user/{tenant_user['name']}", token=token,
                             body={"userRole": "TenantAdmin"}).status == 403


def test_tenant_user_keeps_full_business_access(saas: Saas, tenants: dict[str, TenantRecord],
                                                tenant_user: dict[str, str]) -> None:
    url = f"{tenants['basic'].api_url}/product"
    made = saas.client.request("POST", url, token=tenant_user["token"], body={
        "name": "by user", "sku": "u1", "category": "c", "price": 1})
    assert made.status == 201


def test_tenant_admin_cannot_touch_another_tenants_users(saas: Saas,
                                                         admin_tokens: dict[str, Tokens],
                                                         tenant_user: dict[str, str]) -> None:
    other = admin_tokens["standard"].id_token
    path = f"/user/{tenant_user['name']}"
    assert saas.client.admin("GET", path, token=other).status in (403, 404)
    assert saas.client.admin("PUT", path, token=other, body={"userEmail": "x@example.com"}).status \
        in (403, 404)
    assert saas.client.admin("DELETE", path, token=other).status in (403, 404)
    listed = saas.client.admin("GET", "/users", token=other).body
    assert tenant_user["name"] not in {u["userName"] for u in listed}


def test_tenant_admin_cannot_create_users_in_another_tenant(
        saas: Saas, tenants: dict[str, TenantRecord], admin_tokens: dict[str, Tokens]) -> None:
    reply = saas.client.admin("POST", "/user", token=admin_tokens["standard"].id_token, body={
        "userName": "planted", "userEmail": "p@example.com", "userRole": "TenantUser",
        "tenantId": tenants["basic"].id})
    assert reply.status == 403


def test_a_user_cannot_write_its_own_tenant_or_role_attribute(
        saas: Saas, tenants: dict[str, TenantRecord], tenant_user: dict[str, str]) -> None:
    from botocore.exceptions import ClientError

    cognito = saas.client._cognito
    for name, value in (("custom:tenantId", tenants["standard"].id),
                        ("custom:userRole", "TenantAdmin")):
        with pytest.raises(ClientError):
            cognito.update_user_attributes(AccessToken=tenant_user["access"],
                                           UserAttributes=[{"Name": name, "Value": value}])


def test_only_the_system_admin_lists_tenants(saas: Saas, tenants: dict[str, TenantRecord],
                                             admin_tokens: dict[str, Tokens]) -> None:
    listed = saas.client.admin("GET", "/tenants", token=saas.operator_token("SystemAdmin"))
    assert listed.status == 200 and {t.id for t in tenants.values()} <= {
        t["tenantId"] for t in listed.body}
    assert saas.client.admin("GET", "/tenants", token=admin_tokens["basic"].id_token).status == 403
    assert saas.client.admin("GET", "/tenants",
                             token=saas.operator_token("CustomerSupport")).status == 403


def test_tenant_admin_reads_its_own_tenant_only(saas: Saas, tenants: dict[str, TenantRecord],
                                                admin_tokens: dict[str, Tokens]) -> None:
    token = admin_tokens["basic"].id_token
    own = saas.client.admin("GET", f"/tenant/{tenants['basic'].id}", token=token)
    assert own.status == 200 and own.body["tenantId"] == tenants["basic"].id
    other = saas.client.admin("GET", f"/tenant/{tenants['standard'].id}", token=token)
    assert other.status in (403, 404)
    assert saas.client.admin("PUT", f"/tenant/activation/{tenants['basic'].id}",
                             token=token).status == 403
