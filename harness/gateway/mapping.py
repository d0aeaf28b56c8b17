"""Non-proxy request and response mapping: template selection (passthroughBehavior), parameter
mappings, integration response selection and the method response.

Passthrough: https://docs.aws.amazon.com/apigateway/latest/developerguide/
integration-passthrough-behaviors.html; parameter mapping sources: request-response-data-mappings.html;
integration responses (selectionPattern): api-gateway-integration-settings-integration-response.html.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from typing import Any

from harness.gateway.context import Invocation
from harness.gateway.events import request_context
from harness.gateway.model import Integration, IntegrationResponse, Passthrough
from harness.gateway.responses import GatewayError
from harness.gateway.vtl import InputVariable, TemplateFailure, json_path, parse_body, render
from harness.http import HttpResponse

DEFAULT_MEDIA = "application/json"
_SKIP = frozenset({"connection", "transfer-encoding", "content-length", "keep-alive"})


def media_type(value: str | None) -> str:
    """The bare media type of a Content-Type or Accept value; absent means application/json."""
    if not value:
        return DEFAULT_MEDIA
    return value.split(",", 1)[0].split(";", 1)[0].strip().lower() or DEFAULT_MEDIA


def method_params(inv: Invocation) -> dict[str, dict[str, str]]:
    """$input.params(): the method request's path, querystring and header values."""
    query = {k: v[-1] for k, v in inv.req.query_dict().items()} if inv.req.query else {}
    headers: dict[str, str] = {}
    for name, value in inv.req.raw_headers or list(inv.req.headers.items()):
        headers[name] = value
    path = dict(inv.match.path_params) if inv.match is not None else {}
    return {"path": path, "querystring": query, "header": headers}


def template_context(inv: Invocation, region: str, account: str) -> dict[str, Any]:
    """$context for mapping templates: the request context plus the override maps."""
    ctx = request_context(inv, region, account)
    ctx.setdefault("authorizer", {})
    ctx["responseOverride"] = {"status": None, "header": {}}
    ctx["requestOverride"] = {"header": {}, "querystring": {}, "path": {}}
    return ctx


def request_template(integration: Integration, content_type: str) -> str | None:
    """The template for this Content-Type, None to pass the body through, or 415."""
    templates = integration.request_templates
    found = templates.get(content_type)
    if found is None:
        found = next((v for k, v in templates.items() if k.lower() == content_type), None)
    if found is not None:
        return found
    behaviour = integration.passthrough
    if behaviour is Passthrough.WHEN_NO_MATCH or (
            behaviour is Passthrough.WHEN_NO_TEMPLATES and not templates):
        return None
    raise GatewayError("UNSUPPORTED_MEDIA_TYPE")


def request_body(inv: Invocation, integration: Integration, binary: bool) -> str:
    """The method request body as the template sees it (CONVERT_TO_TEXT base64-encodes binary)."""
    raw = inv.req.body or b""
    if binary and integration.content_handling != "CONVERT_TO_BINARY":
        return base64.b64encode(raw).decode()
    return raw.decode("utf-8", "replace")


def _source(source: str, scopes: Mapping[str, Mapping[str, str]], body: str,
            ctx: Mapping[str, Any], stage_vars: Mapping[str, str], prefix: str) -> str | None:
    """One mapping expression: 'static', <prefix>.header.X, .body(.path), context.X, stageVariables.X."""
    if len(source) >= 2 and source[0] == "'" and source[-1] == "'":
        return source[1:-1]
    if source.startswith("stageVariables."):
        return stage_vars.get(source[len("stageVariables."):])
    if source.startswith("context."):
        value: Any = ctx
        for part in source[len("context."):].split("."):
            value = value.get(part) if isinstance(value, dict) else None
        return None if value is None or isinstance(value, dict) else str(value)
    if not source.startswith(prefix):
        return None
    rest = source[len(prefix):]
    if rest == "body":
        return body
    if rest.startswith("body."):
        found = json_path(parse_body(body), "$." + rest[len("body."):])
        return found if isinstance(found, str) or found is None else json.dumps(found)
    scope, _, name = rest.partition(".")
    scope = {"multivaluequerystring": "querystring", "multivalueheader": "header"}.get(scope, scope)
    values = scopes.get(scope, {})
    if scope == "header":
        return next((v for k, v in values.items() if k.lower() == name.lower()), None)
    return values.get(name)


def map_request(integration: Integration, inv: Invocation, body: str,
                ctx: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    """integration.request.{header,querystring,path}.X from requestParameters."""
    out: dict[str, dict[str, str]] = {"header": {}, "querystring": {}, "path": {}}
    scopes = method_params(inv)
    stage_vars = inv.stage.variables if inv.stage is not None else {}
    for target, source in integration.request_parameters.items():
        if not target.startswith("integration.request."):
            continue
        scope, _, name = target[len("integration.request."):].partition(".")
        value = _source(source, scopes, body, ctx, stage_vars, "method.request.")
        if value is not None and scope in out:
            out[scope][name] = value
    overrides = ctx.get("requestOverride") or {}
    for scope in out:
        for name, value in (overrides.get(scope) or {}).items():
            out[scope][str(name)] = str(value)
    return out


def select_response(integration: Integration, selector: str | None) -> IntegrationResponse:
    """The integration response whose selectionPattern matches the whole selector, else the
    default; neither is API Gateway's 500 ("No match for output mapping")."""
    if selector is not None:
        for candidate in integration.selection:
            if candidate.pattern is not None and candidate.pattern.fullmatch(selector):
                return candidate
    if integration.default_response is None:
        raise GatewayError("API_CONFIGURATION_ERROR")
    return integration.default_response


def method_response(inv: Invocation, chosen: IntegrationResponse, body: str,
                    headers: Mapping[str, str], ctx: dict[str, Any]) -> HttpResponse:
    """Apply the chosen response's template, header mappings and $context.responseOverride."""
    stage_vars = inv.stage.variables if inv.stage is not None else {}
    content_type = next((v for k, v in headers.items() if k.lower() == "content-type"),
                        DEFAULT_MEDIA)
    templates = chosen.templates
    out_body = body
    if templates:
        wanted = media_type(inv.req.headers.get("accept"))
        key = wanted if wanted in templates else (
            DEFAULT_MEDIA if DEFAULT_MEDIA in templates else next(iter(templates)))
        ctx["responseOverride"] = {"status": None, "header": {}}
        try:
            out_body = render(templates[key], InputVariable(body, method_params(inv)), ctx,
                              stage_vars)
        except TemplateFailure:
            raise GatewayError("API_CONFIGURATION_ERROR") from None
        content_type = key
    pairs: list[tuple[str, str]] = [("Content-Type", content_type)]
    scopes = {"header": dict(headers)}
    for target, source in chosen.parameters.items():
        if target.startswith("method.response.header."):
            value = _source(source, scopes, body, ctx, stage_vars, "integration.response.")
            if value is not None:
                _put(pairs, target[len("method.response.header."):], value)
    status = chosen.status
    override = ctx.get("responseOverride") or {}
    if override.get("status") is not None:
        text = str(override["status"])
        status = int(text) if text.isdigit() else status
    for name, value in (override.get("header") or {}).items():
        _put(pairs, str(name), str(value))
    raw = out_body.encode("utf-8", "surrogatepass")
    if (chosen.content_handling or "") == "CONVERT_TO_BINARY":
        try:
            raw = base64.b64decode(out_body, validate=True)
        except (binascii.Error, ValueError):
            raise GatewayError("API_CONFIGURATION_ERROR") from None
    return HttpResponse(status if 100 <= status <= 599 else 500, pairs, raw)


def _put(pairs: list[tuple[str, str]], name: str, value: str) -> None:
    if name.lower() in _SKIP or "\r" in value or "\n" in value:
        return
    pairs[:] = [(k, v) for k, v in pairs if k.lower() != name.lower()]
    pairs.append((name, value))
