"""Which AWS operation a request is, read from botocore's own service models for every protocol."""

from __future__ import annotations

import dataclasses
import re
import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote

import botocore.session

from harness.http import HttpRequest

# Signing names whose botocore service name differs, or that serve several models.
SIGNING_TO_SERVICES: dict[str, tuple[str, ...]] = {
    "dynamodb": ("dynamodb", "dynamodbstreams"),
    "monitoring": ("cloudwatch",),
    "execute-api": ("apigatewaymanagementapi",),
    "states": ("stepfunctions",),
    "email": ("ses", "sesv2"),
    "events": ("events",),
}


@dataclass(frozen=True)
class ServiceInfo:
    """A botocore service model reduced to what the edge needs to read and answer requests."""

    name: str
    signing_name: str
    protocol: str
    target_prefix: str | None
    json_version: str | None
    iam_prefix: str
    model: Any = field(repr=False, compare=False)


@dataclass(frozen=True)
class Operation:
    """One resolved API call: its service, its name and any URI labels it carried."""

    service: ServiceInfo
    name: str
    path_params: dict[str, str]
    input_shape: Any = field(repr=False, compare=False, default=None)


_IAM_PREFIX = {"dynamodbstreams": "dynamodb", "cloudwatch": "cloudwatch", "stepfunctions": "states",
               "apigatewaymanagementapi": "execute-api", "sesv2": "ses"}


class _RestRoute:
    def __init__(self, op_name: str, method: str, uri: str, headers: list[str]) -> None:
        path, _, query = uri.partition("?")
        self.op_name = op_name
        self.required_headers = headers
        self.method = method
        self.required_query = [q.partition("=") for q in query.split("&") if q]
        pattern = ""
        literal = 0
        for part in re.split(r"(\{[^}]+\})", path):
            if part.startswith("{"):
                name = part[1:-1]
                greedy = name.endswith("+")
                name = name.rstrip("+")
                pattern += f"(?P<{_group(name)}>.+)" if greedy else f"(?P<{_group(name)}>[^/]+)"
            else:
                literal += len(part)
                pattern += re.escape(part)
        self.regex = re.compile("^" + pattern.rstrip("/") + "/?$")
        self.labels = {_group(n.strip("{}+")): n.strip("{}+") for n in re.findall(r"\{[^}]+\}", path)}
        self.score = literal * 10 + len(self.required_query) + len(headers)

    def match(self, req: HttpRequest, query: dict[str, str]) -> dict[str, str] | None:
        method, path = req.method, req.path
        if method != self.method:
            return None
        if any(h not in req.headers for h in self.required_headers):
            return None
        for key, has_value, value in self.required_query:
            if key not in query or (has_value and query[key] != value):
                return None
        m = self.regex.match(path)
        if not m:
            return None
        return {self.labels[k]: unquote(v) for k, v in m.groupdict().items()}


def _required_headers(op_model: Any) -> list[str]:
    shape = op_model.input_shape
    if shape is None:
        return []
    required = set(shape.metadata.get("required", []))
    return [m.serialization["name"].lower() for n, m in shape.members.items()
            if n in required and m.serialization.get("location") == "header"]


def _group(name: str) -> str:
    return re.sub(r"\W", "_", name)


class ServiceCatalog:
    """Loads botocore models lazily and resolves requests to operations."""

    def __init__(self) -> None:
        self._session = botocore.session.get_session()
        self._lock = threading.Lock()
        self._services: dict[str, ServiceInfo | None] = {}
        self._routes: dict[str, list[_RestRoute]] = {}
        self._by_target: dict[str, ServiceInfo] = {}
        self._available = set(self._session.get_available_services())

    def service(self, name: str) -> ServiceInfo | None:
        with self._lock:
            if name in self._services:
                return self._services[name]
        info = self._load(name) if name in self._available else None
        with self._lock:
            self._services[name] = info
            if info and info.target_prefix:
                self._by_target[info.target_prefix] = info
        return info

    def _load(self, name: str) -> ServiceInfo:
        model = self._session.get_service_model(name)
        meta = model.metadata
        return ServiceInfo(
            name=name,
            signing_name=model.signing_name,
            protocol=model.protocol,
            target_prefix=meta.get("targetPrefix"),
            json_version=meta.get("jsonVersion"),
            iam_prefix=_IAM_PREFIX.get(name, model.signing_name),
            model=model,
        )

    def services_for_signing(self, signing: str) -> list[ServiceInfo]:
        names = SIGNING_TO_SERVICES.get(signing, (signing,))
        return [s for s in (self.service(n) for n in names) if s is not None]

    def service_for_target(self, target: str) -> ServiceInfo | None:
        prefix = target.split(".", 1)[0]
        with self._lock:
            hit = self._by_target.get(prefix)
        if hit:
            return hit
        for name in _TARGET_GUESSES.get(prefix, ()):
            info = self.service(name)
            if info and info.target_prefix == prefix:
                return info
        return None

    def resolve(self, req: HttpRequest, services: list[ServiceInfo]) -> Operation | None:
        """The operation among the candidate services that this request invokes."""
        for svc in services:
            op = self._resolve_in(req, svc)
            if op is not None:
                return op
        return None

    def _resolve_in(self, req: HttpRequest, svc: ServiceInfo) -> Operation | None:
        proto = svc.protocol
        if proto == "json":
            target = req.headers.get("x-amz-target", "")
            prefix, _, name = target.partition(".")
            if prefix != svc.target_prefix:
                return None
            return self._op(svc, name, {})
        if proto == "smithy-rpc-v2-cbor":
            m = re.match(r"^/service/([^/]+)/operation/([^/]+)$", req.path)
            if m:
                return self._op(svc, m.group(2), {})
            target = req.headers.get("x-amz-target", "")
            prefix, _, name = target.partition(".")
            if prefix != svc.target_prefix:
                return None
            # The SDK chose the service's JSON protocol instead: answer in kind.
            as_json = dataclasses.replace(svc, protocol="json", json_version=svc.json_version or "1.1")
            return self._op(as_json, name, {})
        if proto in ("query", "ec2"):
            params = dict(req.query_params())
            ctype = req.headers.get("content-type", "")
            if req.body and "x-www-form-urlencoded" in ctype:
                params.update(parse_qsl(req.body.decode("utf-8", "replace"), keep_blank_values=True))
            name = params.get("Action", "")
            return self._op(svc, name, {}) if name else None
        return self._resolve_rest(req, svc)

    def _op(self, svc: ServiceInfo, name: str, params: dict[str, str]) -> Operation | None:
        if name not in svc.model.operation_names:
            return Operation(svc, name, params, None) if name else None
        return Operation(svc, name, params, svc.model.operation_model(name).input_shape)

    def _resolve_rest(self, req: HttpRequest, svc: ServiceInfo) -> Operation | None:
        routes = self._routes.get(svc.name)
        if routes is None:
            routes = []
            for name in svc.model.operation_names:
                om = svc.model.operation_model(name)
                routes.append(_RestRoute(name, om.http.get("method", "POST"),
                                         om.http.get("requestUri", "/"), _required_headers(om)))
            routes.sort(key=lambda r: -r.score)
            self._routes[svc.name] = routes
        query = dict(req.query_params())
        for route in routes:
            params = route.match(req, query)
            if params is not None:
                return self._op(svc, route.op_name, params)
        return None

    def is_known_operation(self, op: Operation) -> bool:
        return op.input_shape is not None or op.name in op.service.model.operation_names


_TARGET_GUESSES: dict[str, tuple[str, ...]] = {
    "DynamoDB_20120810": ("dynamodb",),
    "DynamoDBStreams_20120810": ("dynamodbstreams",),
    "AWSCognitoIdentityProviderService": ("cognito-idp",),
    "AWSCognitoIdentityService": ("cognito-identity",),
    "CodePipeline_20150709": ("codepipeline",),
    "Logs_20140328": ("logs",),
    "AWSEvents": ("events",),
    "TrentService": ("kms",),
    "secretsmanager": ("secretsmanager",),
    "AmazonSSM": ("ssm",),
    "AmazonSQS": ("sqs",),
    "AWSStepFunctions": ("stepfunctions",),
    "GraniteServiceVersion20100801": ("cloudwatch",),
}
