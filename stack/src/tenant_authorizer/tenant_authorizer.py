"""Tenant API authorizer: verify a tenant user, check this API serves its tenant, vend credentials."""

from __future__ import annotations

import functools
from typing import Any

import boto3
from saas_common import authorizer as core
from saas_common import config, ddb, observability, policies, roles
from saas_common.jwt_verify import JwksCache

logger, metrics = observability.tools("TenantAuthorizer")
JWKS = JwksCache()


@functools.cache
def _client(service: str) -> Any:
    return boto3.client(service, region_name=config.region())


def resolve(role: str, tenant_id: str) -> tuple[str, str, str, dict[str, Any] | None]:
    """Tenant users only: the provider's operations users have no business data on tenant APIs."""
    if role not in roles.TENANT_ROLES:
        raise core.Unauthorized("provider users do not use tenant APIs")
    item = ddb.get(ddb.own_client(), config.tenant_details_table(), {"tenantId": tenant_id})
    if not item or not item.get("userPoolId") or not item.get("appClientId"):
        raise core.Unauthorized("unknown tenant")
    return str(item["userPoolId"]), str(item["appClientId"]), str(item.get("apiKey") or ""), item


def serves(tenant: dict[str, Any], tenant_id: str, served: str) -> bool:
    """The pooled API serves every non-dedicated tenant; a silo API serves exactly its tenant."""
    if served == config.POOLED:
        return tenant.get("dedicatedTenancy") is not True
    return tenant_id == served


def authorize(event: dict[str, Any]) -> dict[str, Any]:
    arn = core.MethodArn.parse(event.get("methodArn"))
    identity = core.authenticate(event.get("authorizationToken"), resolve, JWKS)
    tenant = identity.tenant or {}
    if tenant.get("isActive") is not True:
        observability.count(metrics, "InactiveTenantDenied")
        return core.deny_all(identity.sub, arn)
    if not serves(tenant, identity.tenant_id, config.env("TENANT_ID")):
        observability.count(metrics, "WrongApiDenied")
        return core.deny_all(identity.sub, arn)
    policy = policies.session_policy(identity.role, identity.tenant_id, policies.BUSINESS,
                                     region=arn.region, account=arn.account,
                                     partition=arn.partition)
    creds = core.vend_credentials(_client("sts"), config.env("ACCESS_ROLE_ARN"), identity, policy)
    observability.count(metrics, "Authorized")
    return core.allow_output(identity, arn, roles.TENANT_API_METHODS[identity.role], creds)


@metrics.log_metrics
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return core.run(authorize, event, logger, metrics)
