"""What both Lambda authorizers share: authenticate a token, build the IAM policy, vend credentials."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from saas_common import jwt_verify, observability, roles


class Unauthorized(Exception):
    """API Gateway answers 401 when a TOKEN authorizer fails with exactly 'Unauthorized'."""


@dataclass(frozen=True)
class MethodArn:
    """arn:<partition>:execute-api:<region>:<account>:<apiId>/<stage>/<verb>/<path>."""

    partition: str
    region: str
    account: str
    api_id: str
    stage: str

    @classmethod
    def parse(cls, arn: object) -> MethodArn:
        if not isinstance(arn, str):
            raise ValueError("methodArn missing")
        parts = arn.split(":", 5)
        if len(parts) != 6 or parts[2] != "execute-api":
            raise ValueError(f"not an execute-api ARN: {arn}")
        api = parts[5].split("/")
        if len(api) < 2 or not api[0] or not api[1]:
            raise ValueError(f"no api id or stage in {arn}")
        return cls(parts[1], parts[3], parts[4], api[0], api[1])

    def resource(self, verb: str, path: str) -> str:
        return (f"arn:{self.partition}:execute-api:{self.region}:{self.account}:"
                f"{self.api_id}/{self.stage}/{verb}/{path.lstrip('/')}")


@dataclass(frozen=True)
class Identity:
    """A verified caller: role and tenant from the signed claims, plus its pool and API key."""

    sub: str
    user_name: str
    role: str
    tenant_id: str
    pool_id: str
    api_key: str
    tenant: dict[str, Any] | None  # the TenantDetails item for tenant roles


# (role, claimed tenant id) -> (pool id, app client id, API key value, TenantDetails item or None)
PoolResolver = Callable[[str, str], tuple[str, str, str, dict[str, Any] | None]]


def authenticate(raw_token: object, resolve: PoolResolver, jwks: jwt_verify.JwksCache) -> Identity:
    """Pick the pool from the unverified claims, then verify the token against that pool only."""
    try:
        token = jwt_verify.strip_bearer(raw_token)
        _, unverified = jwt_verify.unverified_claims(token)
    except jwt_verify.TokenError as exc:
        raise Unauthorized(str(exc)) from None
    role = unverified.get("custom:userRole")
    tenant_id = unverified.get("custom:tenantId") or ""
    if role not in roles.ALL_ROLES or not isinstance(tenant_id, str):
        raise Unauthorized("unknown role")
    if role in roles.TENANT_ROLES and not roles.is_tenant_id(tenant_id):
        raise Unauthorized("malformed tenant id")
    pool_id, client_id, api_key, tenant = resolve(role, tenant_id)
    try:
        claims = jwt_verify.verify_id_token(token, pool_id=pool_id, client_id=client_id, jwks=jwks)
    except jwt_verify.TokenError as exc:
        raise Unauthorized(str(exc)) from None
    if claims.get("custom:userRole") != role or (claims.get("custom:tenantId") or "") != tenant_id:
        raise Unauthorized("claims changed under verification")
    user_name = claims.get("cognito:username") or claims.get("username") or ""
    return Identity(str(claims["sub"]), str(user_name), role, tenant_id, pool_id, api_key, tenant)


def policy_document(arn: MethodArn, methods: tuple[tuple[str, str, str], ...]) -> dict[str, Any]:
    """execute-api:Invoke statements over this API stage, grouped by effect."""
    statements = []
    for effect in ("Allow", "Deny"):
        resources = [arn.resource(verb, path) for eff, verb, path in methods if eff == effect]
        if resources:
            statements.append({"Action": "execute-api:Invoke", "Effect": effect,
                               "Resource": resources})
    return {"Version": "2012-10-17", "Statement": statements}


def deny_all(principal: str, arn: MethodArn) -> dict[str, Any]:
    """A Deny policy: API Gateway answers 403 for every method of this API."""
    return {"principalId": principal,
            "policyDocument": policy_document(arn, (("Deny", "*", "*"),))}


def session_name(identity: Identity) -> str:
    """RoleSessionName ([\\w+=,.@-]{2,64}): the tenant id, so CloudTrail shows whose session it is."""
    base = identity.tenant_id if identity.role in roles.TENANT_ROLES else identity.role
    clean = "".join(c for c in base if c.isalnum() or c in "+=,.@-_")
    return (clean or "session")[:64].ljust(2, "-")


def vend_credentials(sts: Any, role_arn: str, identity: Identity, policy_json: str) -> dict[str, str]:
    """Temporary credentials of the access role, narrowed by the session policy."""
    resp = sts.assume_role(RoleArn=role_arn, RoleSessionName=session_name(identity),
                           Policy=policy_json)
    creds = resp["Credentials"]
    return {"accesskey": creds["AccessKeyId"], "secretkey": creds["SecretAccessKey"],
            "sessiontoken": creds["SessionToken"]}


def allow_output(identity: Identity, arn: MethodArn, methods: tuple[tuple[str, str, str], ...],
                 creds: dict[str, str]) -> dict[str, Any]:
    """principalId, policyDocument, usageIdentifierKey and a context of strings only."""
    context = {
        "tenantId": identity.tenant_id,
        "userRole": identity.role,
        "userName": identity.user_name,
        "userPoolId": identity.pool_id,
        "apiKey": identity.api_key,
        **creds,
    }
    return {
        "principalId": identity.sub,
        "policyDocument": policy_document(arn, methods),
        "usageIdentifierKey": identity.api_key,
        "context": {k: str(v) for k, v in context.items()},
    }


def run(authorize: Callable[[dict[str, Any]], dict[str, Any]], event: dict[str, Any],
        logger: Any, metrics: Any) -> dict[str, Any]:
    """API Gateway answers 401 only to the exact error message "Unauthorized"."""
    try:
        return authorize(event)
    except Unauthorized as exc:
        logger.info("token refused", extra={"reason": str(exc)})
        observability.count(metrics, "Unauthorized")
        raise Exception("Unauthorized") from None
