"""Function and layer state the runtime needs, read from the Lambda API and the code the edge saw.

The upstream stores configuration; the zips are kept by the edge as they pass through
CreateFunction, UpdateFunctionCode and PublishLayerVersion, so the same code runs whether the
upstream is in-process moto or an external endpoint.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from harness.changes import ChangeFeed
from harness.edge.awslambda.routing import AliasNotFound, AliasRouter, is_alias
from harness.edge.upstream import Upstream
from harness.iam import Caller, PolicyKind, RequestContext, evaluate, parse_policy
from harness.runtime import FunctionConfig, LayerCode


def code_sha256(zip_bytes: bytes) -> str:
    """Lambda's CodeSha256: base64 of the SHA-256 digest."""
    return base64.b64encode(hashlib.sha256(zip_bytes).digest()).decode()


class FunctionNotFound(LookupError):
    """No such function or version; Invoke answers ResourceNotFoundException."""


class CodeUnavailable(LookupError):
    """The function exists but its code never passed through the edge."""


@dataclass(frozen=True)
class ResolvedName:
    name: str
    qualifier: str | None


def split_function_name(value: str, qualifier: str | None = None) -> ResolvedName:
    """Accept a name, name:qualifier, partial ARN or full ARN, as the Lambda API does."""
    parts = value.split(":")
    if value.startswith("arn:") and len(parts) >= 7:
        name, q = parts[6], parts[7] if len(parts) > 7 else None
    elif len(parts) >= 3 and parts[1] == "function":
        name, q = parts[2], parts[3] if len(parts) > 3 else None
    elif len(parts) == 2:
        name, q = parts
    else:
        name, q = value, None
    return ResolvedName(name, qualifier or q)


class CodeStore:
    """Zips by CodeSha256 and layer zips by LayerVersionArn."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._code: dict[str, bytes] = {}
        self._layers: dict[str, bytes] = {}

    def add_code(self, zip_bytes: bytes) -> str:
        sha = code_sha256(zip_bytes)
        with self._lock:
            self._code[sha] = zip_bytes
        return sha

    def code(self, sha: str) -> bytes | None:
        return self._code.get(sha)

    def add_layer(self, arn: str, zip_bytes: bytes) -> None:
        with self._lock:
            self._layers[arn] = zip_bytes

    def layer(self, arn: str) -> bytes | None:
        return self._layers.get(arn)

    def reset(self) -> None:
        with self._lock:
            self._code.clear()
            self._layers.clear()


class FunctionRegistry:
    """Runtime configs per function version, cached until a Lambda write passes the edge."""

    def __init__(self, upstream: Upstream, changes: ChangeFeed, code: CodeStore) -> None:
        self._upstream = upstream
        self._changes = changes
        self.code = code
        self._lock = threading.Lock()
        self._configs: dict[tuple[str, str | None], tuple[int, FunctionConfig]] = {}
        self._policies: dict[str, tuple[int, str | None]] = {}
        self._invoke_grants: dict[tuple[str, str, str, str, str], bool] = {}
        self.router = AliasRouter(upstream, changes)

    def resolve(self, function: str, qualifier: str | None = None) -> tuple[FunctionConfig, str | None]:
        """The config an invocation runs and, for an alias, the alias ARN it was invoked by: a
        weighted alias picks its version per invocation (harness/edge/awslambda/routing.py)."""
        ref = split_function_name(function, qualifier)
        if ref.qualifier is None or not is_alias(ref.qualifier):
            return self.config(ref.name, ref.qualifier), None
        try:
            version = self.router.version(ref.name, ref.qualifier)
        except AliasNotFound:
            raise FunctionNotFound(ref.name) from None
        config = self.config(ref.name, version)
        return config, f"{config.arn}:{ref.qualifier}"

    def config(self, function: str, qualifier: str | None = None) -> FunctionConfig:
        ref = split_function_name(function, qualifier)
        gen = self._changes.generation("lambda")
        hit = self._configs.get((ref.name, ref.qualifier))
        if hit and hit[0] == gen:
            return hit[1]
        cfg = self._load(ref)
        with self._lock:
            self._configs[(ref.name, ref.qualifier)] = (gen, cfg)
        return cfg

    def _load(self, ref: ResolvedName) -> FunctionConfig:
        client = self._upstream.client("lambda")
        kwargs: dict[str, Any] = {"FunctionName": ref.name}
        if ref.qualifier:
            kwargs["Qualifier"] = ref.qualifier
        try:
            c = client.get_function_configuration(**kwargs)
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ResourceNotFoundException":
                raise FunctionNotFound(ref.name) from None
            raise
        zip_bytes = self.code.code(c["CodeSha256"])
        if zip_bytes is None:
            raise CodeUnavailable(c["FunctionArn"])
        layers = []
        for layer in c.get("Layers") or []:
            data = self.code.layer(layer["Arn"])
            if data is None:
                raise CodeUnavailable(layer["Arn"])
            layers.append(LayerCode(layer["Arn"], code_sha256(data), data))
        arn = c["FunctionArn"]
        unqualified = ":".join(arn.split(":")[:7])
        return FunctionConfig(
            name=c["FunctionName"],
            arn=unqualified,
            version=c.get("Version", "$LATEST"),
            code_sha256=c["CodeSha256"],
            zip_bytes=zip_bytes,
            handler=c.get("Handler", ""),
            runtime=c.get("Runtime", ""),
            environment=dict((c.get("Environment") or {}).get("Variables") or {}),
            layers=tuple(layers),
            role_arn=c.get("Role", ""),
            timeout=int(c.get("Timeout") or 3),
            memory_mb=int(c.get("MemorySize") or 128),
        )

    def resource_policy(self, function_name: str, qualifier: str | None = None) -> str | None:
        """The function's (or version's / alias's) policy as IAM reads it, cached per Lambda write."""
        gen = self._changes.generation("lambda")
        key = f"{function_name}:{qualifier}" if qualifier else function_name
        hit = self._policies.get(key)
        if hit and hit[0] == gen:
            return hit[1]
        kwargs = {"FunctionName": function_name}
        if qualifier:
            kwargs["Qualifier"] = qualifier
        try:
            raw = self._upstream.client("lambda").get_policy(**kwargs)["Policy"]
            doc: str | None = _normalise_policy(raw)
        except (ClientError, ValueError):
            doc = None
        with self._lock:
            self._policies[key] = (gen, doc)
        return doc

    def policy_for_arn(self, arn: str) -> str | None:
        """The resource policy of a function ARN (qualified or not); layers have none here."""
        parts = arn.split(":")
        if len(parts) < 7 or parts[5] != "function":
            return None
        return self.resource_policy(parts[6], parts[7] if len(parts) > 7 else None)

    def service_may_invoke(self, function_arn: str, service: str, source_arn: str,
                           account: str) -> bool:
        """The function's resource policy decides whether an AWS service may invoke it."""
        ref = split_function_name(function_arn)
        doc = self.resource_policy(ref.name)
        if not doc:
            return False
        # The answer depends on nothing else (no time or request keys), so it is kept per question.
        question = (doc, function_arn, service, source_arn, account)
        known = self._invoke_grants.get(question)
        if known is not None:
            return known
        try:
            policy = parse_policy(doc, PolicyKind.RESOURCE)
        except ValueError:
            return False
        caller = Caller(arn=service, account=account, kind="service", service=service)
        keys = {"aws:SourceArn": source_arn, "aws:SourceAccount": account}
        # moto keeps one policy per function whatever the qualifier, with the unqualified ARN as
        # Resource, so a permission SAM adds on an alias reads as the function's own.
        arns = [function_arn] + ([unqualified] if (unqualified := ":".join(function_arn.split(":")[:7]))
                                 != function_arn else [])
        allowed = any(evaluate(RequestContext(action="lambda:InvokeFunction", resource=arn, caller=caller,
                                              keys=keys), resource_policy=policy).allowed for arn in arns)
        with self._lock:
            if len(self._invoke_grants) >= 4096:
                self._invoke_grants.clear()
            self._invoke_grants[question] = allowed
        return allowed

    def reset(self) -> None:
        self.router.reset()
        with self._lock:
            self._configs.clear()
            self._policies.clear()
            self._invoke_grants.clear()


def _principal(value: Any) -> Any:
    """AddPermission's Principal as AWS writes it into the policy: a service, an ARN or an account.

    An account id becomes its root ARN and an IAM ARN an {"AWS": ...} principal, as GetPolicy
    shows on AWS (https://docs.aws.amazon.com/lambda/latest/dg/access-control-resource-based.html);
    some upstreams store the bare string AddPermission received.
    """
    if not isinstance(value, str) or value == "*":
        return value
    if value.endswith(".amazonaws.com") or value.endswith(".amazonaws.com.cn"):
        return {"Service": value}
    if value.isdigit() and len(value) == 12:
        return {"AWS": f"arn:aws:iam::{value}:root"}
    return {"AWS": value}


def _normalise_policy(doc: str) -> str:
    """Lambda policies carry an Id and may hold bare-string principals; keep what IAM reads."""
    data = json.loads(doc)
    data.pop("Id", None)
    statements = data.get("Statement")
    for stmt in statements if isinstance(statements, list) else ():
        if isinstance(stmt, dict) and "Principal" in stmt:
            stmt["Principal"] = _principal(stmt["Principal"])
    return json.dumps(data)
