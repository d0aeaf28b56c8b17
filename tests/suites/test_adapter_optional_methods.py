"""The adapter's optional scenario methods: defaults that make a suite skip, and the reference
adapter's role matrix consistent with its own declarations."""

from __future__ import annotations

from typing import get_args

import pytest

from harness.suites.adapter import Binding, Credentials, RawTable, ResourceSpec, SaasAdapter, Target, Tenant
from harness.suites.lifecycle import NotSupported
from stack.harness_adapter import OFFBOARDING, ROLE_MATRIX, ReferenceAdapter


class Bare(SaasAdapter):
    """An adapter declaring only what is required."""

    def attach(self, target: Target) -> None:
        return None

    def onboard(self, tier: str, name: str | None = None) -> Tenant:
        raise NotImplementedError

    def sign_in(self, tenant: Tenant | None, role: str) -> Credentials:
        raise NotImplementedError

    def resources(self) -> tuple[ResourceSpec, ...]:
        return ()

    def raw_tables(self, tenant: Tenant) -> tuple[RawTable, ...]:
        return ()


def test_optional_methods_default_to_skip_values() -> None:
    bare = Bare()
    tenant = Tenant("t", "t", "basic", "http://127.0.0.1:1/", "pooled")
    assert bare.role_matrix() == ()
    assert bare.usage_plan(tenant) is None
    assert bare.authorizer_ttl("tenant") is None and bare.authorizer_ttl("admin") is None
    assert bare.disable_user(tenant, "someone") is False
    assert bare.tenant_credentials(tenant, "TenantAdmin") is None
    assert bare.scoped_policy("a" * 32, "TenantAdmin", "admin") is None


class WithAdmin(Bare):
    def admin_api_url(self) -> str:
        return "http://127.0.0.1:1/restapis/admin/prod/_user_request_"


def test_apis_are_the_tenant_api_plus_the_admin_api_only_where_one_is_named() -> None:
    """S3 and S4 ask for credentials and policies on these APIs only: an app without an admin API is
    attacked on its tenant API instead of being skipped whole."""
    assert Bare().apis() == ("tenant",)
    assert WithAdmin().apis() == ("tenant", "admin")


def test_lifecycle_methods_default_to_not_supported_so_s1_s8_s9_skip() -> None:
    bare = Bare()
    tenant = Tenant("t", "t", "basic", "http://127.0.0.1:1/", "pooled")
    assert bare.offboarding() is None
    for call in (lambda: bare.register("basic", "n"), lambda: bare.tenant_stack(tenant), bare.run_pipeline,
                 lambda: bare.failing_stack(1), lambda: bare.offboard(tenant)):
        with pytest.raises(NotSupported, match="SaasAdapter\\."):
            call()


def test_reference_offboarding_request_is_the_system_admins_delete_of_the_tenant() -> None:
    request = OFFBOARDING.request
    assert request is not None and request.allowed == frozenset({"SystemAdmin"})
    assert set(request.params) == set(request.route.params) and set(request.params.values()) == {"own_tenant"}
    assert ReferenceAdapter().offboarding() == OFFBOARDING


def test_reference_role_matrix_names_only_declared_roles_and_route_parameters() -> None:
    adapter = ReferenceAdapter()
    declared = {r.name for r in adapter.roles}
    bindings = set(get_args(Binding))
    for cell in ROLE_MATRIX:
        assert cell.allowed <= declared, cell
        assert set(cell.params) == set(cell.route.params), cell
        assert set(cell.params.values()) <= bindings, cell
    assert adapter.role_matrix() == ROLE_MATRIX


def test_reference_read_only_role_may_not_write_users_in_the_matrix() -> None:
    """TenantUser (writes=False) is allowed no admin-API write: the rule REFERENCE.md states."""
    readonly = next(r.name for r in ReferenceAdapter().roles if r.scope == "tenant" and not r.writes)
    writes = [c for c in ROLE_MATRIX if c.route.api == "admin" and c.route.method != "GET"]
    assert writes and all(readonly not in c.allowed for c in writes)
