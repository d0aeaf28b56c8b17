"""Builders shared by the stack tests: tenant ids, proxy events, authorizer contexts."""

from __future__ import annotations

from typing import Any

TENANT_A = "0123456789abcdef0123456789abcdef"
TENANT_B = "fedcba9876543210fedcba9876543210"
REGION = "us-east-1"
ACCOUNT = "123456789012"


def authorizer_context(tenant_id: str, role: str, user: str = "alice",
                       pool: str = "us-east-1_pool", creds: bool = True) -> dict[str, str]:
    """requestContext.authorizer as API Gateway passes the authorizer's context on."""
    ctx = {"tenantId": tenant_id, "userRole": role, "userName": user, "userPoolId": pool,
           "apiKey": "key", "principalId": "sub", "integrationLatency": "1"}
    if creds:
        ctx.update({"accesskey": "ASIATESTTESTTEST", "secretkey": "secret",
                    "sessiontoken": "token"})
    return ctx


def api_event(method: str, resource: str, *, path_params: dict[str, str] | None = None,
              body: str | None = None, auth: dict[str, str] | None = None,
              headers: dict[str, str] | None = None,
              query: dict[str, str] | None = None) -> dict[str, Any]:
    """A Lambda proxy event (format 1.0), just the fields the functions read."""
    ctx: dict[str, Any] = {"apiId": "abc123", "stage": "prod", "requestId": "r-1"}
    if auth is not None:
        ctx["authorizer"] = auth
    return {"httpMethod": method, "resource": resource, "path": resource,
            "pathParameters": path_params, "queryStringParameters": query,
            "headers": headers or {}, "body": body, "isBase64Encoded": False,
            "requestContext": ctx}
