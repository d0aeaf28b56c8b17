"""Proxy-integration plumbing: JSON responses, client errors as exceptions, the caller's identity."""

from __future__ import annotations

import decimal
import json
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

MAX_BODY_BYTES = 16 * 1024
HEADERS = {"Content-Type": "application/json", "Access-Control-Allow-Origin": "*"}
_DENIED = frozenset({"AccessDeniedException", "AccessDenied", "UnrecognizedClientException"})


class HttpError(Exception):
    """An answer other than success; raised anywhere, turned into a response at the edge."""

    def __init__(self, status: int, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code


def _default(obj: Any) -> Any:
    if isinstance(obj, decimal.Decimal):
        return int(obj) if obj == obj.to_integral_value() else float(obj)
    if isinstance(obj, set | frozenset):
        return sorted(obj)
    raise TypeError(f"{type(obj).__name__} is not JSON serialisable")


def response(status: int, body: Any) -> dict[str, Any]:
    return {"statusCode": status, "headers": dict(HEADERS),
            "body": json.dumps(body, default=_default)}


def error_response(err: HttpError) -> dict[str, Any]:
    body: dict[str, Any] = {"message": err.message}
    if err.code:
        body["error"] = err.code
    return response(err.status, body)


def json_body(event: dict[str, Any], required: bool = True) -> dict[str, Any]:
    """The request body as a JSON object (numbers as Decimal, as DynamoDB wants them)."""
    raw = event.get("body")
    if raw is None or raw == "":
        if required:
            raise HttpError(400, "request body is required", "BadRequest")
        return {}
    if event.get("isBase64Encoded"):
        raise HttpError(415, "binary bodies are not accepted", "UnsupportedMediaType")
    if not isinstance(raw, str) or len(raw.encode("utf-8", "replace")) > MAX_BODY_BYTES:
        raise HttpError(413, "request body too large", "PayloadTooLarge")
    try:
        body = json.loads(raw, parse_float=decimal.Decimal, parse_constant=_no_constants)
    except ValueError:
        raise HttpError(400, "request body is not valid JSON", "BadRequest") from None
    if not isinstance(body, dict):
        raise HttpError(400, "request body must be a JSON object", "BadRequest")
    return body


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


def path_param(event: dict[str, Any], name: str) -> str:
    value = (event.get("pathParameters") or {}).get(name)
    if not isinstance(value, str) or not value:
        raise HttpError(400, f"path parameter {name} is required", "BadRequest")
    return urllib.parse.unquote(value)


def query_param(event: dict[str, Any], name: str) -> str | None:
    value = (event.get("queryStringParameters") or {}).get(name)
    return value if isinstance(value, str) and value else None


@dataclass(frozen=True)
class Caller:
    """Who is calling, as the authorizer verified it (requestContext.authorizer); never a header."""

    tenant_id: str
    role: str
    user_name: str
    user_pool_id: str
    credentials: dict[str, str]

    @classmethod
    def from_event(cls, event: dict[str, Any]) -> Caller:
        ctx = (event.get("requestContext") or {}).get("authorizer") or {}
        role, tenant = ctx.get("userRole"), ctx.get("tenantId")
        if not isinstance(role, str) or not role or not isinstance(tenant, str):
            raise HttpError(403, "no authorizer context", "Forbidden")
        creds = {k: str(ctx.get(k) or "") for k in ("accesskey", "secretkey", "sessiontoken")}
        return cls(tenant, role, str(ctx.get("userName") or ""), str(ctx.get("userPoolId") or ""),
                   creds)


Route = Callable[[dict[str, Any]], dict[str, Any]]


def dispatch(event: dict[str, Any], routes: dict[tuple[str, str], Route], log: Any = None,
             denied_status: int = 403) -> dict[str, Any]:
    """Call the route for (method, resource); map errors to JSON answers, never leak a trace.

    An IAM denial is the caller's fault (403) where the function acts with the caller's scoped
    credentials; functions acting with their own role pass denied_status=500 (it is our bug).
    """
    key = (str(event.get("httpMethod", "")).upper(), str(event.get("resource", "")))
    try:
        route = routes.get(key)
        if route is None:
            raise HttpError(404, "no such route", "NotFound")
        return route(event)
    except HttpError as err:
        return error_response(err)
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        if code in _DENIED:
            if log is not None:
                log.warning("access denied by IAM", extra={"code": code})
            if denied_status == 403:
                return error_response(HttpError(403, "access denied", "Forbidden"))
            return error_response(HttpError(denied_status, "internal error", "InternalError"))
        if log is not None:
            log.exception("AWS call failed")
        return error_response(HttpError(500, "internal error", "InternalError"))
    except (BotoCoreError, Exception):
        if log is not None:
            log.exception("unhandled error")
        return error_response(HttpError(500, "internal error", "InternalError"))
