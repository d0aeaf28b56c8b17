"""Lambda proxy integration event (format 1.0) and REQUEST authorizer event, built from a request.

Formats: https://docs.aws.amazon.com/apigateway/latest/developerguide/
set-up-lambda-proxy-integrations.html#api-gateway-simple-proxy-for-lambda-input-format and
api-gateway-lambda-authorizer-input.html.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Mapping
from typing import Any

from harness.gateway.context import Invocation
from harness.gateway.media import is_binary

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# Hop-by-hop or listener-owned headers a client never sees arrive at the function.
_DROP = frozenset({"connection", "keep-alive", "transfer-encoding", "te", "upgrade",
                   "proxy-connection", "expect"})


def request_time(epoch: float) -> str:
    """'09/Apr/2015:12:34:56 +0000', the requestContext.requestTime format."""
    t = time.gmtime(epoch)
    return (f"{t.tm_mday:02d}/{_MONTHS[t.tm_mon - 1]}/{t.tm_year}:"
            f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} +0000")


def domain_name(inv: Invocation, region: str) -> str:
    """The API's default endpoint host, whatever host name or path shape the client used."""
    return f"{inv.api_id}.execute-api.{region}.amazonaws.com"


def header_maps(inv: Invocation, region: str) -> tuple[dict[str, str] | None, dict[str, list[str]] | None]:
    """headers (last value wins) and multiValueHeaders, with the names as the client sent them;
    Host is the API's domain name, as API Gateway's default endpoint receives it."""
    multi: dict[str, list[str]] = {}
    names: dict[str, str] = {}
    for name, value in inv.req.raw_headers:
        lname = name.lower()
        if lname in _DROP:
            continue
        key = names.setdefault(lname, name)
        multi.setdefault(key, []).append(value)
    if not inv.req.raw_headers:  # requests built in code carry only the lower-cased map
        for lname, value in inv.req.headers.items():
            if lname not in _DROP:
                multi[lname] = [value]
                names[lname] = lname
    host = names.get("host")
    if host is not None:
        multi[host] = [domain_name(inv, region)]
    fwd = names.get("x-forwarded-for")
    if fwd is None:
        multi["X-Forwarded-For"] = [inv.req.client]
    else:
        multi[fwd][-1] = f"{multi[fwd][-1]}, {inv.req.client}"
    for lname, name, value in (("x-forwarded-proto", "X-Forwarded-Proto", "https"),
                               ("x-forwarded-port", "X-Forwarded-Port", "443"),
                               ("x-amzn-trace-id", "X-Amzn-Trace-Id",
                                f"Root=1-{int(inv.now):08x}-{inv.request_id.replace('-', '')[:24]}")):
        if lname not in names:
            multi[name] = [value]
    single = {k: v[-1] for k, v in multi.items()}
    return (single or None), (multi or None)


def query_maps(inv: Invocation) -> tuple[dict[str, str] | None, dict[str, list[str]] | None]:
    if not inv.req.query:
        return None, None
    multi = inv.req.query_dict()
    if not multi:
        return None, None
    return {k: v[-1] for k, v in multi.items()}, multi


def identity_block(inv: Invocation) -> dict[str, Any]:
    """requestContext.identity: the caller as API Gateway knows it."""
    ident: dict[str, Any] = {
        "cognitoIdentityPoolId": None, "accountId": None, "cognitoIdentityId": None,
        "caller": None, "sourceIp": inv.req.client, "principalOrgId": None, "accessKey": None,
        "cognitoAuthenticationType": None, "cognitoAuthenticationProvider": None,
        "userArn": None, "userAgent": inv.req.headers.get("user-agent"), "user": None,
    }
    if inv.iam_identity:
        for k, v in inv.iam_identity.items():
            ident[k] = v
        ident["sourceIp"] = inv.req.client
    if inv.api_key is not None:
        ident["apiKey"] = inv.api_key.value
        ident["apiKeyId"] = inv.api_key.id
    return ident


def authorizer_block(inv: Invocation) -> dict[str, Any] | None:
    """requestContext.authorizer: principalId, integrationLatency, context values as strings;
    for a Cognito authorizer, the token's claims."""
    if inv.claims is not None:
        return {"claims": dict(inv.claims)}
    auth = inv.auth
    if auth is None:
        return None
    out: dict[str, Any] = {}
    for k, v in auth.context.items():
        out[k] = stringify(v)
    out["principalId"] = auth.principal_id
    out["integrationLatency"] = inv.authorizer_latency_ms
    return out


def stringify(value: Any) -> str:
    """How a REST API passes authorizer context values on: every value becomes a string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def request_context(inv: Invocation, region: str, account: str) -> dict[str, Any]:
    assert inv.match is not None and inv.stage is not None
    ctx: dict[str, Any] = {
        "resourceId": inv.api.resource_ids.get(inv.match.resource_path, "") if inv.api else "",
        "resourcePath": inv.match.resource_path,
        "httpMethod": inv.req.method, "extendedRequestId": inv.request_id[:16],
        "requestTime": request_time(inv.now), "path": f"/{inv.stage_name}{inv.path}",
        "accountId": account, "protocol": "HTTP/1.1", "stage": inv.stage_name,
        "domainPrefix": inv.api_id, "requestTimeEpoch": int(inv.now * 1000),
        "requestId": inv.request_id, "identity": identity_block(inv),
        "domainName": domain_name(inv, region),
        "deploymentId": inv.stage.deployment_id, "apiId": inv.api_id,
    }
    auth = authorizer_block(inv)
    if auth is not None:
        ctx["authorizer"] = auth
    return ctx


def request_parts(inv: Invocation, region: str, account: str) -> dict[str, Any]:
    """The fields the proxy event and the REQUEST authorizer event share."""
    assert inv.match is not None and inv.stage is not None
    headers, multi_headers = header_maps(inv, region)
    query, multi_query = query_maps(inv)
    return {
        "resource": inv.match.resource_path,
        "path": inv.path,
        "httpMethod": inv.req.method,
        "headers": headers,
        "multiValueHeaders": multi_headers,
        "queryStringParameters": query,
        "multiValueQueryStringParameters": multi_query,
        "pathParameters": dict(inv.match.path_params) or None,
        "stageVariables": dict(inv.stage.variables) or None,
        "requestContext": request_context(inv, region, account),
    }


def proxy_event(inv: Invocation, region: str, account: str,
                binary_types: tuple[str, ...]) -> dict[str, Any]:
    """The Lambda proxy integration input, format 1.0."""
    event = request_parts(inv, region, account)
    body = inv.req.body
    if not body:
        event["body"] = None
        event["isBase64Encoded"] = False
    elif binary_types and is_binary(inv.req.headers.get("content-type"), binary_types):
        event["body"] = base64.b64encode(body).decode()
        event["isBase64Encoded"] = True
    else:
        event["body"] = body.decode("utf-8", "replace")
        event["isBase64Encoded"] = False
    return event


def request_authorizer_event(inv: Invocation, region: str, account: str) -> dict[str, Any]:
    return {"type": "REQUEST", "methodArn": inv.method_arn,
            **request_parts(inv, region, account)}


def token_authorizer_event(token: str, method_arn: str) -> dict[str, Any]:
    return {"type": "TOKEN", "authorizationToken": token, "methodArn": method_arn}


def context_variable(inv: Invocation, name: str) -> str | None:
    """A $context variable usable as a REQUEST authorizer identity source."""
    values: Mapping[str, str | None] = {
        "requestId": inv.request_id, "httpMethod": inv.req.method, "stage": inv.stage_name,
        "resourcePath": inv.resource_path, "path": f"/{inv.stage_name}{inv.path}",
        "apiId": inv.api_id, "identity.sourceIp": inv.req.client,
        "identity.userAgent": inv.req.headers.get("user-agent"),
        "domainPrefix": inv.api_id,
    }
    return values.get(name)
