"""Integrations as deployed: URI, timeout, passthrough, request parameters and the integration
responses selected by selectionPattern.

Fields: https://docs.aws.amazon.com/apigateway/latest/api/API_Integration.html and
API_IntegrationResponse.html.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from harness.gateway.model import Integration, IntegrationResponse, Passthrough

DEFAULT_TIMEOUT_MS = 29000
_LAMBDA_URI = re.compile(
    r"^arn:aws[a-z-]*:apigateway:[^:]+:lambda:path/\d{4}-\d{2}-\d{2}/functions/(?P<arn>.+?)"
    r"/invocations$")

def function_arn_from_uri(uri: str | None) -> str | None:
    """arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{arn}/invocations -> {arn}."""
    if not uri:
        return None
    m = _LAMBDA_URI.match(uri)
    return m.group("arn") if m else None


def _integration_response(key: str, doc: Mapping[str, Any]) -> IntegrationResponse | None:
    """An integrationResponses entry; a selectionPattern that does not compile is never chosen."""
    try:
        status = int(doc.get("statusCode") or key)
    except (TypeError, ValueError):
        return None
    raw = doc.get("selectionPattern")
    pattern: re.Pattern[str] | None = None
    if raw not in (None, ""):
        try:
            pattern = re.compile(str(raw), re.DOTALL)
        except re.error:
            pattern = re.compile(r"(?!)")
    return IntegrationResponse(
        status, pattern,
        {str(k): str(v) for k, v in (doc.get("responseParameters") or {}).items()},
        {str(k): str(v) for k, v in (doc.get("responseTemplates") or {}).items()},
        str(doc["contentHandling"]).upper() if doc.get("contentHandling") else None)


def compile_integration(doc: Mapping[str, Any] | None) -> Integration | None:
    if not doc:
        return None
    try:
        timeout_ms = int(doc.get("timeoutInMillis") or DEFAULT_TIMEOUT_MS)
    except (TypeError, ValueError):
        timeout_ms = DEFAULT_TIMEOUT_MS
    uri = str(doc.get("uri") or "")
    raw_responses = {str(k): dict(v) for k, v in (doc.get("integrationResponses") or {}).items()}
    selection: list[IntegrationResponse] = []
    default: IntegrationResponse | None = None
    for key in sorted(raw_responses):
        compiled = _integration_response(key, raw_responses[key])
        if compiled is None:
            continue
        if compiled.pattern is None:
            default = default or compiled
        else:
            selection.append(compiled)
    behaviour = str(doc.get("passthroughBehavior") or "WHEN_NO_MATCH").upper()
    return Integration(
        type=str(doc.get("type") or "").upper(), uri=uri,
        function_arn=function_arn_from_uri(uri), timeout_s=max(timeout_ms, 50) / 1000.0,
        request_templates=dict(doc.get("requestTemplates") or {}),
        responses=raw_responses,
        http_method=str(doc.get("httpMethod") or "").upper(),
        request_parameters={str(k): str(v) for k, v in
                            (doc.get("requestParameters") or {}).items()},
        passthrough=Passthrough(behaviour) if behaviour in Passthrough.__members__
        else Passthrough.WHEN_NO_MATCH,
        content_handling=str(doc["contentHandling"]).upper() if doc.get("contentHandling")
        else None,
        selection=tuple(selection), default_response=default,
        credentials=str(doc["credentials"]) if _is_role(doc.get("credentials")) else None)


def _is_role(value: Any) -> bool:
    """A role ARN API Gateway assumes; arn:aws:iam::*:user/* (the caller's own) is not one."""
    return isinstance(value, str) and ":role/" in value


