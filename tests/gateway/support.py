"""Helpers for gateway tests: an API builder that announces writes like the edge, fake and
runtime-backed Lambda invokers, and request shorthands."""

from __future__ import annotations

import base64
import fnmatch
import hashlib
import io
import json
import uuid
import zipfile
from collections.abc import Callable
from typing import Any

from harness.changes import ChangeFeed
from harness.gateway import Gateway
from harness.http import HttpRequest, HttpResponse
from harness.runtime import FunctionConfig, InvokeResult, Runtime

REGION = "us-east-1"
ACCOUNT = "123456789012"


def lambda_arn(name: str) -> str:
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"


def lambda_uri(function_arn: str) -> str:
    return (f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{function_arn}"
            "/invocations")


def unique(prefix: str = "t") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


class ApiBuilder:
    """Creates a REST API through a root apigateway client and bumps the change feed after each
    write, as the edge does for calls that pass through it."""

    def __init__(self, client: Any, changes: ChangeFeed, **api_kwargs: Any) -> None:
        self.c = client
        self.changes = changes
        api = self._w("CreateRestApi", client.create_rest_api, name=unique("api"), **api_kwargs)
        self.id: str = api["id"]
        self.resources: dict[str, str] = {"/": api["rootResourceId"]}

    def _w(self, op: str, fn: Callable[..., Any], **kwargs: Any) -> Any:
        out = fn(**kwargs)
        self.changes.bump("apigateway", op)
        return out

    def resource(self, path: str) -> str:
        if path in self.resources:
            return self.resources[path]
        parent_path, _, part = path.rstrip("/").rpartition("/")
        parent = self.resource(parent_path or "/")
        res = self._w("CreateResource", self.c.create_resource, restApiId=self.id,
                      parentId=parent, pathPart=part)
        self.resources[path] = res["id"]
        return str(res["id"])

    def authorizer(self, function_arn: str, *, type: str = "TOKEN",
                   identity_source: str = "method.request.header.Authorization",
                   ttl: int | None = None, validation: str | None = None) -> str:
        kwargs: dict[str, Any] = {"restApiId": self.id, "name": unique("auth"), "type": type,
                                  "authorizerUri": lambda_uri(function_arn),
                                  "identitySource": identity_source}
        if ttl is not None:
            kwargs["authorizerResultTtlInSeconds"] = ttl
        auth = self._w("CreateAuthorizer", self.c.create_authorizer, **kwargs)
        if validation is not None:  # moto drops it on create (a typo); the patch sticks
            self._w("UpdateAuthorizer", self.c.update_authorizer, restApiId=self.id,
                    authorizerId=auth["id"], patchOperations=[
                        {"op": "replace", "path": "/identityValidationExpression",
                         "value": validation}])
        return str(auth["id"])

    def method(self, path: str, verb: str = "GET", *, auth: str = "NONE",
               authorizer_id: str | None = None, key_required: bool = False,
               function_arn: str | None = None, timeout_ms: int | None = None,
               mock: str | None = None) -> None:
        rid = self.resource(path)
        kwargs: dict[str, Any] = {"restApiId": self.id, "resourceId": rid, "httpMethod": verb,
                                  "authorizationType": auth, "apiKeyRequired": key_required}
        if authorizer_id:
            kwargs["authorizerId"] = authorizer_id
        self._w("PutMethod", self.c.put_method, **kwargs)
        integ: dict[str, Any] = {"restApiId": self.id, "resourceId": rid, "httpMethod": verb}
        if mock is not None:
            integ.update(type="MOCK", requestTemplates={"application/json": mock})
        else:
            integ.update(type="AWS_PROXY", integrationHttpMethod="POST",
                         uri=lambda_uri(function_arn or lambda_arn("app")))
        if timeout_ms is not None:
            integ["timeoutInMillis"] = timeout_ms
        self._w("PutIntegration", self.c.put_integration, **integ)

    def deploy(self, stage: str = "dev", gateway: Gateway | None = None) -> str:
        dep = self._w("CreateDeployment", self.c.create_deployment, restApiId=self.id,
                      stageName=stage)
        if gateway is not None:
            gateway.snapshot_deployment(self.id, dep["id"])
        return str(dep["id"])

    def stage_patch(self, stage: str, ops: list[dict[str, str]]) -> None:
        self._w("UpdateStage", self.c.update_stage, restApiId=self.id, stageName=stage,
                patchOperations=ops)

    def plan(self, stages: list[str], *, throttle: dict[str, Any] | None = None,
             quota: dict[str, Any] | None = None,
             method_throttle: dict[str, dict[str, Any]] | None = None) -> str:
        api_stages: list[dict[str, Any]] = []
        for s in stages:
            entry: dict[str, Any] = {"apiId": self.id, "stage": s}
            if method_throttle:
                entry["throttle"] = method_throttle
            api_stages.append(entry)
        kwargs: dict[str, Any] = {"name": unique("plan"), "apiStages": api_stages}
        if throttle:
            kwargs["throttle"] = throttle
        if quota:
            kwargs["quota"] = quota
        return str(self._w("CreateUsagePlan", self.c.create_usage_plan, **kwargs)["id"])

    def key(self, plan_ids: list[str], *, enabled: bool = True) -> tuple[str, str]:
        value = uuid.uuid4().hex + uuid.uuid4().hex[:8]
        key = self._w("CreateApiKey", self.c.create_api_key, name=unique("key"),
                      enabled=enabled, value=value)
        for pid in plan_ids:
            self._w("CreateUsagePlanKey", self.c.create_usage_plan_key, usagePlanId=pid,
                    keyId=key["id"], keyType="API_KEY")
        return str(key["id"]), value

    def path(self, stage: str, p: str) -> str:
        return f"/restapis/{self.id}/{stage}/_user_request_{p}"


def request(method: str, path: str, headers: dict[str, str] | None = None, body: bytes = b"",
            query: str = "", client: str = "127.0.0.1") -> HttpRequest:
    h = headers or {}
    return HttpRequest(method, path, query, {k.lower(): v for k, v in h.items()}, body, client,
                       list(h.items()))


def ok(result: Any, status: int = 200) -> InvokeResult:
    payload = result if isinstance(result, bytes) else json.dumps(result).encode()
    return InvokeResult(uuid.uuid4().hex, status, payload, None, "", 1.0, None, "$LATEST")


class FakeInvoker:
    """Python callables standing in for functions; records every call with its source ARN."""

    def __init__(self) -> None:
        self.functions: dict[str, Callable[[dict[str, Any]], Any]] = {}
        self.calls: list[tuple[str, str, dict[str, Any], float | None]] = []
        self.denied: set[str] = set()

    def add(self, name: str, fn: Callable[[dict[str, Any]], Any]) -> str:
        arn = lambda_arn(name)
        self.functions[arn] = fn
        return arn

    def count(self, name: str) -> int:
        arn = lambda_arn(name)
        return sum(1 for c in self.calls if c[0] == arn)

    def __call__(self, function_arn: str, payload: bytes, *, source_arn: str,
                 timeout_s: float | None = None) -> InvokeResult:
        event = json.loads(payload)
        self.calls.append((function_arn, source_arn, event, timeout_s))
        if function_arn in self.denied:
            raise PermissionError(function_arn)
        fn = self.functions.get(function_arn)
        if fn is None:
            raise LookupError(function_arn)
        try:
            out = fn(event)
        except TimeoutError:
            raise
        except Exception as exc:
            err = {"errorMessage": str(exc), "errorType": type(exc).__name__}
            return InvokeResult(uuid.uuid4().hex, 200, json.dumps(err).encode(), "Unhandled", "",
                                1.0, None, "$LATEST")
        if isinstance(out, InvokeResult):
            return out
        return ok(out)


def allow_policy(resource: str, effect: str = "Allow") -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [
        {"Effect": effect, "Action": "execute-api:Invoke", "Resource": resource}]}


def body(resp: HttpResponse) -> Any:
    return json.loads(resp.body)


# -- real functions in worker subprocesses ----------------------------------------------------

def make_zip(files: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, text in files.items():
            zf.writestr(name, text)
    return buf.getvalue()


def function_config(name: str, code: str, *, timeout: int = 3,
                    environment: dict[str, str] | None = None) -> FunctionConfig:
    zip_bytes = make_zip({"app.py": code})
    return FunctionConfig(
        name=name, arn=lambda_arn(name), version="$LATEST",
        code_sha256=base64.b64encode(hashlib.sha256(zip_bytes).digest()).decode(),
        zip_bytes=zip_bytes, handler="app.handler", runtime="python3.12",
        environment=environment or {}, layers=[],
        role_arn=f"arn:aws:iam::{ACCOUNT}:role/{name}-role", timeout=timeout)


class RuntimeInvoker:
    """The target's invoker in miniature: function lookup, a SourceArn allow-list, and the
    integration timeout enforced by the runtime (TimeoutError when it fires first)."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.configs: dict[str, FunctionConfig] = {}
        self.allowed_sources: dict[str, list[str]] = {}

    def add(self, config: FunctionConfig, allowed_sources: list[str] | None = None) -> str:
        self.configs[config.arn] = config
        self.allowed_sources[config.arn] = allowed_sources or ["*"]
        return config.arn

    def __call__(self, function_arn: str, payload: bytes, *, source_arn: str,
                 timeout_s: float | None = None) -> InvokeResult:
        config = self.configs.get(function_arn)
        if config is None:
            raise LookupError(function_arn)
        if not any(fnmatch.fnmatchcase(source_arn, p) for p in self.allowed_sources[function_arn]):
            raise PermissionError(source_arn)
        override = timeout_s if timeout_s is not None and timeout_s < config.timeout else None
        result = self.runtime.invoke(config, payload, timeout_override_s=override)
        if override is not None and result.function_error and b"Task timed out" in result.payload:
            raise TimeoutError(function_arn)
        return result
