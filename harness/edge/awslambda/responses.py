"""Lambda wire format in the edge: code capture on deploy, Invoke run by the harness runtime."""

from __future__ import annotations

import base64
import binascii
import json
import logging
from typing import Any

from harness.edge import errors
from harness.edge.app import Call, Edge
from harness.edge.awslambda.models import (
    CodeUnavailable,
    FunctionNotFound,
    FunctionRegistry,
    split_function_name,
)
from harness.edge.awslambda.role_invoke import RoleInvoker
from harness.http import HttpResponse
from harness.runtime import InvokeResult, Runtime

log = logging.getLogger("harness.edge.lambda")

MAX_SYNC_PAYLOAD = 6 * 1024 * 1024
MAX_ASYNC_PAYLOAD = 256 * 1024


def _zip_from(edge: Edge, code: dict[str, Any]) -> bytes | None:
    if code.get("ZipFile"):
        try:
            return base64.b64decode(code["ZipFile"], validate=True)
        except (binascii.Error, ValueError):
            return None
    if code.get("S3Bucket") and code.get("S3Key"):
        kwargs = {"Bucket": code["S3Bucket"], "Key": code["S3Key"]}
        if code.get("S3ObjectVersion"):
            kwargs["VersionId"] = code["S3ObjectVersion"]
        body: bytes = edge.upstream.client("s3").get_object(**kwargs)["Body"].read()
        return body
    return None


def capture_function_code(edge: Edge, registry: FunctionRegistry, call: Call,
                          resp: HttpResponse) -> HttpResponse:
    if resp.status < 300:
        code = call.params.get("Code") if call.op.name == "CreateFunction" else call.params
        data = _zip_from(edge, code or {}) if isinstance(code, dict) else None
        if data is not None:
            registry.code.add_code(data)
    return resp


def capture_layer_code(edge: Edge, registry: FunctionRegistry, call: Call,
                       resp: HttpResponse) -> HttpResponse:
    if resp.status < 300:
        data = _zip_from(edge, call.params.get("Content") or {})
        arn = json.loads(resp.body).get("LayerVersionArn")
        if data is not None and arn:
            registry.code.add_layer(arn, data)
    return resp


def _lambda_error(call: Call, code: str, message: str, status: int) -> HttpResponse:
    return errors.aws_error(call.service, code, message, status)


def invoke(edge: Edge, registry: FunctionRegistry, runtime: Runtime, call: Call) -> HttpResponse:
    """Invoke: the harness runtime runs the deployed code (moto alone cannot without Docker)."""
    name = str(call.params.get("FunctionName", ""))
    qualifier = call.req.query_dict().get("Qualifier", [None])[0]
    invocation_type = call.req.headers.get("x-amz-invocation-type", "RequestResponse")
    if invocation_type not in ("RequestResponse", "Event", "DryRun"):
        return _lambda_error(call, "InvalidParameterValueException",
                             f"Unsupported invocation type {invocation_type[:40]}", 400)
    payload = call.req.body or b"{}"
    limit = MAX_ASYNC_PAYLOAD if invocation_type == "Event" else MAX_SYNC_PAYLOAD
    if len(payload) > limit:
        return _lambda_error(call, "RequestTooLargeException",
                             f"Request must be smaller than {limit} bytes for the "
                             "InvokeFunction operation", 413)
    try:
        json.loads(payload)
    except ValueError as exc:
        return _lambda_error(call, "InvalidRequestContentException",
                             f"Could not parse request body into json: {exc}", 400)
    try:
        config, invoked_arn = registry.resolve(name, qualifier)
    except FunctionNotFound:
        ref = split_function_name(name, qualifier)
        arn = f"arn:aws:lambda:{edge.region}:{edge.account}:function:{ref.name}"
        arn += f":{ref.qualifier}" if ref.qualifier else ""
        return _lambda_error(call, "ResourceNotFoundException", f"Function not found: {arn}", 404)
    except CodeUnavailable as exc:
        return _lambda_error(call, "ResourceNotReadyException",
                             f"The code of {exc} did not pass through the harness edge, so it "
                             "cannot run here; redeploy it through the edge.", 502)
    ctx = call.req.headers.get("x-amz-client-context")
    result = runtime.invoke(config, payload, invocation_type=invocation_type, client_context=ctx,
                            invoked_arn=invoked_arn)
    return invoke_response(call, result, call.req.headers.get("x-amz-log-type") == "Tail")


def invoke_response(call: Call, result: InvokeResult, tail: bool) -> HttpResponse:
    if result.status_code == 429:  # Invoke's TooManyRequestsException (API_Invoke.html#API_Invoke_Errors)
        return HttpResponse(429, [("Content-Type", "application/json"),
                                  ("x-amzn-RequestId", result.request_id),
                                  ("x-amzn-ErrorType", "TooManyRequestsException")], result.payload)
    headers = [("Content-Type", "application/json"), ("x-amzn-RequestId", result.request_id),
               ("X-Amz-Executed-Version", result.executed_version)]
    if result.function_error:
        headers.append(("X-Amz-Function-Error", result.function_error))
    if tail and result.status_code == 200:
        tail_bytes = result.log_tail.encode()[-4096:]
        headers.append(("X-Amz-Log-Result", base64.b64encode(tail_bytes).decode()))
    return HttpResponse(result.status_code, headers, result.payload)


class GatewayInvoker:
    """How API Gateway invokes a function: only if the function's resource policy lets it, or,
    given a role (an authorizer's authorizerCredentials), with that role's session."""

    def __init__(self, edge: Edge, registry: FunctionRegistry, runtime: Runtime,
                 endpoint_url: str | None = None) -> None:
        self._edge = edge
        self._registry = registry
        self._runtime = runtime
        self._as_role = (RoleInvoker(endpoint_url, edge.region, edge.account, edge.book,
                                     edge.clock) if endpoint_url else None)
        if self._as_role is not None:
            as_role = self._as_role
            edge.changes.subscribe(lambda _s, op: as_role.reset() if op == "reset" else None)

    def __call__(self, function_arn: str, payload: bytes, *, source_arn: str,
                 timeout_s: float | None = None, role_arn: str | None = None) -> InvokeResult:
        if role_arn is not None:
            if self._as_role is None:
                raise PermissionError(f"cannot assume {role_arn} without an endpoint")
            return self._as_role(role_arn, function_arn, payload)
        try:
            config, _ = self._registry.resolve(function_arn)
        except (FunctionNotFound, CodeUnavailable) as exc:
            raise LookupError(str(exc)) from None
        if not self._registry.service_may_invoke(function_arn, "apigateway.amazonaws.com",
                                                 source_arn, self._edge.account):
            raise PermissionError(f"Invalid permissions on Lambda function {function_arn}")
        override = timeout_s if timeout_s is not None and timeout_s < config.timeout else None
        result = self._runtime.invoke(config, payload, timeout_override_s=override,
                                      invoked_arn=function_arn)
        if override is not None and result.function_error and b"Task timed out" in result.payload:
            raise TimeoutError(function_arn)
        return result


def install(edge: Edge, registry: FunctionRegistry, runtime: Runtime) -> None:
    """Wire Lambda code capture, Invoke and function policies (for the gate) into the edge."""
    edge.gate.resource_policies.register("lambda", registry.policy_for_arn)
    edge.observe("lambda", "CreateFunction",
                 lambda c, r: capture_function_code(edge, registry, c, r))
    edge.observe("lambda", "UpdateFunctionCode",
                 lambda c, r: capture_function_code(edge, registry, c, r))
    edge.observe("lambda", "PublishLayerVersion",
                 lambda c, r: capture_layer_code(edge, registry, c, r))
    edge.respond("lambda", "Invoke", lambda c: invoke(edge, registry, runtime, c))
