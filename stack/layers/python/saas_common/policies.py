"""Per-request STS session policies (REFERENCE "Scoped credentials"): the pooled isolation boundary."""

from __future__ import annotations

import json
from typing import Any

from saas_common import roles

BUSINESS = "business"  # the tenant API: Product-* and Order-* tables
SHARED = "shared"  # the admin API: TenantDetails and TenantUserMapping

BUSINESS_ACTIONS = ("GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query")
READ_ACTIONS = ("GetItem", "Query")
SYSTEM_ADMIN_ACTIONS = (*BUSINESS_ACTIONS, "Scan")
SUPPORT_ACTIONS = ("GetItem", "Query", "Scan")


class PolicyError(ValueError):
    """No policy may be built for this caller: refuse rather than hand out a wide one."""


def _table_arn(region: str, account: str, name: str, partition: str) -> str:
    return f"arn:{partition}:dynamodb:{region}:{account}:table/{name}"


def _statement(actions: tuple[str, ...], resources: list[str],
               condition: dict[str, Any] | None = None) -> dict[str, Any]:
    stmt: dict[str, Any] = {
        "Effect": "Allow",
        "Action": [f"dynamodb:{a}" for a in actions],
        "Resource": resources,
    }
    if condition is not None:
        stmt["Condition"] = condition
    return stmt


def business_statement(tenant_id: str, region: str, account: str,
                       partition: str = "aws") -> dict[str, Any]:
    """Tenant data in Product-*/Order-*: only partition keys '<tenantId>-...' (the shards)."""
    return _statement(
        BUSINESS_ACTIONS,
        [_table_arn(region, account, "Product-*", partition),
         _table_arn(region, account, "Order-*", partition)],
        {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": [f"{tenant_id}-*"]}},
    )


def shared_statement(tenant_id: str, region: str, account: str, tables: tuple[str, ...],
                     actions: tuple[str, ...] = BUSINESS_ACTIONS,
                     partition: str = "aws") -> dict[str, Any]:
    """Shared tables keyed by tenant id: only the items whose partition key is the tenant id."""
    return _statement(
        actions,
        [_table_arn(region, account, t, partition) for t in tables],
        {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": [tenant_id]}},
    )


def policy_document(role: str, tenant_id: str, service: str, *, region: str, account: str,
                    shared_tables: tuple[str, ...] = (), partition: str = "aws") -> dict[str, Any]:
    """The session policy for this caller on this API (service BUSINESS or SHARED)."""
    if service not in (BUSINESS, SHARED):
        raise PolicyError(f"unknown service {service!r}")
    everything = [_table_arn(region, account, "*", partition)]
    if role == roles.SYSTEM_ADMIN:
        statements = [_statement(SYSTEM_ADMIN_ACTIONS, everything)]
    elif role == roles.CUSTOMER_SUPPORT:
        statements = [_statement(SUPPORT_ACTIONS, everything)]
    elif role in roles.TENANT_ROLES:
        if not roles.is_tenant_id(tenant_id):
            raise PolicyError("tenant id is not a 32-character hex id")
        if service == BUSINESS:
            statements = [business_statement(tenant_id, region, account, partition)]
        else:
            if not shared_tables:
                raise PolicyError("shared table names are required for the admin API")
            actions = BUSINESS_ACTIONS if role == roles.TENANT_ADMIN else READ_ACTIONS
            statements = [shared_statement(tenant_id, region, account, shared_tables, actions,
                                           partition)]
    else:
        raise PolicyError(f"unknown role {role!r}")
    return {"Version": "2012-10-17", "Statement": statements}


def session_policy(role: str, tenant_id: str, service: str, *, region: str, account: str,
                   shared_tables: tuple[str, ...] = (), partition: str = "aws") -> str:
    """policy_document as the compact JSON text STS AssumeRole takes (Policy, max 2,048 chars)."""
    doc = policy_document(role, tenant_id, service, region=region, account=account,
                          shared_tables=shared_tables, partition=partition)
    return json.dumps(doc, separators=(",", ":"))
