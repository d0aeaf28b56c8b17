"""S5 role matrix: every role may make exactly the requests the app declares for it, and a user
cannot raise its own tenant or role through Cognito's self-service attribute update.

API Gateway Lambda authorizer policies (Allow/Deny per method ARN; a request the policy does not
allow is 403): https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-output.html
Cognito UpdateUserAttributes with the user's access token may write only the app client's
WriteAttributes, and immutable custom attributes never change:
https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-settings-attributes.html
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import boto3
import botocore.config
import botocore.exceptions
import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.suites.adapter import RouteAccess, SaasAdapter, Target, Tenant
from harness.suites.client import SignedInClient, created_id, listed_ids
from harness.suites.helpers import TenantFactory, Users
from harness.suites.tokens import split

REFUSED = (401, 403, 404)
"""A refusal: unauthenticated, forbidden, or not found (an app may hide what a role may not see)."""


@dataclass(frozen=True)
class World:
    """The subject tenant, another tenant, and a signed-in client per role for the subject."""

    subject: Tenant
    other: Tenant
    clients: Mapping[str, SignedInClient]
    own_user: str
    other_user: str


@pytest.fixture(scope="module")
def subject_tenants(saas_adapter: SaasAdapter, saas_tenants: TenantFactory) -> tuple[Tenant, Tenant]:
    """A fresh subject tenant (its users and contact details get changed) and a shared other one."""
    if not saas_adapter.role_matrix():
        pytest.skip(f"{saas_adapter.name} declares no role matrix (SaasAdapter.role_matrix)")
    tiers = saas_adapter.tiers or ("default",)
    return saas_tenants.fresh(tiers[0]), saas_tenants.get(tiers[0])


@pytest.fixture
def world(saas_adapter: SaasAdapter, subject_tenants: tuple[Tenant, Tenant], saas_users: Users) -> World:
    """Clients from the session's sign-in cache, per test: never a token a clock jump expired."""
    subject, other = subject_tenants
    low = _least_role(saas_adapter)
    clients = {r.name: saas_users(subject if r.scope == "tenant" else None, r.name)
               for r in saas_adapter.roles}
    return World(subject, other, clients, clients[low].credentials.username,
                 saas_users(other, low).credentials.username)


def _least_role(adapter: SaasAdapter) -> str:
    """The tenant role that does not write (the read-only user), else the first tenant role."""
    tenant_roles = [r for r in adapter.roles if r.scope == "tenant"]
    return next((r.name for r in tenant_roles if not r.writes), tenant_roles[0].name)


def _bind(value: str, world: World) -> str:
    bound = {"own_tenant": world.subject.id, "other_tenant": world.other.id, "own_user": world.own_user,
             "other_user": world.other_user, "unique": f"s5{uuid.uuid4().hex[:12]}"}
    return bound.get(value, value)


def _call(cell: RouteAccess, role: str, world: World) -> int:
    client = world.clients[role]
    params = {name: _bind(binding, world) for name, binding in cell.params.items()}
    body = None if cell.body is None else {
        k: _bind(v, world) if isinstance(v, str) else v for k, v in cell.body.items()}
    named = [*cell.params.values(), *(v for v in (cell.body or {}).values() if isinstance(v, str))]
    foreign = bool({"other_tenant", "other_user"} & set(named))
    if foreign and client.tenant is not None:  # a tenant's user asking for another tenant's record
        return client.call(cell.route, body=body, params=params, tenant=world.subject, attack=True).status
    return client.call(cell.route, body=body, params=params, tenant=world.subject).status


def _violation(cell: RouteAccess, role: str, world: World) -> str | None:
    """None when the answer matches the declaration; otherwise what went wrong."""
    allowed = role in cell.allowed
    if allowed and cell.destructive:
        return None
    status = _call(cell, role, world)
    where = f"{role} {cell.route.method} {cell.route.api}:{cell.route.path} {dict(cell.params)}"
    if status >= 500:
        return f"{where}: {status} (a 5xx is a finding)"
    if allowed and not 200 <= status < 300:
        return f"{where}: declared allowed, answered {status}"
    if not allowed and status not in REFUSED:
        return f"{where}: declared refused, answered {status}"
    return None


def test_every_role_is_allowed_exactly_the_declared_requests(saas_adapter: SaasAdapter,
                                                             world: World) -> None:
    """The whole matrix, every role against every declared request, all violations at once."""
    violations = [v for cell in saas_adapter.role_matrix() for role in world.clients
                  if (v := _violation(cell, role, world)) is not None]
    assert violations == []


@given(data=st.data())
def test_role_matrix_holds_in_any_interleaving_of_roles(saas_adapter: SaasAdapter, world: World,
                                                        data: st.DataObject) -> None:
    """Requests of different roles interleaved in a drawn order: no decision leaks from one role's
    request (or a cached authorizer result) into another's."""
    cells = saas_adapter.role_matrix()
    steps = data.draw(st.lists(st.tuples(st.sampled_from(cells), st.sampled_from(sorted(world.clients))),
                               min_size=2, max_size=6))
    violations = [v for cell, role in steps if (v := _violation(cell, role, world)) is not None]
    assert violations == []


def _cognito(target: Target) -> Any:
    """cognito-idp on the target; the self-service call is authorised by the access token alone."""
    endpoint = None if target.state.get("aws") else target.endpoint
    return boto3.session.Session().client(
        "cognito-idp", region_name=target.region, endpoint_url=endpoint, aws_access_key_id="test",
        aws_secret_access_key="test", config=botocore.config.Config(retries={"max_attempts": 1}))


ESCALATIONS = ("custom:tenantId", "custom:userRole")


@pytest.mark.parametrize("attribute", ESCALATIONS)
def test_self_service_attribute_update_cannot_change_tenant_or_role(
        attribute: str, saas_adapter: SaasAdapter, saas_suite_target: Target, saas_tenants: TenantFactory,
        saas_users: Users, world: World) -> None:
    """UpdateUserAttributes with the user's own access token, writing its tenant id (to another
    tenant's) or its role (to the most powerful one): refused, or the user can do nothing new."""
    low = _least_role(saas_adapter)
    victim = world.other
    resource = saas_adapter.resources()[0]
    victim_item = created_id(resource, saas_users(victim, next(
        r.name for r in saas_adapter.roles if r.scope == "tenant" and r.writes)).create(resource))
    user = saas_users.fresh(world.subject, low)
    value = victim.id if attribute == "custom:tenantId" else next(
        (r.name for r in saas_adapter.roles if r.scope == "provider" and r.writes), "SystemAdmin")
    before = split(user.credentials.token)[1]
    try:
        _cognito(saas_suite_target).update_user_attributes(
            AccessToken=user.credentials.access_token, UserAttributes=[{"Name": attribute, "Value": value}])
        refused = False
    except botocore.exceptions.ClientError as exc:
        refused = True
        assert exc.response["ResponseMetadata"]["HTTPStatusCode"] < 500, exc.response
    after = saas_users.fresh(world.subject, low)
    claims = split(after.credentials.token)[1]
    # Whatever Cognito answered, the re-signed-in user must act as before: its own tenant's data only,
    # and still refused wherever its role is refused.
    assert victim_item not in listed_ids(resource, after.call(resource.list, tenant=world.subject))
    assert after.read(resource, victim_item).status in REFUSED
    stale = World(world.subject, world.other, {**world.clients, low: after}, world.own_user, world.other_user)
    violations = [v for cell in saas_adapter.role_matrix() if low not in cell.allowed
                  if (v := _violation(cell, low, stale)) is not None]
    assert violations == [], (refused, before.get(attribute), claims.get(attribute))
