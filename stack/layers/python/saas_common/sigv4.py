"""SigV4-signed calls to the admin API's internal (AWS_IAM) routes with the function's own role."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest

from saas_common import config
from saas_common.http import HttpError

TIMEOUT_S = 25


@dataclass(frozen=True)
class InternalResponse:
    status: int
    body: Any


class InternalCallFailed(Exception):
    """The internal call never produced an answer (network, timeout): its effects are unknown."""


def admin_api_base(event: dict[str, Any]) -> str:
    """The admin API this request came through: internal calls go back to the same API and stage."""
    ctx = event.get("requestContext") or {}
    api_id, stage = ctx.get("apiId"), ctx.get("stage")
    if not api_id or not stage:
        raise HttpError(500, "request context has no apiId/stage", "InternalError")
    return config.api_url(str(api_id), str(stage))


def _credentials() -> Any:
    creds = boto3.session.Session().get_credentials()
    if creds is None:
        raise InternalCallFailed("no credentials to sign with")
    return creds.get_frozen_credentials()


def call(base_url: str, method: str, path: str, body: Any = None) -> InternalResponse:
    """Send one signed request (service execute-api) and return status and parsed JSON body."""
    url = f"{base_url}/{path.lstrip('/')}"
    data = json.dumps(body).encode() if body is not None else b""
    request = AWSRequest(method=method, url=url, data=data,
                         headers={"Content-Type": "application/json"})
    SigV4Auth(_credentials(), "execute-api", config.region()).add_auth(request)
    prepared = request.prepare()
    outgoing = urllib.request.Request(url, data=data if method != "GET" else None, method=method,
                                      headers=dict(prepared.headers.items()))
    try:
        with urllib.request.urlopen(outgoing, timeout=TIMEOUT_S) as resp:
            status, raw = resp.status, resp.read()
    except urllib.error.HTTPError as err:
        status, raw = err.code, err.read()
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise InternalCallFailed(f"{method} {path}: {exc}") from exc
    try:
        parsed = json.loads(raw) if raw else None
    except ValueError:
        parsed = {"message": raw.decode("utf-8", "replace")[:500]}
    return InternalResponse(status, parsed)


def expect_ok(resp: InternalResponse, what: str) -> dict[str, Any]:
    """A 2xx body, or the failure as an HttpError: 4xx and 503 (not ready) pass through, else 502."""
    if 200 <= resp.status < 300:
        return resp.body if isinstance(resp.body, dict) else {}
    message = resp.body.get("message") if isinstance(resp.body, dict) else None
    code = resp.body.get("error") if isinstance(resp.body, dict) else None
    if (400 <= resp.status < 500 and resp.status not in (401, 403)) or resp.status == 503:
        raise HttpError(resp.status, str(message or f"{what} was refused"), code)
    raise HttpError(502, f"{what} failed ({resp.status})", "InternalCallFailed")
