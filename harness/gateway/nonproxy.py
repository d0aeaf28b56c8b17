"""Non-proxy integrations: AWS (Lambda, sync or Event), HTTP, HTTP_PROXY and MOCK.

Lambda custom integrations and their error selection (errorMessage against selectionPattern):
https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-custom-integrations.html
and handle-errors-in-lambda-integration.html; asynchronous invocation through
X-Amz-Invocation-Type: set-up-lambda-integration-async.html; MOCK: how-to-mock-integration.html;
HTTP: setup-http-integrations.html.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from typing import Any
from urllib.parse import quote, urlencode

import urllib3

from harness.gateway.context import Invocation
from harness.gateway.mapping import (
    map_request,
    media_type,
    method_params,
    method_response,
    request_body,
    request_template,
    select_response,
    template_context,
)
from harness.gateway.media import is_binary
from harness.gateway.metrics import Metrics
from harness.gateway.model import Integration
from harness.gateway.protocols import LambdaInvoker
from harness.gateway.responses import GatewayError
from harness.gateway.vtl import InputVariable, TemplateFailure, render
from harness.http import HttpResponse

log = logging.getLogger("harness.gateway")

INVOCATION_TYPE = "X-Amz-Invocation-Type"
_PLACEHOLDER = re.compile(r"\{([^}+]+)\+?\}")
_HOP = frozenset({"connection", "keep-alive", "transfer-encoding", "content-length", "host",
                  "te", "upgrade", "proxy-connection", "expect"})


def _error_message(payload: bytes) -> str:
    try:
        doc = json.loads(payload)
    except (ValueError, UnicodeDecodeError):
        return payload.decode("utf-8", "replace")
    if isinstance(doc, dict) and doc.get("errorMessage") is not None:
        return str(doc["errorMessage"])
    return ""


class NonProxy:
    """Runs one non-proxy integration: request mapping, the backend, the integration response."""

    def __init__(self, invoke: LambdaInvoker, metrics: Metrics, region: str, account: str) -> None:
        self._invoke = invoke
        self._metrics = metrics
        self._region = region
        self._account = account
        self._http = urllib3.PoolManager(num_pools=8, retries=False)

    def __call__(self, inv: Invocation, integration: Integration) -> HttpResponse:
        assert inv.api is not None
        if integration.type == "HTTP_PROXY":
            return self._http_proxy(inv, integration)
        ctx = template_context(inv, self._region, self._account)
        binary = is_binary(inv.req.headers.get("content-type"), inv.api.binary_media_types)
        body = request_body(inv, integration, binary)
        template = request_template(integration, media_type(inv.req.headers.get("content-type")))
        if template is not None:
            stage_vars = inv.stage.variables if inv.stage is not None else {}
            try:
                body = render(template, InputVariable(body, method_params(inv)), ctx, stage_vars)
            except TemplateFailure as exc:
                log.info("request template failed on %s: %s", inv.method_arn, exc)
                raise GatewayError("API_CONFIGURATION_ERROR") from None
        mapped = map_request(integration, inv, body, ctx)
        if integration.type == "MOCK":
            status, out_body, headers = self._mock(body)
        elif integration.type == "AWS" and integration.function_arn:
            status, out_body, headers = self._lambda(inv, integration, body, mapped)
        elif integration.type == "HTTP":
            status, out_body, headers = self._http_call(inv, integration, body, mapped)
        else:
            log.warning("integration %s %s is not emulated", integration.type, integration.uri)
            raise GatewayError("API_CONFIGURATION_ERROR")
        chosen = select_response(integration, status)
        return method_response(inv, chosen, out_body, headers, ctx)

    @staticmethod
    def _mock(body: str) -> tuple[str | None, str, dict[str, str]]:
        """The request template's statusCode selects the integration response; no payload."""
        status = "200"
        try:
            doc = json.loads(body) if body.strip() else {}
        except ValueError:
            raise GatewayError("API_CONFIGURATION_ERROR") from None
        if isinstance(doc, dict) and doc.get("statusCode") is not None:
            status = str(doc["statusCode"])
        return status, "", {}

    def _lambda(self, inv: Invocation, integration: Integration, body: str,
                mapped: dict[str, dict[str, str]]) -> tuple[str | None, str, dict[str, str]]:
        assert integration.function_arn is not None
        payload = (body if body.strip() else "{}").encode()
        try:
            json.loads(payload)
        except ValueError:  # Lambda refuses it (InvalidRequestContentException): a 500
            log.info("request to %s is not JSON after mapping", integration.function_arn)
            raise GatewayError("API_CONFIGURATION_ERROR") from None
        source_arn = (f"arn:aws:execute-api:{self._region}:{self._account}:{inv.api_id}/"
                      f"{inv.stage_name}/{inv.req.method}{inv.resource_path}")
        kind = next((v for k, v in mapped["header"].items() if k.lower() == INVOCATION_TYPE.lower()),
                    "RequestResponse")
        self._metrics.count("integration_invocations")
        if kind.strip().lower() == "event":
            self._metrics.count("integration_async_invocations")
            threading.Thread(target=self._invoke_quietly, daemon=True, name="apigw-event",
                             args=(integration.function_arn, payload, source_arn)).start()
            return None, "", {}
        try:
            if integration.credentials:
                result = self._invoke(integration.function_arn, payload, source_arn=source_arn,
                                      timeout_s=integration.timeout_s,
                                      role_arn=integration.credentials)
            else:
                result = self._invoke(integration.function_arn, payload, source_arn=source_arn,
                                      timeout_s=integration.timeout_s)
        except TimeoutError:
            self._metrics.count("integration_timeouts")
            raise GatewayError("INTEGRATION_TIMEOUT") from None
        except (PermissionError, LookupError) as exc:
            log.warning("cannot invoke %s from %s: %s", integration.function_arn, source_arn, exc)
            self._metrics.count("integration_errors")
            raise GatewayError("API_CONFIGURATION_ERROR") from None
        if result.status_code != 200:
            self._metrics.count("integration_errors")
            raise GatewayError("API_CONFIGURATION_ERROR")
        text = result.payload.decode("utf-8", "replace")
        if result.function_error:
            self._metrics.count("integration_errors")
            return _error_message(result.payload), text, {}
        return None, text, {}

    def _invoke_quietly(self, function_arn: str, payload: bytes, source_arn: str) -> None:
        try:
            self._invoke(function_arn, payload, source_arn=source_arn)
        except Exception as exc:  # an Event invocation has no caller to tell
            log.warning("asynchronous invocation of %s failed: %s", function_arn, exc)

    def _http_call(self, inv: Invocation, integration: Integration, body: str,
                   mapped: dict[str, dict[str, str]]) -> tuple[str | None, str, dict[str, str]]:
        url = _PLACEHOLDER.sub(lambda m: quote(mapped["path"].get(m.group(1), ""), safe="/"),
                               integration.uri)
        if mapped["querystring"]:
            url += ("&" if "?" in url else "?") + urlencode(mapped["querystring"])
        headers = {"Content-Type": inv.req.headers.get("content-type") or "application/json",
                   "Accept": inv.req.headers.get("accept") or "application/json",
                   **mapped["header"]}
        verb = integration.http_method if integration.http_method not in ("", "ANY") \
            else inv.req.method
        status, data, out_headers = self._send(verb, url, headers, body.encode(), integration)
        return str(status), data.decode("utf-8", "replace"), out_headers

    def _http_proxy(self, inv: Invocation, integration: Integration) -> HttpResponse:
        ctx = template_context(inv, self._region, self._account)
        mapped = map_request(integration, inv, "", ctx)
        params = dict(inv.match.path_params) if inv.match is not None else {}
        url = _PLACEHOLDER.sub(
            lambda m: quote(mapped["path"].get(m.group(1), params.get(m.group(1), "")), safe="/"),
            integration.uri)
        if inv.req.query:
            url += ("&" if "?" in url else "?") + inv.req.query
        headers = {k: v for k, v in inv.req.headers.items() if k not in _HOP}
        headers.update(mapped["header"])
        verb = integration.http_method if integration.http_method not in ("", "ANY") \
            else inv.req.method
        status, data, out_headers = self._send(verb, url, headers, inv.req.body, integration)
        pairs = [(k, v) for k, v in out_headers.items() if k.lower() not in _HOP]
        return HttpResponse(status, pairs, data)

    def _send(self, verb: str, url: str, headers: dict[str, str], body: bytes,
              integration: Integration) -> tuple[int, bytes, dict[str, str]]:
        self._metrics.count("integration_http_requests")
        try:
            resp = self._http.request(verb, url, body=body or None, headers=headers,
                                      timeout=urllib3.Timeout(total=integration.timeout_s),
                                      redirect=False, preload_content=True)
        except urllib3.exceptions.TimeoutError:
            self._metrics.count("integration_timeouts")
            raise GatewayError("INTEGRATION_TIMEOUT") from None
        except (urllib3.exceptions.HTTPError, ValueError) as exc:
            log.warning("HTTP integration %s %s failed: %s", verb, url, exc)
            self._metrics.count("integration_errors")
            raise GatewayError("INTEGRATION_FAILURE", "Internal server error",
                               status=500) from None
        out: dict[str, Any] = dict(resp.headers.items())
        return int(resp.status), bytes(resp.data), out
