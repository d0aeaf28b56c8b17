"""Gateway responses: AWS's standard error answers per response type, and PutGatewayResponse overrides.

Types, default status codes and the DEFAULT_4XX/DEFAULT_5XX fallback follow
https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from harness.http import HttpRequest, HttpResponse

# type -> (default status, x-amzn-ErrorType, default messageString)
RESPONSE_TYPES: dict[str, tuple[int, str, str | None]] = {
    "ACCESS_DENIED": (403, "AccessDeniedException", "User is not authorized to access this resource"),
    "API_CONFIGURATION_ERROR": (500, "InternalServerErrorException", "Internal server error"),
    "AUTHORIZER_CONFIGURATION_ERROR": (500, "AuthorizerConfigurationException", None),
    "AUTHORIZER_FAILURE": (500, "AuthorizerFailureException", None),
    "BAD_REQUEST_PARAMETERS": (400, "BadRequestException", "Bad request"),
    "BAD_REQUEST_BODY": (400, "BadRequestException", "Bad request"),
    "DEFAULT_4XX": (400, "BadRequestException", "Bad request"),
    "DEFAULT_5XX": (500, "InternalServerErrorException", "Internal server error"),
    "EXPIRED_TOKEN": (403, "ExpiredTokenException", "The security token included in the request "
                                                     "is expired"),
    "INTEGRATION_FAILURE": (504, "InternalServerErrorException", "Internal server error"),
    "INTEGRATION_TIMEOUT": (504, "InternalServerErrorException", "Endpoint request timed out"),
    "INVALID_API_KEY": (403, "ForbiddenException", "Forbidden"),
    "INVALID_SIGNATURE": (403, "InvalidSignatureException", "Invalid signature"),
    "MISSING_AUTHENTICATION_TOKEN": (403, "MissingAuthenticationTokenException",
                                     "Missing Authentication Token"),
    "QUOTA_EXCEEDED": (429, "LimitExceededException", "Limit Exceeded"),
    "REQUEST_TOO_LARGE": (413, "RequestTooLargeException", "Request Too Long"),
    "RESOURCE_NOT_FOUND": (404, "NotFoundException", "Not Found"),
    "THROTTLED": (429, "TooManyRequestsException", "Too Many Requests"),
    "UNAUTHORIZED": (401, "UnauthorizedException", "Unauthorized"),
    "UNSUPPORTED_MEDIA_TYPE": (415, "UnsupportedMediaTypeException", "Unsupported Media Type"),
    "WAF_FILTERED": (403, "WafFilteredException", "Forbidden"),
}

_VAR = re.compile(r"\$(?:\{(context|stageVariables)\.([\w.\-]+)\}"
                  r"|(context|stageVariables)\.([\w\-]+(?:\.[\w\-]+)*))")


class GatewayError(Exception):
    """Raised by a handler to stop the chain with one gateway response."""

    def __init__(self, response_type: str, message: str | None = "", *, status: int | None = None,
                 error_type: str | None = None, message_key: str = "message") -> None:
        default_status, default_error, default_message = RESPONSE_TYPES[response_type]
        super().__init__(response_type)
        self.response_type = response_type
        self.message = default_message if message == "" else message
        self.status = status or default_status
        self.error_type = error_type or default_error
        self.message_key = message_key


@dataclass(frozen=True)
class GatewayResponseSpec:
    """One PutGatewayResponse as deployed: status override, header mappings, body templates."""

    response_type: str
    status: int | None
    parameters: Mapping[str, str] = field(default_factory=dict)
    templates: Mapping[str, str] = field(default_factory=dict)


@dataclass
class ErrorView:
    """The request facts a customised gateway response may map into headers or its body."""

    request_id: str
    req: HttpRequest | None = None
    stage: str = ""
    resource_path: str = ""
    path_params: Mapping[str, str] = field(default_factory=dict)
    stage_vars: Mapping[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)


def compile_spec(item: Mapping[str, Any]) -> GatewayResponseSpec | None:
    """A GetGatewayResponses item, or None for a type API Gateway does not know."""
    rtype = str(item.get("responseType", ""))
    if rtype not in RESPONSE_TYPES:
        return None
    status_raw = item.get("statusCode")
    try:
        status = int(status_raw) if status_raw not in (None, "") else None
    except (TypeError, ValueError):
        status = None
    params = {str(k): str(v) for k, v in (item.get("responseParameters") or {}).items()}
    templates = {str(k): str(v) for k, v in (item.get("responseTemplates") or {}).items()}
    return GatewayResponseSpec(rtype, status, params, templates)


def _fallback(response_type: str) -> str:
    return "DEFAULT_5XX" if RESPONSE_TYPES[response_type][0] >= 500 else "DEFAULT_4XX"


def render(err: GatewayError, view: ErrorView,
           specs: Mapping[str, GatewayResponseSpec] | None = None) -> HttpResponse:
    """The HTTP answer for err, honouring the API's customised responses when it has any."""
    own = specs.get(err.response_type) if specs else None
    fallback = None
    if specs and not err.response_type.startswith("DEFAULT_"):
        fallback = specs.get(_fallback(err.response_type))
    status = err.status
    if fallback is not None and fallback.status is not None:
        status = fallback.status
    if own is not None and own.status is not None:
        status = own.status
    headers: list[tuple[str, str]] = [("Content-Type", "application/json")]
    templates: Mapping[str, str] = {}
    for spec in (fallback, own):
        if spec is None:
            continue
        for name, source in spec.parameters.items():
            if name.lower().startswith("gatewayresponse.header."):
                value = _resolve_parameter(source, view)
                if value is not None:
                    headers.append((name[len("gatewayresponse.header."):], value))
        if spec.templates:
            templates = spec.templates
    if templates:
        template = templates.get("application/json") or next(iter(templates.values()))
        body = _render_template(template, err, view).encode()
    else:
        body = json.dumps({err.message_key: err.message}, separators=(",", ":")).encode()
    headers.append(("x-amzn-RequestId", view.request_id))
    headers.append(("x-amzn-ErrorType", err.error_type))
    return HttpResponse(status, headers, body)


def _resolve_parameter(source: str, view: ErrorView) -> str | None:
    """A static 'value' or a method.request.* / stageVariables.* / context.* mapping."""
    if len(source) >= 2 and source[0] == "'" and source[-1] == "'":
        return source[1:-1]
    req = view.req
    if source.startswith("method.request.header.") and req is not None:
        return req.headers.get(source[len("method.request.header."):].lower())
    if source.startswith("method.request.querystring.") and req is not None:
        values = req.query_dict().get(source[len("method.request.querystring."):])
        return values[-1] if values else None
    if source.startswith("method.request.path."):
        return view.path_params.get(source[len("method.request.path."):])
    if source.startswith("stageVariables."):
        return view.stage_vars.get(source[len("stageVariables."):])
    if source.startswith("context."):
        return _context_value(source[len("context."):], None, view)
    return None


def _context_value(name: str, err: GatewayError | None, view: ErrorView) -> str | None:
    if err is not None and name == "error.messageString":
        return json.dumps(err.message)
    if err is not None and name == "error.message":
        return "" if err.message is None else err.message
    if err is not None and name == "error.responseType":
        return err.response_type
    simple = {"requestId": view.request_id, "extendedRequestId": view.request_id,
              "stage": view.stage, "resourcePath": view.resource_path}
    if name in simple:
        return simple[name]
    if name == "httpMethod" and view.req is not None:
        return view.req.method
    value = view.extra.get(name)
    return None if value is None else str(value)


def _render_template(template: str, err: GatewayError, view: ErrorView) -> str:
    """Substitute $context.* and $stageVariables.* references; no VTL control flow."""

    def sub(match: re.Match[str]) -> str:
        scope = match.group(1) or match.group(3)
        name = match.group(2) or match.group(4)
        if scope == "stageVariables":
            return view.stage_vars.get(name, "")
        value = _context_value(name, err, view)
        return "" if value is None else value

    return _VAR.sub(sub, template)
