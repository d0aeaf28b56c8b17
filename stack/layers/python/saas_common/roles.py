"""Roles and the role rules, as data, so authorizers, functions and tests share one table."""

from __future__ import annotations

import re

SYSTEM_ADMIN = "SystemAdmin"
CUSTOMER_SUPPORT = "CustomerSupport"
TENANT_ADMIN = "TenantAdmin"
TENANT_USER = "TenantUser"

PROVIDER_ROLES = frozenset({SYSTEM_ADMIN, CUSTOMER_SUPPORT})
TENANT_ROLES = frozenset({TENANT_ADMIN, TENANT_USER})
ALL_ROLES = PROVIDER_ROLES | TENANT_ROLES

# custom:tenantId of operations users, who belong to the SaaS provider and to no tenant.
OPERATIONS_TENANT_ID = "system_admins"

# Tenant ids are uuid1().hex. The session policies rely on this shape: with a fixed length and
# no '-' or wildcard, the prefix '<tenantId>-' of one tenant is never a prefix of another's.
TENANT_ID_RE = re.compile(r"[0-9a-f]{32}")

# (effect, HTTP verb, resource path) per role on the admin API. The authorizer's result is cached
# for the token, so it lists every method the role may call, not just the one being called.
ADMIN_API_METHODS: dict[str, tuple[tuple[str, str, str], ...]] = {
    SYSTEM_ADMIN: (("Allow", "*", "*"),),
    CUSTOMER_SUPPORT: (
        ("Allow", "GET", "tenant/*"),
        ("Allow", "GET", "users"),
        ("Allow", "GET", "user/*"),
    ),
    TENANT_ADMIN: (
        ("Allow", "GET", "tenant/*"),
        ("Allow", "PUT", "tenant/*"),
        ("Allow", "POST", "user"),
        ("Allow", "GET", "users"),
        ("Allow", "GET", "user/*"),
        ("Allow", "PUT", "user/*"),
        ("Allow", "DELETE", "user/*"),
        ("Deny", "PUT", "tenant/activation/*"),
    ),
    TENANT_USER: (
        ("Allow", "GET", "users"),
        ("Allow", "GET", "user/*"),
    ),
}

# Tenant API: tenant roles use every business method; the provider has no business data there.
TENANT_API_METHODS: dict[str, tuple[tuple[str, str, str], ...]] = {
    TENANT_ADMIN: (("Allow", "*", "*"),),
    TENANT_USER: (("Allow", "*", "*"),),
}


def is_provider(role: str) -> bool:
    return role in PROVIDER_ROLES


def is_tenant_id(value: object) -> bool:
    return isinstance(value, str) and TENANT_ID_RE.fullmatch(value) is not None


def may_list_tenants(role: str) -> bool:
    return role == SYSTEM_ADMIN


def may_change_activation(role: str) -> bool:
    """Activate, deactivate (DELETE /tenant/{id}): the SaaS provider's admin only."""
    return role == SYSTEM_ADMIN


def may_read_tenant(role: str, caller_tenant: str, tenant_id: str) -> bool:
    if role in PROVIDER_ROLES:
        return True
    return role == TENANT_ADMIN and caller_tenant == tenant_id


def may_update_tenant(role: str, caller_tenant: str, tenant_id: str) -> bool:
    if role == SYSTEM_ADMIN:
        return True
    return role == TENANT_ADMIN and caller_tenant == tenant_id


def may_read_users(role: str, caller_tenant: str, tenant_id: str) -> bool:
    """Tenant roles see their own tenant's users; the provider sees everyone's."""
    if role in PROVIDER_ROLES:
        return True
    return role in TENANT_ROLES and caller_tenant == tenant_id


def may_write_users(role: str, caller_tenant: str, tenant_id: str) -> bool:
    """Create, update, delete users: a TenantAdmin in its own tenant, or the SystemAdmin."""
    if role == SYSTEM_ADMIN:
        return True
    return role == TENANT_ADMIN and caller_tenant == tenant_id


def assignable_roles(caller_role: str, operations_user: bool) -> frozenset[str]:
    """Roles the caller may give a user; nobody may grant a role across the provider/tenant line."""
    if caller_role == SYSTEM_ADMIN:
        return PROVIDER_ROLES if operations_user else TENANT_ROLES
    if caller_role == TENANT_ADMIN and not operations_user:
        return TENANT_ROLES
    return frozenset()
