"""The IAM gate: every non-root call is evaluated with the principal's policies before moto sees it.

DynamoDB, Lambda, Cognito user pools, API Gateway management, CodePipeline and the services
of harness/edge/service_arns.py get their real resource ARNs (DynamoDB its condition keys too).
Every other service is checked at the action level with resource "*" (docs/ARCHITECTURE.md).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, unquote

from harness.clock import VirtualClock
from harness.edge import cbor
from harness.edge.directory import IdentityDirectory, NoSuchEntity
from harness.edge.dynamodb.context import AuthzItem, ContextError, DynamoContext
from harness.edge.global_keys import global_keys
from harness.edge.passrole import pass_role_checks
from harness.edge.principals import Principal
from harness.edge.protocols import Operation
from harness.edge.resource_policies import ResourcePolicies
from harness.edge.service_arns import SERVICES as ARN_SERVICES
from harness.edge.service_arns import ServiceArns
from harness.edge.sts.models import caller_of
from harness.http import HttpRequest
from harness.iam import Decision, Outcome, PolicyKind, RequestContext, evaluate, parse_policy

# Calls AWS answers for any authenticated caller without an IAM check.
UNCHECKED = {("sts", "GetCallerIdentity")}


class BadRequestParams(ValueError):
    """The body could not be read as the protocol says; answered as a serialization error."""


@dataclass(frozen=True)
class Denial:
    action: str
    resource: str
    decision: Decision


def request_params(req: HttpRequest, op: Operation) -> dict[str, Any]:
    """The request's parameters as a plain dict, whatever the protocol."""
    proto = op.service.protocol
    try:
        if proto == "json":
            data = json.loads(req.body) if req.body else {}
        elif proto == "smithy-rpc-v2-cbor":
            data = cbor.loads(req.body) if req.body else {}
        elif proto in ("query", "ec2"):
            data = dict(req.query_params())
            if req.body:
                data.update(parse_qsl(req.body.decode("utf-8", "replace"), keep_blank_values=True))
        else:
            data = _rest_params(req, op)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise BadRequestParams(str(exc)[:300] or type(exc).__name__) from None
    if not isinstance(data, dict):
        raise BadRequestParams("request body must be an object")
    return data


def _rest_params(req: HttpRequest, op: Operation) -> dict[str, Any]:
    """REST protocols spread members over URI labels, query, headers and the body (or a payload)."""
    shape = op.input_shape
    data: dict[str, Any] = {}
    if shape is None:
        return dict(op.path_params)
    query = req.query_dict()
    for name, member in shape.members.items():
        loc = member.serialization.get("location")
        wire = member.serialization.get("name", name)
        if loc == "uri" and wire in op.path_params:
            data[name] = op.path_params[wire]
        elif loc == "querystring" and wire in query:
            data[name] = query[wire][0] if member.type_name != "list" else query[wire]
        elif loc == "header" and wire.lower() in req.headers:
            data[name] = req.headers[wire.lower()]
    payload = shape.serialization.get("payload")
    if not req.body or "json" not in req.headers.get("content-type", "application/json"):
        return data
    if payload:
        if shape.members[payload].type_name == "structure":
            body = json.loads(req.body)
            data[payload] = body
        return data
    body = json.loads(req.body)
    if not isinstance(body, dict):
        raise BadRequestParams("request body must be a JSON object")
    for k, v in body.items():
        data.setdefault(k, v)
    return data


class Gate:
    """Decides each authenticated request, returning the first denial or None."""

    def __init__(self, directory: IdentityDirectory, clock: VirtualClock, region: str,
                 account: str, dynamo: DynamoContext) -> None:
        self._dir = directory
        self._clock = clock
        self.region = region
        self.account = account
        self._dynamo = dynamo
        self.resource_policies = ResourcePolicies(account)
        self.service_arns = ServiceArns(region, account)

    def checks(self, op: Operation, params: Mapping[str, Any], req: HttpRequest) -> list[AuthzItem]:
        svc = op.service.name
        prefix = op.service.iam_prefix
        if svc == "dynamodb":
            return self._dynamo.checks(op.name, params)
        if svc == "lambda":
            return [AuthzItem(_lambda_action(op.name), self._lambda_resource(op, params), {})]
        if svc == "cognito-idp":
            pool = params.get("UserPoolId")
            res = (f"arn:aws:cognito-idp:{self.region}:{self.account}:userpool/{pool}"
                   if isinstance(pool, str) and pool else "*")
            return [AuthzItem(f"cognito-idp:{op.name}", res, {})]
        if svc == "apigateway":
            path = unquote(req.path)
            return [AuthzItem(f"apigateway:{req.method}",
                              f"arn:aws:apigateway:{self.region}::{path}", {})]
        if svc == "codepipeline":
            name = params.get("name") or params.get("pipelineName")
            res = (f"arn:aws:codepipeline:{self.region}:{self.account}:{name}"
                   if isinstance(name, str) and name else "*")
            return [AuthzItem(f"codepipeline:{op.name}", res, {})]
        if svc in ARN_SERVICES:
            action = self.service_arns.action(svc, op.name)
            return [AuthzItem(action, res, {})
                    for res in self.service_arns.resources(svc, op.name, params)]
        return [AuthzItem(f"{prefix}:{op.name}", "*", {})]

    def _lambda_resource(self, op: Operation, params: Mapping[str, Any]) -> str:
        name = params.get("FunctionName")
        base = f"arn:aws:lambda:{self.region}:{self.account}"
        if isinstance(name, str) and name:
            qualifier = params.get("Qualifier")
            parts = name.split(":")
            if name.startswith("arn:"):
                arn = name
            elif len(parts) >= 3 and parts[1] == "function":
                arn = f"arn:aws:lambda:{self.region}:{parts[0]}:function:" + ":".join(parts[2:])
            else:
                arn = f"{base}:function:{name}"
            if isinstance(qualifier, str) and qualifier and arn.count(":") == 6:
                arn += f":{qualifier}"
            return arn
        layer = params.get("LayerName")
        if isinstance(layer, str) and layer:
            arn = layer if layer.startswith("arn:") else f"{base}:layer:{layer}"
            version = params.get("VersionNumber")
            return f"{arn}:{version}" if version else arn
        return "*"

    def global_keys(self, principal: Principal, req: HttpRequest) -> dict[str, Any]:
        """The aws:* keys for this principal and request (harness/edge/global_keys.py)."""
        return global_keys(principal, req, self._clock.now(), self.region)

    def policies(self, principal: Principal) -> tuple[tuple[str, ...], str | None]:
        """The principal's identity policy texts and permissions boundary."""
        if principal.kind == "user" and principal.user_name:
            u = self._dir.user(principal.user_name)
            return u.identity_policies, u.boundary
        if principal.kind == "assumed-role" and principal.role_name:
            r = self._dir.role(principal.role_name)
            return r.identity_policies, r.boundary
        return (), None

    def authorize(self, principal: Principal, op: Operation, params: Mapping[str, Any],
                  req: HttpRequest) -> Denial | None:
        if principal.is_root or (op.service.name, op.name) in UNCHECKED:
            return None
        items = self.checks(op, params, req) + pass_role_checks(op.service.name, op.name, params,
                                                                req.body)
        if principal.kind == "service":
            return Denial(items[0].action, items[0].resource,
                          Decision(Outcome.IMPLICIT_DENY, ""))
        try:
            identity_docs, boundary_doc = self.policies(principal)
        except NoSuchEntity:
            identity_docs, boundary_doc = (), None
        identity = [parse_policy(d) for d in identity_docs]
        session = ([parse_policy(d, PolicyKind.SESSION) for d in principal.session_policies]
                   or None)
        boundary = parse_policy(boundary_doc, PolicyKind.BOUNDARY) if boundary_doc else None
        base = self.global_keys(principal, req)
        caller = caller_of(principal)
        for item in items:
            keys = dict(base)
            keys.update(item.keys)
            found = self.resource_policies.lookup(item.resource)
            ctx = RequestContext(action=item.action, resource=item.resource, caller=caller,
                                 keys=keys, resource_account=found.account)
            decision = evaluate(ctx, identity=identity, session=session, boundary=boundary,
                                resource_policy=found.policy)
            if not decision.allowed:
                return Denial(item.action, item.resource, decision)
        return None


def _lambda_action(op: str) -> str:
    return {"Invoke": "lambda:InvokeFunction", "InvokeAsync": "lambda:InvokeAsync",
            "InvokeWithResponseStream": "lambda:InvokeFunction",
            "GetFunctionConfiguration": "lambda:GetFunctionConfiguration"}.get(op, f"lambda:{op}")


__all__ = ["BadRequestParams", "ContextError", "Denial", "Gate", "request_params"]
