"""Helpers for gateway tests: an API builder that announces writes like the edge, functions
deployed through the Lambda API for the target's own GatewayInvoker, and request shorthands."""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from harness.changes import ChangeFeed
from harness.clock import VirtualClock
from harness.edge.app import Edge
from harness.edge.awslambda.models import CodeStore, FunctionRegistry
from harness.edge.awslambda.responses import GatewayInvoker
from harness.edge.upstream import Upstream
from harness.gateway import Gateway
from harness.http import HttpRequest, HttpResponse
from harness.runtime import FunctionConfig, InvokeResult
from harness.runtime.errors import error_payload, timeout_payload

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
        if mock is not None:  # a MOCK answers through its default integration response
            self._w("PutIntegrationResponse", self.c.put_integration_response,
                    restApiId=self.id, resourceId=rid, httpMethod=verb, statusCode="200")

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


@dataclass(frozen=True)
class Run:
    """One run of a function's code: the ARN API Gateway invoked, the event, and the timeout
    the invoker imposed on the runtime (None when the function's own timeout is shorter)."""

    function_arn: str
    event: dict[str, Any]
    timeout_override_s: float | None


def lambda_role(upstream: Upstream) -> str:
    """A role Lambda may assume, which moto requires before it creates a function."""
    iam = upstream.client("iam")
    try:
        return str(iam.get_role(RoleName="gateway-tests-fn")["Role"]["Arn"])
    except ClientError:
        trust = {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole"}]}
        return str(iam.create_role(RoleName="gateway-tests-fn",
                                   AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"])


def stable_zip(files: dict[str, str]) -> bytes:
    """A zip whose bytes (and so CodeSha256) depend only on its files."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, text in files.items():
            zf.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), text)
    return buf.getvalue()


class FunctionDeployer:
    """Creates functions through the upstream's Lambda API, keeps their code as the edge does
    when CreateFunction passes through it, and grants apigateway.amazonaws.com invoke rights
    with AddPermission; the target's FunctionRegistry and GatewayInvoker read them from there."""

    def __init__(self, upstream: Upstream, changes: ChangeFeed, code: CodeStore) -> None:
        self.lam = upstream.client("lambda")
        self.changes = changes
        self.code = code
        self.role = lambda_role(upstream)

    def deploy(self, name: str, code: str, *, timeout: int = 3,
               source_arn: str | None = None, permitted: bool = True) -> str:
        """Create the function and permit API Gateway (from source_arn, if given); a name
        deployed before keeps its first configuration and permission."""
        zip_bytes = stable_zip({"app.py": code})
        self.code.add_code(zip_bytes)
        try:
            arn = self.lam.create_function(
                FunctionName=name, Runtime="python3.12", Role=self.role, Handler="app.handler",
                Code={"ZipFile": zip_bytes}, Timeout=timeout)["FunctionArn"]
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ResourceConflictException":
                raise
            return str(self.lam.get_function_configuration(FunctionName=name)["FunctionArn"])
        self.changes.bump("lambda", "CreateFunction")
        if permitted:
            grant: dict[str, Any] = {"FunctionName": name, "StatementId": "apigateway",
                                     "Action": "lambda:InvokeFunction",
                                     "Principal": "apigateway.amazonaws.com"}
            if source_arn is not None:
                grant["SourceArn"] = source_arn
            self.lam.add_permission(**grant)
            self.changes.bump("lambda", "AddPermission")
        return str(arn)


class FakeFunctions:
    """Python callables as the code of functions that exist in the Lambda API: the real
    GatewayInvoker looks each function up and checks its resource policy, then hands it to this
    stand-in for the worker runtime, which runs the callable and answers as the runtime does
    (an Unhandled error document; Lambda's timeout document when the callable raises TimeoutError)."""

    def __init__(self, deployer: FunctionDeployer, clock: VirtualClock) -> None:
        self.deployer = deployer
        self.clock = clock
        self.functions: dict[str, Callable[[dict[str, Any]], Any]] = {}
        self.runs: list[Run] = []

    def add(self, name: str, fn: Callable[[dict[str, Any]], Any], *, timeout: int = 3,
            source_arn: str | None = None, permitted: bool = True) -> str:
        """Deploy `name` (its code is `fn`) and return its ARN."""
        arn = self.deployer.deploy(name, f"# {name}: run in-process by the gateway tests\n",
                                   timeout=timeout, source_arn=source_arn, permitted=permitted)
        self.functions[arn] = fn
        return arn

    def count(self, name: str) -> int:
        arn = lambda_arn(name)
        return sum(1 for r in self.runs if r.function_arn == arn)

    def invoke(self, config: FunctionConfig, payload: bytes, *,
               timeout_override_s: float | None = None, invoked_arn: str | None = None,
               **_: Any) -> InvokeResult:
        arn = invoked_arn or config.arn
        event = json.loads(payload)
        self.runs.append(Run(arn, event, timeout_override_s))
        rid = uuid.uuid4().hex
        try:
            out = self.functions[config.arn](event)
        except TimeoutError:
            seconds = timeout_override_s or float(config.timeout)
            return InvokeResult(rid, 200, timeout_payload(self.clock.now(), rid, seconds),
                                "Unhandled", "", seconds * 1000, None, config.version)
        except Exception as exc:
            return InvokeResult(rid, 200, error_payload(type(exc).__name__, str(exc), rid),
                                "Unhandled", "", 1.0, None, config.version)
        if isinstance(out, InvokeResult):
            return out
        return ok(out)


def allow_policy(resource: str, effect: str = "Allow") -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [
        {"Effect": effect, "Action": "execute-api:Invoke", "Resource": resource}]}


def body(resp: HttpResponse) -> Any:
    return json.loads(resp.body)


# -- the target's own invoker -----------------------------------------------------------------

def gateway_invoker(edge: Edge, code: CodeStore, runtime: Any) -> GatewayInvoker:
    """The invoker the target wires into its gateway (harness/target.py), over `runtime`."""
    return GatewayInvoker(edge, FunctionRegistry(edge.upstream, edge.changes, code), runtime)
