"""Apply an import plan through the apigateway control plane, in overwrite or merge mode.

PutRestApi modes: https://docs.aws.amazon.com/apigateway/latest/api/API_PutRestApi.html
(overwrite replaces the API's definition; merge adds the document's and replaces what it
redefines); ImportRestApi creates a new API: API_ImportRestApi.html.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from harness.gateway.openapi_import import ImportPlan

Call = Callable[..., dict[str, Any]]
"""call(operation_name, **boto3_kwargs) -> response (None values are dropped)."""


def boto_call(client: Any) -> Call:
    """A Call over a boto3 apigateway client."""

    def call(op: str, **kwargs: Any) -> dict[str, Any]:
        result: dict[str, Any] = getattr(client, op)(
            **{k: v for k, v in kwargs.items() if v is not None})
        return result

    return call


def _items(call: Call, op: str, **kwargs: Any) -> list[dict[str, Any]]:
    return list(call(op, limit=500, **kwargs).get("items") or [])


def _escape(text: str) -> str:
    return text.replace("~", "~0").replace("/", "~1")


def create_api(call: Call, plan: ImportPlan, name: str | None = None,
               endpoint_types: list[str] | None = None) -> dict[str, Any]:
    """CreateRestApi with the document's API-level settings (ImportRestApi's first step)."""
    return call("create_rest_api", name=name or plan.api.get("name"),
                description=plan.api.get("description"),
                apiKeySource=plan.api.get("apiKeySource"),
                binaryMediaTypes=plan.api.get("binaryMediaTypes"),
                endpointConfiguration={"types": endpoint_types} if endpoint_types else None)


def _clear(call: Call, api_id: str) -> None:
    """Overwrite: remove every method, resource, authorizer, validator and gateway response."""
    resources = _items(call, "get_resources", restApiId=api_id)
    for res in resources:
        if res.get("path") == "/":
            for verb in res.get("resourceMethods") or {}:
                call("delete_method", restApiId=api_id, resourceId=res["id"], httpMethod=verb)
    for res in sorted(resources, key=lambda r: -str(r.get("path")).count("/")):
        if res.get("path") != "/":
            call("delete_resource", restApiId=api_id, resourceId=res["id"])
    for auth in _items(call, "get_authorizers", restApiId=api_id):
        call("delete_authorizer", restApiId=api_id, authorizerId=auth["id"])
    for validator in _items(call, "get_request_validators", restApiId=api_id):
        call("delete_request_validator", restApiId=api_id, requestValidatorId=validator["id"])
    for response in _items(call, "get_gateway_responses", restApiId=api_id):
        if not response.get("defaultResponse"):
            call("delete_gateway_response", restApiId=api_id,
                 responseType=response["responseType"])


def _settings(call: Call, api_id: str, plan: ImportPlan, overwrite: bool) -> None:
    current = call("get_rest_api", restApiId=api_id)
    ops: list[dict[str, Any]] = []
    for key, path in (("name", "/name"), ("description", "/description"),
                      ("apiKeySource", "/apiKeySource"), ("policy", "/policy")):
        value = plan.api.get(key)
        if value is not None and value != current.get(key):
            ops.append({"op": "replace", "path": path, "value": str(value)})
    wanted = set(plan.api.get("binaryMediaTypes") or [])
    have = set(current.get("binaryMediaTypes") or [])
    ops += [{"op": "add", "path": f"/binaryMediaTypes/{_escape(t)}", "value": t}
            for t in sorted(wanted - have)]
    if overwrite:
        ops += [{"op": "remove", "path": f"/binaryMediaTypes/{_escape(t)}", "value": t}
                for t in sorted(have - wanted)]
    if ops:
        call("update_rest_api", restApiId=api_id, patchOperations=ops)


def apply_plan(call: Call, api_id: str, plan: ImportPlan, *, overwrite: bool) -> None:
    """Make the API what the document says (overwrite) or add the document to it (merge)."""
    if overwrite:
        _clear(call, api_id)
    _settings(call, api_id, plan, overwrite)
    existing_auth = {a["name"]: a["id"] for a in _items(call, "get_authorizers", restApiId=api_id)}
    auth_ids: dict[str, str] = {}
    for name, args in plan.authorizers.items():
        if name in existing_auth:
            call("delete_authorizer", restApiId=api_id, authorizerId=existing_auth[name])
        created = call("create_authorizer", restApiId=api_id, **args)
        auth_ids[name] = created["id"]
        if args.get("identityValidationExpression"):
            call("update_authorizer", restApiId=api_id, authorizerId=created["id"],
                 patchOperations=[{"op": "replace", "path": "/identityValidationExpression",
                                   "value": args["identityValidationExpression"]}])
    existing_val = {v["name"]: v["id"]
                    for v in _items(call, "get_request_validators", restApiId=api_id)}
    validator_ids: dict[str, str] = {}
    for name, args in plan.validators.items():
        if name in existing_val:
            call("delete_request_validator", restApiId=api_id,
                 requestValidatorId=existing_val[name])
        validator_ids[name] = call("create_request_validator", restApiId=api_id, **args)["id"]
    resources = {str(r["path"]): r for r in _items(call, "get_resources", restApiId=api_id)}
    for path in sorted(set(plan.paths), key=lambda p: p.count("/") if p != "/" else 0):
        _ensure(call, api_id, path, resources)
    for mp in plan.methods:
        res = resources[mp.path]
        key = {"restApiId": api_id, "resourceId": res["id"], "httpMethod": mp.verb}
        if mp.verb in (res.get("resourceMethods") or {}):
            call("delete_method", **key)
        call("put_method", **key, **mp.method,
             authorizerId=auth_ids.get(mp.authorizer) if mp.authorizer else None,
             requestValidatorId=validator_ids.get(mp.validator) if mp.validator else None)
        for response in mp.responses:
            call("put_method_response", **key, **response)
        if mp.integration is not None:
            call("put_integration", **key, **mp.integration)
            for response in mp.integration_responses:
                call("put_integration_response", **key, **response)
    for response in plan.gateway_responses:
        call("put_gateway_response", restApiId=api_id, **response)


def _ensure(call: Call, api_id: str, path: str, resources: dict[str, dict[str, Any]]) -> None:
    """Create the resource at path and any missing parents."""
    if path in resources:
        return
    parent, _, part = path.rpartition("/")
    parent = parent or "/"
    _ensure(call, api_id, parent, resources)
    created = call("create_resource", restApiId=api_id, parentId=resources[parent]["id"],
                   pathPart=part)
    resources[path] = {**created, "resourceMethods": {}}
