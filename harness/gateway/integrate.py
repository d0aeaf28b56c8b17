"""The integration stage: Lambda proxy (AWS_PROXY) with its result contract; non-proxy types
(AWS, HTTP, HTTP_PROXY, MOCK) go to harness/gateway/nonproxy.py.

Output contract (statusCode, headers, multiValueHeaders, body, isBase64Encoded; anything else
is "Malformed Lambda proxy response", a 502): https://docs.aws.amazon.com/apigateway/latest/
developerguide/set-up-lambda-proxy-integrations.html#api-gateway-simple-proxy-for-lambda-output-format
An invocation Lambda rejects (a throttle, missing permission) is a 500, a function error a 502:
https://docs.aws.amazon.com/lambda/latest/dg/services-apigateway-errors.html
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import math
import time
from typing import Any

from harness.gateway.context import Invocation
from harness.gateway.events import proxy_event
from harness.gateway.media import accepts_binary
from harness.gateway.metrics import Metrics
from harness.gateway.model import Integration
from harness.gateway.nonproxy import NonProxy
from harness.gateway.protocols import LambdaInvoker
from harness.gateway.responses import GatewayError
from harness.http import HttpResponse

log = logging.getLogger("harness.gateway")

_ALLOWED_KEYS = frozenset({"statusCode", "headers", "multiValueHeaders", "body",
                           "isBase64Encoded"})
_NON_PROXY = frozenset({"AWS", "HTTP", "HTTP_PROXY", "MOCK"})
_SKIP_HEADERS = frozenset({"connection", "transfer-encoding", "content-length", "keep-alive"})


class MalformedResult(ValueError):
    """The function answered, but not in the proxy output format."""


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not (isinstance(value, float) and
                                               not math.isfinite(value)):
        return json.dumps(value)
    raise MalformedResult("header values must be strings, numbers or booleans")


def parse_proxy_result(payload: bytes, accept: str | None,
                       binary_types: tuple[str, ...]) -> HttpResponse:
    """A valid proxy output as the HTTP response; MalformedResult otherwise."""
    try:
        doc = json.loads(payload)
    except (ValueError, UnicodeDecodeError):
        raise MalformedResult("not JSON") from None
    if not isinstance(doc, dict):
        raise MalformedResult("not an object")
    extra = set(doc) - _ALLOWED_KEYS
    if extra:
        raise MalformedResult(f"unexpected fields {sorted(extra)}")
    status = doc.get("statusCode")
    if isinstance(status, str) and status.strip().isdigit():
        status = int(status)
    if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
        raise MalformedResult("statusCode missing or not an HTTP status")
    headers_doc, multi_doc = doc.get("headers"), doc.get("multiValueHeaders")
    if headers_doc is not None and not isinstance(headers_doc, dict):
        raise MalformedResult("headers must be an object")
    if multi_doc is not None and not isinstance(multi_doc, dict):
        raise MalformedResult("multiValueHeaders must be an object")
    body = doc.get("body")
    if body is not None and not isinstance(body, str):
        raise MalformedResult("body must be a string")
    b64 = doc.get("isBase64Encoded")
    if b64 is not None and not isinstance(b64, bool):
        raise MalformedResult("isBase64Encoded must be a boolean")
    pairs: list[tuple[str, str]] = []
    for name, values in (multi_doc or {}).items():
        if not isinstance(values, list):
            raise MalformedResult("multiValueHeaders values must be lists")
        pairs.extend((str(name), _scalar(v)) for v in values)
    seen = {(k.lower(), v) for k, v in pairs}
    for name, value in (headers_doc or {}).items():
        text = _scalar(value)
        if (str(name).lower(), text) not in seen:
            pairs.append((str(name), text))
    pairs = [(k, v) for k, v in pairs if k.lower() not in _SKIP_HEADERS
             and "\r" not in v and "\n" not in v and "\r" not in k and "\n" not in k]
    if not any(k.lower() == "content-type" for k, _ in pairs):
        pairs.insert(0, ("Content-Type", "application/json"))
    raw = (body or "").encode("utf-8", "surrogatepass")
    if b64 and accepts_binary(accept, binary_types):
        try:
            raw = base64.b64decode(body or "", validate=True)
        except (binascii.Error, ValueError):
            raise GatewayError("API_CONFIGURATION_ERROR") from None
    return HttpResponse(status, pairs, raw)


def missing_parameters(inv: Invocation) -> None:
    """A request validator with validateRequestParameters: every required method.request.*
    parameter must be present, else 400 (api-gateway-method-request-validation.html)."""
    query = inv.req.query_dict() if inv.req.query else {}
    missing = []
    for name in inv.method.required_parameters:
        scope, _, key = name[len("method.request."):].partition(".")
        if scope in ("querystring", "multivaluequerystring"):
            present = bool(query.get(key))
        elif scope in ("header", "multivalueheader"):
            present = bool(inv.req.headers.get(key.lower()))
        else:
            present = True
        if not present:
            missing.append(key)
    if missing:
        raise GatewayError("BAD_REQUEST_PARAMETERS",
                           f"Missing required request parameters: [{', '.join(missing)}]")


class Integrate:
    """Calls the method's integration and turns its answer into the client's response."""

    def __init__(self, invoke: LambdaInvoker, metrics: Metrics, region: str,
                 account: str) -> None:
        self._invoke = invoke
        self._metrics = metrics
        self._region = region
        self._account = account
        self._non_proxy = NonProxy(invoke, metrics, region, account)

    def __call__(self, inv: Invocation) -> None:
        method = inv.method
        if method.validate_parameters:
            missing_parameters(inv)
        integration = method.integration
        if integration is None:
            raise GatewayError("API_CONFIGURATION_ERROR")
        if integration.type == "AWS_PROXY" and integration.function_arn:
            inv.response = self._lambda_proxy(inv, integration)
        elif integration.type in _NON_PROXY:
            inv.response = self._non_proxy(inv, integration)
        else:
            log.warning("integration type %s (%s) is not emulated", integration.type,
                        integration.uri)
            raise GatewayError("API_CONFIGURATION_ERROR")

    def _lambda_proxy(self, inv: Invocation, integration: Integration) -> HttpResponse:
        assert inv.api is not None and integration.function_arn is not None
        event = proxy_event(inv, self._region, self._account, inv.api.binary_media_types)
        payload = json.dumps(event, separators=(",", ":")).encode()
        source_arn = (f"arn:aws:execute-api:{self._region}:{self._account}:{inv.api_id}/"
                      f"{inv.stage_name}/{inv.req.method}{inv.resource_path}")
        started = time.monotonic()
        self._metrics.count("integration_invocations")
        try:
            result = self._invoke(integration.function_arn, payload, source_arn=source_arn,
                                  timeout_s=integration.timeout_s)
        except TimeoutError:
            self._metrics.count("integration_timeouts")
            raise GatewayError("INTEGRATION_TIMEOUT") from None
        except (PermissionError, LookupError) as exc:
            log.warning("cannot invoke %s from %s: %s", integration.function_arn, source_arn, exc)
            self._metrics.count("integration_errors")
            raise GatewayError("API_CONFIGURATION_ERROR") from None
        if time.monotonic() - started > integration.timeout_s:
            self._metrics.count("integration_timeouts")
            raise GatewayError("INTEGRATION_TIMEOUT")
        if result.status_code == 429:  # Lambda throttled: a rejected invocation is AWS's 500
            self._metrics.count("integration_throttles")
            raise GatewayError("API_CONFIGURATION_ERROR")
        if result.status_code != 200:
            self._metrics.count("integration_errors")
            raise GatewayError("API_CONFIGURATION_ERROR")
        if result.function_error:
            self._metrics.count("integration_errors")
            raise GatewayError("DEFAULT_5XX", "Internal server error", status=502)
        try:
            return parse_proxy_result(result.payload, inv.req.headers.get("accept"),
                                      inv.api.binary_media_types)
        except MalformedResult as exc:
            log.info("malformed Lambda proxy response from %s: %s", integration.function_arn,
                     exc)
            self._metrics.count("integration_errors")
            raise GatewayError("DEFAULT_5XX", "Internal server error", status=502) from None
