"""API Gateway management calls the edge completes: usage, authorizer cache, deployment snapshots.

moto stores API Gateway configuration but answers 404 to GetUsage, UpdateUsage and
FlushStageAuthorizersCache, and imports OpenAPI only partly (ImportRestApi, PutRestApi); those
belong to the data plane, which the edge reaches through the small protocol below so it never
imports the gateway. It also mends two moto gaps that would make
a deployed stage differ from AWS: CreateAuthorizer drops identityValidationExpression, and
CreateDeployment with a stageName replaces the stage, losing its methodSettings and variables.
"""

from __future__ import annotations

import json
from typing import Any, Protocol
from urllib.parse import parse_qsl

from botocore.exceptions import ClientError

from harness.edge import errors
from harness.edge.app import Call, Edge
from harness.http import HttpResponse, json_response


class DataPlane(Protocol):
    def snapshot_deployment(self, rest_api_id: str, deployment_id: str) -> None: ...

    def flush_authorizer_cache(self, rest_api_id: str, stage: str) -> None: ...

    def import_rest_api(self, body: bytes, *, rest_api_id: str | None, mode: str,
                        fail_on_warnings: bool,
                        endpoint_types: list[str] | None = None) -> dict[str, Any]: ...

    def get_usage(self, usage_plan_id: str, start_date: str, end_date: str,
                  key_id: str | None = None, position: str | None = None,
                  limit: int | None = None) -> dict[str, Any]: ...

    def update_usage(self, usage_plan_id: str, key_id: str,
                     patch_operations: list[dict[str, Any]]) -> dict[str, Any]: ...


def _failure(call: Call, exc: Exception) -> HttpResponse:
    if isinstance(exc, LookupError):
        return errors.aws_error(call.service, "NotFoundException", str(exc).strip("'\""), 404)
    return errors.aws_error(call.service, "BadRequestException", str(exc), 400)


def get_usage(plane: DataPlane, call: Call) -> HttpResponse:
    p = call.params
    try:
        limit = int(p["limit"]) if p.get("limit") else None
        body = plane.get_usage(str(p.get("usagePlanId", "")), str(p.get("startDate", "")),
                               str(p.get("endDate", "")), p.get("keyId"), p.get("position"), limit)
    except (LookupError, ValueError) as exc:
        return _failure(call, exc)
    return json_response(200, _wire_usage(body))


def _wire_usage(body: dict[str, Any]) -> dict[str, Any]:
    """The Usage shape's `items` member travels as `values` on the wire."""
    out = dict(body)
    if "items" in out:
        out["values"] = out.pop("items")
    return out


def update_usage(plane: DataPlane, call: Call) -> HttpResponse:
    p = call.params
    ops = p.get("patchOperations") or []
    if not isinstance(ops, list):
        return errors.aws_error(call.service, "BadRequestException",
                                "patchOperations must be a list", 400)
    try:
        body = plane.update_usage(str(p.get("usagePlanId", "")), str(p.get("keyId", "")), ops)
    except (LookupError, ValueError) as exc:
        return _failure(call, exc)
    return json_response(200, _wire_usage(body))


def flush_cache(plane: DataPlane, call: Call) -> HttpResponse:
    plane.flush_authorizer_cache(str(call.params.get("restApiId", "")),
                                 str(call.params.get("stageName", "")))
    return HttpResponse(202, [("Content-Type", "application/json")], b"")


def remember_stage(edge: Edge, call: Call) -> None:
    """Before CreateDeployment replaces an existing stage in moto, keep what AWS would keep."""
    stage = call.params.get("stageName")
    if not stage:
        return None
    try:
        found = edge.upstream.client("apigateway").get_stage(
            restApiId=str(call.params.get("restApiId")), stageName=str(stage))
    except Exception:
        return None
    call.extras["stage"] = found
    return None


def restore_stage(edge: Edge, call: Call, resp: HttpResponse) -> HttpResponse:
    previous = call.extras.get("stage")
    if resp.status >= 300 or not previous:
        return resp
    ops: list[dict[str, str]] = []
    for key, setting in (previous.get("methodSettings") or {}).items():
        for field, path in (("throttlingRateLimit", "throttling/rateLimit"),
                            ("throttlingBurstLimit", "throttling/burstLimit")):
            if field in setting:
                ops.append({"op": "replace", "path": f"/{key}/{path}", "value": str(setting[field])})
    for name, value in (previous.get("variables") or {}).items():
        ops.append({"op": "replace", "path": f"/variables/{name}", "value": str(value)})
    if ops:
        edge.upstream.client("apigateway").update_stage(
            restApiId=str(call.params.get("restApiId")), stageName=str(call.params["stageName"]),
            patchOperations=ops)
    return resp


def snapshot(edge: Edge, plane: DataPlane, call: Call, resp: HttpResponse) -> HttpResponse:
    if resp.status < 300:
        deployment = json.loads(resp.body).get("id")
        if deployment:
            plane.snapshot_deployment(str(call.params.get("restApiId")), str(deployment))
    return resp


def keep_validation_expression(edge: Edge, call: Call, resp: HttpResponse) -> HttpResponse:
    expr = call.params.get("identityValidationExpression")
    if resp.status < 300 and expr:
        created = json.loads(resp.body)
        edge.upstream.client("apigateway").update_authorizer(
            restApiId=str(call.params.get("restApiId")), authorizerId=created["id"],
            patchOperations=[{"op": "replace", "path": "/identityValidationExpression",
                              "value": str(expr)}])
        created["identityValidationExpression"] = expr
        return json_response(resp.status, created)
    return resp


def import_api(plane: DataPlane, call: Call, *, put: bool) -> HttpResponse:
    """ImportRestApi (a new API) or PutRestApi (mode merge by default, or overwrite)."""
    query = dict(parse_qsl(call.req.query, keep_blank_values=True))
    fail = str(query.get("failonwarnings") or call.params.get("failOnWarnings") or "false")
    endpoint = query.get("parameters[endpointConfigurationTypes]") or query.get(
        "endpointConfigurationTypes")
    try:
        body = plane.import_rest_api(
            call.req.body, rest_api_id=str(call.params.get("restApiId")) if put else None,
            mode=str(query.get("mode") or call.params.get("mode") or "merge").lower(),
            fail_on_warnings=fail.lower() == "true",
            endpoint_types=[endpoint.upper()] if endpoint else None)
    except ClientError as exc:
        err = exc.response.get("Error", {})
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 400)
        return errors.aws_error(call.service, str(err.get("Code") or "BadRequestException"),
                                str(err.get("Message") or exc), status)
    except (LookupError, ValueError) as exc:
        return _failure(call, exc)
    return json_response(200 if put else 201, body)


def install(edge: Edge, plane: DataPlane) -> None:
    """Wire the data-plane-backed management calls into the edge."""
    edge.respond("apigateway", "GetUsage", lambda c: get_usage(plane, c))
    edge.respond("apigateway", "UpdateUsage", lambda c: update_usage(plane, c))
    edge.respond("apigateway", "FlushStageAuthorizersCache", lambda c: flush_cache(plane, c))
    edge.respond("apigateway", "ImportRestApi", lambda c: import_api(plane, c, put=False))
    edge.respond("apigateway", "PutRestApi", lambda c: import_api(plane, c, put=True))
    edge.check("apigateway", "CreateDeployment", lambda c: remember_stage(edge, c))
    edge.observe("apigateway", "CreateDeployment", lambda c, r: restore_stage(edge, c, r))
    edge.observe("apigateway", "CreateDeployment", lambda c, r: snapshot(edge, plane, c, r))
    edge.observe("apigateway", "CreateAuthorizer",
                 lambda c, r: keep_validation_expression(edge, c, r))
