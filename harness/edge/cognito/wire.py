"""Shared state and JSON 1.1 wire helpers for the Cognito handlers, so they answer in AWS's shape."""

from __future__ import annotations

import json
import logging
from typing import Any

import jwt
from botocore.exceptions import ClientError

from harness.edge import errors
from harness.edge.app import Call, Edge
from harness.edge.cognito.keys import KeyRing
from harness.edge.cognito.lookups import CognitoDirectory
from harness.edge.cognito.models import CognitoError, TokenBook
from harness.http import HttpResponse, json_response

log = logging.getLogger("harness.edge.cognito")

SERVICE = "cognito-idp"
CONTENT_TYPE = "application/x-amz-json-1.1"
# Keys in Call.extras that carry what a validator learned to the responder and observers.
ACCESS = "cognito.access"
REFRESH = "cognito.refresh"
USER = "cognito.user"
USERNAME = "cognito.username"


class CognitoContext:
    """Everything the Cognito handlers share: the edge, the pools' keys, issued tokens, the directory."""

    def __init__(self, edge: Edge) -> None:
        self.edge = edge
        self.keys = KeyRing()
        self.book = TokenBook()
        self.directory = CognitoDirectory(edge.upstream)

    def now(self) -> float:
        """The virtual clock: every iat, exp and expiry check uses it."""
        return self.edge.clock.now()

    def error(self, code: str, message: str, status: int = 400) -> HttpResponse:
        return errors.aws_error(self.edge.service_info(SERVICE), code, message, status)

    def fail(self, exc: CognitoError) -> HttpResponse:
        return self.error(exc.code, exc.message)

    def upstream_error(self, exc: ClientError) -> HttpResponse:
        """The upstream's own refusal of a call the edge made for the client, passed on as is."""
        err = exc.response.get("Error", {})
        return self.error(str(err.get("Code", "InternalErrorException")), str(err.get("Message", "")))

    def reset(self) -> None:
        """Forget keys, tokens and cached settings, for POST /_harness/reset."""
        self.keys.clear()
        self.book.clear()
        self.directory.clear()

    def forget_pool(self, pool_id: str) -> None:
        self.keys.forget(pool_id)
        self.book.forget_pool(pool_id)
        self.directory.forget_pool(pool_id)


def reply(payload: Any, status: int = 200) -> HttpResponse:
    return json_response(status, payload, [("x-amzn-RequestId", errors.request_id())], CONTENT_TYPE)


def rewrite(call: Call, params: dict[str, Any]) -> None:
    """Replace the request the upstream will see (e.g. our token swapped for the upstream's)."""
    call.params = params
    call.req.body = json.dumps(params).encode()


def replace_body(resp: HttpResponse, payload: Any) -> HttpResponse:
    """The upstream's answer with a new JSON body and its own headers."""
    return HttpResponse(resp.status, list(resp.headers), json.dumps(payload).encode())


def unverified_claims(token: Any) -> dict[str, Any]:
    """Claims of a token the trusted upstream just issued (its signature is not ours to check)."""
    if not isinstance(token, str):
        return {}
    try:
        claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return {}
    return claims


def json_body(resp: HttpResponse) -> dict[str, Any] | None:
    try:
        body = resp.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


__all__ = ["ACCESS", "CONTENT_TYPE", "REFRESH", "SERVICE", "USER", "USERNAME", "CognitoContext",
           "json_body", "log", "replace_body", "reply", "rewrite", "unverified_claims"]
