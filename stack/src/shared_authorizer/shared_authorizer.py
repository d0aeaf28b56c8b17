"""Shared-services authorizer (admin API): verify the caller, apply the role rules, vend credentials."""

from __future__ import annotations

import functools
from typing import Any

import boto3
from saas_common import authorizer as core
from saas_common import config, ddb, observability, policies, roles
from saas_common.jwt_verify import JwksCache

logger, metrics = observability.tools("SharedServicesAuthorizer")
JWKS = JwksCache()
_key_values: dict[str, str] = {}


@functools.cache
def _client(service: str) -> Any:
    return boto3.client(service, region_name=config.region())


def system_admin_api_key() -> str:
    """The system admin plan's key value (the template only knows its id), cached per container."""
    key_id = config.env("SYSTEM_ADMIN_API_KEY_ID")
    if key_id not in _key_values:
        resp = _client("apigateway").get_api_key(apiKey=key_id, includeValue=True)
        _key_values[key_id] = str(resp["value"])
    return _key_values[key_id]


def resolve(role: str, tenant_id: str) -> tuple[str, str, str, dict[str, Any] | None]:
    """Operations pool for the provider, else the tenant's own pool from TenantDetails."""
    if roles.is_provider(role):
        return (config.env("OPERATIONS_USER_POOL_ID"), config.env("OPERATIONS_APP_CLIENT_ID"),
                system_admin_api_key(), None)
    item = ddb.get(ddb.own_client(), config.tenant_details_table(), {"tenantId": tenant_id})
    if not item or not item.get("userPoolId") or not item.get("appClientId"):
        raise core.Unauthorized("unknown tenant")
    return str(item["userPoolId"]), str(item["appClientId"]), str(item.get("apiKey") or ""), item


def authorize(event: dict[str, Any]) -> dict[str, Any]:
    arn = core.MethodArn.parse(event.get("methodArn"))
    identity = core.authenticate(event.get("authorizationToken"), resolve, JWKS)
    if identity.tenant is not None and identity.tenant.get("isActive") is not True:
        observability.count(metrics, "InactiveTenantDenied")
        return core.deny_all(identity.sub, arn)
    shared_tables = (config.tenant_details_table(), config.tenant_user_mapping_table())
    policy = policies.session_policy(identity.role, identity.tenant_id, policies.SHARED,
                                     region=arn.region, account=arn.account,
                                     shared_tables=shared_tables, partition=arn.partition)
    creds = core.vend_credentials(_client("sts"), config.env("ACCESS_ROLE_ARN"), identity, policy)
    observability.count(metrics, "Authorized")
    return core.allow_output(identity, arn, roles.ADMIN_API_METHODS[identity.role], creds)


@metrics.log_metrics
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return core.run(authorize, event, logger, metrics)
